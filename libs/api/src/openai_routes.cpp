// OpenAI-compatible endpoints under /v1 (seed 001).
#include "studio/api/routes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace studio::api {
namespace net = boost::asio;
using boost::beast::http::verb;

void add_openai_routes(http::router& routes, services&) {
  // The list of served models. Instances come with the supervisor; until one
  // exists the list is empty.
  routes.add(verb::get, "/v1/models", http::access::inference,
             [](http::request_context&) -> net::awaitable<http::response> {
               co_return http::json_response(200, {{"object", "list"}, {"data", boost::json::array{}}});
             });
}

}  // namespace studio::api
