// Walks every registered route: the access policy is the one written here,
// and dispatch answers 401/403/handler accordingly. A route added with the
// wrong scope, or without one, fails this test.
#include "studio/api/routes.hpp"
#include "studio/http/dispatch.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <doctest/doctest.h>

#include <regex>

using namespace studio;

namespace net = boost::asio;

namespace {

// The policy: health checks and the API documentation are public; OpenAI /v1 and the chat endpoints take
// inference keys; everything else needs a management key.
http::access expected_access(const std::string& pattern) {
  if (pattern == "/health" || pattern == "/api/v2/health") return http::access::open;
  if (pattern == "/swagger" || pattern.starts_with("/swagger/")) return http::access::open;  // API docs
  if (pattern.starts_with("/v1/") || pattern == "/api/admin/llm/chat" || pattern.starts_with("/api/v2/chat/")) {
    return http::access::inference;
  }
  return http::access::management;
}

// A concrete path for a pattern: every {param} becomes "x".
std::string sample_path(const std::string& pattern) {
  return std::regex_replace(pattern, std::regex(R"(\{\*?[^}]+\})"), "x");
}

// Dispatches one request through a copy of the routes whose handlers are stubs
// answering 299, so the walk never runs real handlers.
unsigned status_for(const http::router& stubbed, boost::beast::http::verb method, const std::string& path,
                    const std::string& key) {
  http::authenticator auth({"management-key"}, {"inference-key"});
  http::request req{method, path, 11};
  if (!key.empty()) req.set("X-API-Key", key);
  http::request_context ctx(req, nullptr);
  net::io_context ioc;
  auto fut = net::co_spawn(ioc, http::dispatch(stubbed, auth, ctx), net::use_future);
  ioc.run();
  return fut.get().status;
}

}  // namespace

TEST_CASE("every route has the access its path calls for, and dispatch enforces it") {
  gateway_config config;
  api::services svc(config);
  http::router routes;
  api::add_all_routes(routes, svc);
  REQUIRE(routes.routes().size() >= 4);

  http::router stubbed;
  for (const auto& r : routes.routes()) {
    stubbed.add(r.method, r.pattern, r.scope, [](http::request_context&) -> net::awaitable<http::response> {
      co_return http::response{299, "text/plain", "", {}};
    });
  }

  for (const auto& r : routes.routes()) {
    CAPTURE(r.pattern);
    CHECK(r.scope == expected_access(r.pattern));
    auto path = sample_path(r.pattern);
    switch (r.scope) {
      case http::access::open:
        CHECK(status_for(stubbed, r.method, path, "") == 299);
        break;
      case http::access::inference:
        CHECK(status_for(stubbed, r.method, path, "") == 401);
        CHECK(status_for(stubbed, r.method, path, "wrong") == 401);
        CHECK(status_for(stubbed, r.method, path, "inference-key") == 299);
        CHECK(status_for(stubbed, r.method, path, "management-key") == 299);
        break;
      case http::access::management:
        CHECK(status_for(stubbed, r.method, path, "") == 401);
        CHECK(status_for(stubbed, r.method, path, "wrong") == 401);
        CHECK(status_for(stubbed, r.method, path, "inference-key") == 403);
        CHECK(status_for(stubbed, r.method, path, "management-key") == 299);
        break;
    }
  }
}
