// GET /metrics (management): Prometheus text for operators: HTTP requests by
// method/route/status, instance states and restarts, v2 chat tokens per model.
#include "studio/api/prometheus_text.hpp"
#include "studio/api/routes.hpp"

#include "studio/supervisor/instance_registry.hpp"

#include <array>
#include <set>

// g++ 12 false positive on Asio coroutine frames (see proxy_routes.cpp).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace studio::api {
namespace net = boost::asio;
using boost::beast::http::verb;

namespace {

constexpr std::array<supervisor::instance_state, 6> all_states{
    supervisor::instance_state::stopped,    supervisor::instance_state::starting,
    supervisor::instance_state::running,    supervisor::instance_state::stopping,
    supervisor::instance_state::restarting, supervisor::instance_state::failed};

net::awaitable<http::response> handle_metrics(services& svc) {
  std::vector<prom_family> families;
  prom_family requests{"studio_http_requests_total",
                       "HTTP requests answered, by method, route pattern and status",
                       "counter",
                       {}};
  for (const auto& e : svc.http_metrics.snapshot()) {
    requests.samples.push_back(
        {{{"method", e.method}, {"route", e.route}, {"status", std::to_string(e.status)}},
         static_cast<double>(e.count)});
  }
  families.push_back(std::move(requests));

  prom_family states{
      "studio_instance_state", "1 for the state each llama-server instance is in", "gauge", {}};
  prom_family restarts{
      "studio_instance_restarts_total", "automatic restarts of each llama-server instance", "counter", {}};
  prom_family tokens{
      "studio_model_tokens_total", "tokens generated through /api/v2/chat, by model", "counter", {}};
  std::set<std::string> models;  // one sample per model, however many instances serve it
  if (svc.instances != nullptr) {
    for (const auto& name : svc.instances->names()) {
      auto* inst = svc.instances->find(name);
      if (inst == nullptr) continue;
      auto st = co_await inst->status();
      for (auto s : all_states) {
        states.samples.push_back({{{"instance", name}, {"state", std::string(supervisor::to_string(s))}},
                                  st.state == s ? 1.0 : 0.0});
      }
      restarts.samples.push_back({{{"instance", name}}, static_cast<double>(st.restarts)});
      if (st.model) models.insert(*st.model);
    }
  }
  for (const auto& model : models)
    tokens.samples.push_back({{{"model", model}}, static_cast<double>(svc.model_perf.get(model).tokens)});
  families.push_back(std::move(states));
  families.push_back(std::move(restarts));
  families.push_back(std::move(tokens));
  auto res = http::text_response(200, render_prometheus(families));
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  co_return res;
}

}  // namespace

void add_metrics_routes(http::router& routes, services& svc) {
  routes.add(verb::get, "/metrics", http::access::management,
             [&svc](http::request_context&) { return handle_metrics(svc); });
}

}  // namespace studio::api
