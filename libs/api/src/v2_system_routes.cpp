// GET /api/v2/metrics (seed 003): CPU, memory and GPU from the background sampler.
#include "studio/api/routes.hpp"
#include "studio/api/time_format.hpp"
#include "studio/api/v2_metrics.hpp"
#include "studio/http/error_shape.hpp"
#include "studio/sysinfo/system_sampler.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cmath>

namespace studio::api {
namespace net = boost::asio;
using boost::beast::http::verb;

namespace {

double round1(double v) { return std::round(v * 10.0) / 10.0; }

boost::json::value optional_number(const std::optional<double>& v) {
  if (!v) return nullptr;
  return std::round(*v);
}

boost::json::object gpu_memory(const sysinfo::gpu_device& d) {
  auto total_mb = d.memory_total_bytes / (1024 * 1024);
  auto used_mb = d.memory_used_bytes / (1024 * 1024);
  double percent = total_mb == 0 ? 0.0 : round1(100.0 * static_cast<double>(used_mb) / static_cast<double>(total_mb));
  return {{"total_mb", total_mb}, {"used_mb", used_mb}, {"percent", percent}};
}

}  // namespace

boost::json::object metrics_json(const sysinfo::system_snapshot& s) {
  boost::json::object memory{{"total_mb", nullptr}, {"available_mb", nullptr}, {"used_mb", nullptr}, {"percent", nullptr}};
  if (s.memory) {
    auto total = s.memory->total / 1024;
    auto available = s.memory->available / 1024;
    memory = {{"total_mb", total},
              {"available_mb", available},
              {"used_mb", total - available},
              {"percent", total == 0 ? 0.0 : round1(100.0 * static_cast<double>(total - available) / static_cast<double>(total))}};
  }
  boost::json::object gpu{{"available", s.gpu_available && !s.gpus.empty()}};
  if (!s.gpus.empty()) {
    // The seed describes one GPU: the first; "devices" lists all of them.
    gpu["name"] = s.gpus.front().name;
    gpu["memory"] = gpu_memory(s.gpus.front());
    boost::json::array devices;
    for (const auto& d : s.gpus) devices.push_back(boost::json::object{{"name", d.name}, {"memory", gpu_memory(d)}});
    gpu["devices"] = std::move(devices);
  }
  return {
      {"cpu",
       {{"utilization", round1(s.cpu_utilization)},
        {"cores", {{"physical", s.cores.physical}, {"logical", s.cores.logical}}},
        {"frequency",
         {{"current", optional_number(s.mhz_current)}, {"min", optional_number(s.mhz_min)}, {"max", optional_number(s.mhz_max)}}}}},
      {"memory", std::move(memory)},
      {"gpu", std::move(gpu)},
      {"timestamp", iso8601_utc(s.taken)},
  };
}

void add_v2_system_routes(http::router& routes, services& svc) {
  routes.add(verb::get, "/api/v2/metrics", http::access::management,
             [&svc](http::request_context&) -> net::awaitable<http::response> {
               if (svc.system == nullptr) co_return http::error_response("/api/v2/metrics", 503, "system metrics are not available");
               co_return http::json_response(200, metrics_json(svc.system->snapshot()));
             });
}

}  // namespace studio::api
