// Health endpoints: liveness stays 200; readiness turns 503 while draining.
#include "studio/api/routes.hpp"
#include "studio/http/dispatch.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

using namespace studio;
namespace net = boost::asio;

namespace {
http::response get(const http::router& routes, const std::string& path) {
  http::authenticator auth({"k"}, {});
  http::request req{boost::beast::http::verb::get, path, 11};
  http::request_context ctx(req, nullptr);
  net::io_context ioc;
  auto fut = net::co_spawn(ioc, http::dispatch(routes, auth, ctx), net::use_future);
  ioc.run();
  return fut.get();
}
}  // namespace

TEST_CASE("readiness reports draining with 503; liveness stays 200") {
  gateway_config config;
  api::services svc(config);
  bool draining = false;
  svc.draining = [&] { return draining; };
  http::router routes;
  api::add_system_routes(routes, svc);

  auto ready = get(routes, "/api/v2/health");
  CHECK(ready.status == 200);
  CHECK(boost::json::parse(ready.body).at("status").as_string() == "healthy");
  draining = true;
  ready = get(routes, "/api/v2/health");
  CHECK(ready.status == 503);
  CHECK(boost::json::parse(ready.body).at("status").as_string() == "draining");
  CHECK(get(routes, "/health").status == 200);
}

TEST_CASE("last_error is reported when set") {
  gateway_config config;
  api::services svc(config);
  svc.last_error = "model failed to load";
  http::router routes;
  api::add_system_routes(routes, svc);
  auto body = boost::json::parse(get(routes, "/api/v2/health").body);
  CHECK(body.at("last_error").as_string() == "model failed to load");
}
