// run_gateway: the one io_context, the HTTP server, signals and shutdown.
#include "gateway.hpp"

#include "studio/api/llama_flags.hpp"
#include "studio/api/model_downloads.hpp"
#include "studio/api/routes.hpp"
#include "studio/catalog/catalog_store.hpp"
#include "studio/core/secrets.hpp"
#include "studio/download/download_queue.hpp"
#include "studio/http/dispatch.hpp"
#include "studio/http/server.hpp"
#include "studio/proxy/proxy.hpp"
#include "studio/sysinfo/system_sampler.hpp"
#include "studio/supervisor/gateway_supervision.hpp"
#include "studio/supervisor/instance_scheduler.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <thread>

namespace studio {
namespace net = boost::asio;

namespace {

// Creates the directories the gateway writes to; false (logged) on failure.
bool prepare_directories(const gateway_config& config) {
  std::error_code ec;
  for (const auto& dir : {config.studio_dir, config.models_dir, config.studio_dir / "logs",
                          config.studio_dir / "run"}) {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      spdlog::critical("cannot create directory {}: {}", dir.string(), ec.message());
      return false;
    }
  }
  return true;
}

// The management keys: the configured ones, or the stored/generated one.
std::optional<std::vector<std::string>> management_keys(const gateway_config& config) {
  if (!config.api_keys.empty()) return config.api_keys;
  try {
    auto stored = ensure_management_key(config.studio_dir);
    if (stored.generated) {
      spdlog::warn("no management key configured: generated one and stored it in {} (mode 0600)",
                   stored.path.string());
    } else {
      spdlog::info("no management key configured: using the one stored in {}", stored.path.string());
    }
    return std::vector<std::string>{stored.key};
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return std::nullopt;
  }
}

http::server_limits limits_from(const gateway_config& config) {
  http::server_limits limits;
  limits.max_header_bytes = config.max_header_bytes;
  limits.max_body_bytes = config.max_body_bytes;
  limits.header_timeout = config.header_timeout;
  limits.idle_timeout = config.idle_timeout;
  limits.strand_per_connection = config.threads > 1;
  return limits;
}

// Shutdown: in-flight requests first, then every llama-server child (SIGTERM -> grace -> SIGKILL).
net::awaitable<void> drain(http::server& server, supervisor::instance_registry& instances,
                           supervisor::instance_scheduler& scheduler, std::chrono::milliseconds grace) {
  co_await server.shutdown(grace);
  scheduler.shutdown();
  co_await instances.shutdown_all();
}

}  // namespace

int run_gateway(const gateway_config& config) {
  auto started = std::chrono::steady_clock::now();
  std::signal(SIGPIPE, SIG_IGN);
  if (!prepare_directories(config)) return 1;
  auto keys = management_keys(config);
  if (!keys) return 1;

  net::io_context ioc(static_cast<int>(config.threads));
  http::authenticator auth(*keys, config.inference_keys);
  api::services services{config};
  supervisor::gateway_supervision supervision(ioc.get_executor(), config);
  services.instances = &supervision.instances;
  services.llm_config = &supervision.llm_config;
  services.file_in_use = [&supervision](const std::filesystem::path& p) { return supervision.instances.model_in_use(p); };
  proxy::proxy_client upstream_proxy;
  services.proxy = &upstream_proxy;
  // The scheduler (on-demand starts, eviction, per-instance slots, idle stops) outlives
  // its pending work through shared_ptr; shut down with the instances.
  auto scheduler = std::make_shared<supervisor::instance_scheduler>(
      ioc.get_executor(), supervision.instances,
      supervisor::scheduler_options{.max_running = config.max_running_instances,
                                    .lru_eviction = config.enable_lru_eviction,
                                    .start_timeout = config.on_demand_start_timeout,
                                    .max_queue = config.max_queued_requests});
  services.scheduler = scheduler.get();
  services.last_error = supervision.config_warning;
  catalog::catalog_store catalog(config.catalog, config.studio_dir);
  download::download_queue downloads(ioc.get_executor(), api::download_options(config));
  services.catalog = &catalog;
  services.downloads = &downloads;
  sysinfo::system_sampler system(ioc.get_executor());
  system.start();
  services.system = &system;
  net::thread_pool file_pool(2);  // blocking file work (GGUF headers)
  services.file_work = file_pool.get_executor();
  api::llama_flags binary_flags(ioc.get_executor());  // llama-server --help, read once in the background
  binary_flags.load(config.llama_server_bin);
  services.binary_flags = &binary_flags;
  api::restore_downloads(services);
  http::router routes;
  api::add_all_routes(routes, services);
  http::server server(ioc.get_executor(), limits_from(config),
                      [&](http::request_context& ctx) { return http::dispatch(routes, auth, ctx, &services.http_metrics); });
  services.draining = [&server] { return server.draining(); };

  net::ip::tcp::endpoint endpoint;
  try {
    endpoint = server.listen(config.host, config.port);
  } catch (const std::system_error& e) {
    spdlog::critical("{}: {}", e.what(), e.code().message());
    return 1;
  }
  server.start();
  auto startup_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  spdlog::info("listening on http://{}:{} ({} thread(s), ready in {} ms)", endpoint.address().to_string(),
               endpoint.port(), config.threads, startup_ms.count());

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  bool stopping = false;
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        if (stopping) {
          spdlog::warn("second signal {}: stopping now", signo);
          ioc.stop();
          return;
        }
        stopping = true;
        spdlog::info("signal {}: draining (grace {} ms)", signo, config.shutdown_grace.count());
        net::co_spawn(ioc, drain(server, supervision.instances, *scheduler, config.shutdown_grace), [&](std::exception_ptr) {
          spdlog::info("shutdown complete");
          ioc.stop();
        });
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);

  std::vector<std::thread> extra;
  for (unsigned i = 1; i < config.threads; ++i) extra.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : extra) t.join();
  return 0;
}

}  // namespace studio
