// Health and version endpoints.
#include "studio/api/routes.hpp"
#include "studio/api/uptime.hpp"
#include "studio/core/version.hpp"

#include <boost/json/object.hpp>

namespace studio::api {
namespace net = boost::asio;
using boost::beast::http::verb;

void add_system_routes(http::router& routes, services& svc) {
  // Liveness: 200 whenever the process answers, whatever models are doing
  // (readiness, which turns 503 while draining, is /api/v2/health).
  routes.add(verb::get, "/health", http::access::open, [](http::request_context&) -> net::awaitable<http::response> {
    co_return http::json_response(200, {{"status", "ok"}});
  });

  // Seed 003: {"status","version","uptime","last_error"}.
  routes.add(verb::get, "/api/v2/health", http::access::open,
             [&svc](http::request_context&) -> net::awaitable<http::response> {
               auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::steady_clock::now() - svc.started);
               boost::json::object body{
                   {"status", svc.draining() ? "draining" : "healthy"},
                   {"version", std::string(version())},
                   {"uptime", format_uptime(uptime)},
                   {"uptime_seconds", uptime.count()},
                   {"last_error", nullptr},
               };
               if (svc.last_error) body["last_error"] = *svc.last_error;
               co_return http::json_response(svc.draining() ? 503 : 200, body);
             });

  // Seed 001: plain text "Version: ...\nCommit: ...\nBuild Time: ...".
  routes.add(verb::get, "/api/v1/version", http::access::management,
             [](http::request_context&) -> net::awaitable<http::response> {
               co_return http::text_response(200, "Version: " + std::string(version()) + "\nCommit: " +
                                                      std::string(git_commit()) + "\nBuild Time: " +
                                                      std::string(build_time()) + "\n");
             });
}

}  // namespace studio::api
