// GET /api/v1/server/{help,version,devices} (seed 001): runs the configured
// llama-server with --help / --version / --list-devices and answers its output
// (stdout and stderr together) as plain text; 500 JSON when it cannot run, fails
// or outlasts the timeout (then it is killed). The child is awaited, never waited on.
#include "run_binary.hpp"
#include "studio/api/routes.hpp"
#include "studio/http/error_shape.hpp"
#include "studio/supervisor/llama_options.hpp"
#include "studio/supervisor/spawn_child.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect_pipe.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

extern char** environ;

namespace studio::api {
namespace net = boost::asio;
namespace bp = boost::process::v2;
using boost::beast::http::verb;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

constexpr std::size_t max_output = 1024 * 1024;

// Everything the pipe yields until EOF (at most max_output bytes are kept).
net::awaitable<std::string> read_all(net::readable_pipe& pipe) {
  std::string out;
  std::array<char, 4096> buf{};
  for (;;) {
    auto [ec, n] = co_await pipe.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
    if (out.size() < max_output) out.append(buf.data(), std::min(n, max_output - out.size()));
    if (ec) break;
  }
  co_return out;
}

net::awaitable<int> wait_exit(bp::process& proc) {
  auto [ec, code] = co_await proc.async_wait(net::as_tuple(net::use_awaitable));
  (void)ec;
  (void)code;
  co_return proc.native_exit_code();
}

}  // namespace

// Runs `binary flag` (environment without the gateway's secrets), killed after run_timeout.
net::awaitable<run_outcome> run_binary(std::string binary, std::string flag,
                                       std::chrono::seconds run_timeout) {
  auto ex = co_await net::this_coro::executor;
  net::readable_pipe out(ex);
  net::writable_pipe child_end(ex);
  net::connect_pipe(out, child_end);
  auto environment = supervisor::child_environment(::environ);
  boost::system::error_code ec;
  int fd = child_end.native_handle();
  const pid_t pid = supervisor::spawn_child(binary, {flag}, ec, bp::process_stdio{nullptr, fd, fd},
                                            bp::process_environment(environment));
  child_end.close();
  if (ec) co_return run_outcome{"", "cannot execute " + binary + ": " + ec.message()};
  bp::process proc(ex, pid);
  net::steady_timer timer(ex, run_timeout);
  auto read = co_await (read_all(out) || timer.async_wait(net::use_awaitable));
  std::string output;
  if (read.index() == 0) {
    output = std::get<0>(std::move(read));
    auto exited = co_await (wait_exit(proc) || timer.async_wait(net::use_awaitable));
    if (exited.index() == 0) {
      int status = std::get<0>(exited);
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) co_return run_outcome{std::move(output), ""};
      co_return run_outcome{"", binary + " " + flag + " failed (status " + std::to_string(status) + ")"};
    }
  }
  ::kill(proc.id(), SIGKILL);
  co_await wait_exit(proc);
  co_return run_outcome{
      "", binary + " " + flag + " did not finish within " + std::to_string(run_timeout.count()) + " s"};
}

namespace {

net::awaitable<http::response> handle_run(services& svc, http::request_context& ctx, std::string flag) {
  auto outcome = co_await run_binary(svc.config.llama_server_bin, flag);
  if (!outcome.error.empty()) {
    spdlog::warn("{}", outcome.error);
    co_return http::error_response(ctx.path(), 500, outcome.error);
  }
  co_return http::text_response(200, std::move(outcome.output));
}

}  // namespace

void add_server_routes(http::router& routes, services& svc) {
  for (auto [path, flag] :
       {std::pair{"/api/v1/server/help", "--help"}, std::pair{"/api/v1/server/version", "--version"},
        std::pair{"/api/v1/server/devices", "--list-devices"}}) {
    routes.add(
        verb::get, path, http::access::management,
        [&svc, flag = std::string(flag)](http::request_context& ctx) { return handle_run(svc, ctx, flag); });
  }
}

}  // namespace studio::api
