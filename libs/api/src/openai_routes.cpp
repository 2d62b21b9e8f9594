// OpenAI-compatible endpoints under /v1 (seed 001): the model list. The
// proxied /v1 inference routes live in proxy_routes.cpp.
#include "studio/api/routes.hpp"

#include "studio/supervisor/instance_registry.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

// g++ 12 reports -Wmismatched-new-delete for these coroutines' frames (Asio's frame
// allocator's own operator new/delete pair) after inlining: a false positive.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace studio::api {
namespace net = boost::asio;
using boost::beast::http::verb;

void add_openai_routes(http::router& routes, services& svc) {
  // Every instance, in OpenAI's list format. The admin instance is listed
  // under its active model file name ("admin" while it has none).
  routes.add(verb::get, "/v1/models", http::access::inference,
             [&svc](http::request_context&) -> net::awaitable<http::response> {
               boost::json::array data;
               if (svc.instances) {
                 for (const auto& name : svc.instances->names()) {
                   auto* inst = svc.instances->find(name);
                   if (inst == nullptr) continue;
                   auto st = co_await inst->status();
                   std::string id = name == "admin" ? st.model.value_or(name) : name;
                   data.push_back(boost::json::object{
                       {"id", id}, {"object", "model"}, {"created", 0}, {"owned_by", "studio-gateway"}});
                 }
               }
               co_return http::json_response(200, {{"object", "list"}, {"data", std::move(data)}});
             });
}

}  // namespace studio::api
