// GET /metrics: Prometheus text for operators (management key, or no key with
// --metrics-public): HTTP requests and latency by route pattern, open streams,
// per-model inference requests, tokens, tokens/s, time to first token and
// duration, instance states and restarts, downloads by state and their bytes.
#include "studio/api/prometheus_text.hpp"
#include "studio/api/routes.hpp"

#include "studio/download/download_queue.hpp"
#include "studio/supervisor/instance_registry.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

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

// States a download in the queue can be in (the queue lists queued and running ones).
constexpr std::array<std::string_view, 2> download_states{"queued", "downloading"};

void add_http_families(std::vector<prom_family>& families, const http::request_metrics& metrics) {
  prom_family requests{"studio_http_requests_total",
                       "HTTP requests answered, by method, route pattern and status", "counter", {}};
  for (const auto& e : metrics.snapshot()) {
    requests.samples.push_back(
        {{{"method", e.method}, {"route", e.route}, {"status", std::to_string(e.status)}},
         static_cast<double>(e.count)});
  }
  families.push_back(std::move(requests));

  prom_family latency{"studio_http_request_duration_seconds",
                      "time from routing to the end of the answer (a stream: until it ended), by "
                      "method and route pattern",
                      "histogram", {}};
  for (const auto& e : metrics.latency_snapshot())
    add_histogram(latency, {{"method", e.method}, {"route", e.route}}, e.seconds);
  families.push_back(std::move(latency));
}

void add_inference_families(std::vector<prom_family>& families, const inference_metrics& inference) {
  families.push_back({"studio_open_streams",
                      "inference streams being relayed to clients now",
                      "gauge",
                      {{{}, static_cast<double>(inference.open_streams())}}});
  prom_family requests{"studio_model_requests_total",
                       "inference requests forwarded to llama-server, by model and the status the "
                       "client saw",
                       "counter", {}};
  prom_family prompt{"studio_model_prompt_tokens_total", "prompt tokens processed, by model", "counter", {}};
  prom_family completion{"studio_model_completion_tokens_total", "completion tokens generated, by model",
                         "counter", {}};
  prom_family speed{"studio_model_tokens_per_second",
                    "completion tokens per second of request time, averaged over the model's requests "
                    "that reported tokens",
                    "gauge", {}};
  prom_family ttft{"studio_model_time_to_first_token_seconds",
                   "time from forwarding a streamed request to its first token, by model", "histogram", {}};
  prom_family duration{"studio_model_request_duration_seconds",
                       "time of whole inference requests, by model", "histogram", {}};
  for (const auto& d : inference.details()) {
    for (const auto& [status, count] : d.requests_by_status)
      requests.samples.push_back({{{"model", d.model}, {"status", std::to_string(status)}},
                                  static_cast<double>(count)});
    prompt.samples.push_back({{{"model", d.model}}, static_cast<double>(d.totals.prompt_tokens)});
    completion.samples.push_back({{{"model", d.model}}, static_cast<double>(d.totals.completion_tokens)});
    speed.samples.push_back({{{"model", d.model}}, d.totals.tokens_per_second()});
    add_histogram(ttft, {{"model", d.model}}, d.time_to_first_token);
    add_histogram(duration, {{"model", d.model}}, d.duration);
  }
  for (auto* f : {&requests, &prompt, &completion, &speed, &ttft, &duration}) families.push_back(std::move(*f));
}

// Instance states and restarts, and the v2 chat tokens of the models they serve.
net::awaitable<void> add_instance_families(std::vector<prom_family>& families, services& svc) {
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
}

// Downloads by state, and the bytes of each one in the queue (read on the queue's strand).
net::awaitable<void> add_download_families(std::vector<prom_family>& families, services& svc) {
  std::vector<download::job_view> jobs;
  if (svc.downloads != nullptr) {
    auto read = [&]() -> net::awaitable<void> {
      jobs = svc.downloads->list();
      co_return;
    };
    co_await net::co_spawn(svc.downloads->executor(), read, net::use_awaitable);
  }
  prom_family by_state{"studio_downloads", "model downloads in the queue, by state", "gauge", {}};
  for (auto state : download_states) {
    double n = 0;
    for (const auto& j : jobs) n += j.status == state ? 1 : 0;
    by_state.samples.push_back({{{"state", std::string(state)}}, n});
  }
  prom_family done{"studio_download_downloaded_bytes",
                   "bytes on disk so far of each queued or running download", "gauge", {}};
  prom_family total{"studio_download_size_bytes",
                    "expected size of each queued or running download (0 while unknown)", "gauge", {}};
  for (const auto& j : jobs) {
    done.samples.push_back({{{"file", j.file}}, static_cast<double>(j.downloaded_bytes)});
    total.samples.push_back({{{"file", j.file}}, static_cast<double>(j.total_bytes)});
  }
  families.push_back(std::move(by_state));
  families.push_back(std::move(done));
  families.push_back(std::move(total));
}

net::awaitable<http::response> handle_metrics(services& svc) {
  std::vector<prom_family> families;
  add_http_families(families, svc.http_metrics);
  add_inference_families(families, svc.inference);
  co_await add_instance_families(families, svc);
  co_await add_download_families(families, svc);
  auto res = http::text_response(200, render_prometheus(families));
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  co_return res;
}

}  // namespace

void add_metrics_routes(http::router& routes, services& svc) {
  const auto scope = svc.config.metrics_public ? http::access::open : http::access::management;
  routes.add(verb::get, "/metrics", scope, [&svc](http::request_context&) { return handle_metrics(svc); });
}

}  // namespace studio::api
