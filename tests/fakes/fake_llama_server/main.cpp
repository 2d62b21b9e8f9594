// fake-llama-server: a test double of llama.cpp's llama-server (see --help).
// Wiring only: knobs and options → the one-shot actions (--help, --version,
// --list-devices) or listener + loading phase + signals on one io_context.
#include "fake_server.hpp"
#include "knobs.hpp"
#include "log.hpp"
#include "options.hpp"
#include "server_state.hpp"

#include "studio/http/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace studio;
using studio::fake::log_line;

namespace {

std::optional<std::string> getenv_lookup(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

bool write_argv_file(const std::string& path, int argc, char** argv) {
  std::ofstream out(path, std::ios::trunc);
  for (int i = 0; i < argc; ++i) out << argv[i] << '\n';
  return static_cast<bool>(out);
}

void log_startup(const fake::server_options& o) {
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  const int threads = o.threads > 0 ? o.threads : static_cast<int>(cpus);
  log_line("build: %d (%s) with GNU %s for x86_64-linux-gnu (fake-llama-server)", fake::build_number,
           std::string(fake::build_commit).c_str(), __VERSION__);
  log_line("system info: n_threads = %d, n_threads_batch = %d, total_threads = %u", threads, threads, cpus);
  log_line("%s", "");
  log_line("system_info: n_threads = %d (n_threads_batch = %d) / %u | CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | ",
           threads, threads, cpus);
  log_line("%s", "");
  for (const auto& arg : o.ignored) log_line("warn: ignoring unknown argument: %s", arg.c_str());
  if (o.parallel < 0) {
    log_line("srv          main: n_parallel is set to auto, using n_parallel = 4 and kv_unified = true");
  }
  log_line("main: binding port with default address family");
}

}  // namespace

int main(int argc, char** argv) {
  auto knobs = fake::read_knobs(getenv_lookup);
  if (!knobs.error.empty()) {
    std::fprintf(stderr, "%s\n", knobs.error.c_str());
    return 1;
  }
  if (!knobs.values.argv_file.empty() && !write_argv_file(knobs.values.argv_file, argc, argv)) {
    std::fprintf(stderr, "error: cannot write FAKE_LLAMA_ARGV_FILE %s\n", knobs.values.argv_file.c_str());
    return 1;
  }
  auto parsed = fake::parse_options(std::vector<std::string>(argv + 1, argv + argc), getenv_lookup);
  if (!parsed.error.empty()) {
    std::fprintf(stderr, "%s\n", parsed.error.c_str());
    return 1;
  }
  switch (parsed.options.action) {
    case fake::startup_action::help:
      std::cout << fake::usage_text(knobs.values.help_omit) << std::flush;
      return 0;
    case fake::startup_action::version:
      std::cerr << fake::version_text();
      return 0;
    case fake::startup_action::list_devices:
      std::cout << fake::devices_text() << std::flush;
      return 0;
    case fake::startup_action::serve:
      break;
  }

  log_startup(parsed.options);
  asio::io_context ioc(1);
  fake::server_state state(ioc.get_executor(), parsed.options, knobs.values);
  fake::fake_server fake_server(state);

  http::server_limits limits;
  // llama-server's keep-alive (its HTTP library's defaults): an idle
  // connection closes after 5 s, and the 100th response says Connection: close.
  limits.idle_timeout = std::chrono::seconds(5);
  limits.max_requests_per_connection = 100;
  limits.body_timeout = std::chrono::seconds(state.options.timeout_s);
  limits.write_timeout = std::chrono::seconds(state.options.timeout_s);
  http::server server(ioc.get_executor(), limits,
                      [&fake_server](http::request_context& ctx) { return fake_server.handle(ctx); });
  const auto& host = state.options.host;
  unsigned short port = 0;
  try {
    port = server.listen(host, state.options.port).port();
  } catch (const std::exception& e) {
    log_line("main: couldn't bind HTTP server socket, hostname: %s, port: %u (%s)", host.c_str(),
             static_cast<unsigned>(state.options.port), e.what());
    log_line("main: exiting due to HTTP server error");
    return 1;
  }
  server.start();
  log_line("main: HTTP server is listening, hostname: %s, port: %u, http threads: 1", host.c_str(), port);

  // This build ends with status 134 on SIGTERM/SIGINT, at once.
  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  signals.async_wait([](const boost::system::error_code& ec, int) {
    if (ec) return;
    log_line("srv    operator(): operator(): cleaning up before exit...");
    ::_exit(134);
  });

  int exit_code = 0;
  asio::co_spawn(ioc, fake_server.load(host, port), [&](std::exception_ptr error, int code) {
    if (error) {
      log_line("main: loading failed with an exception");
      exit_code = 1;
      ioc.stop();
    } else if (code >= 0) {
      exit_code = code;
      ioc.stop();
    }
  });
  ioc.run();
  return exit_code;
}
