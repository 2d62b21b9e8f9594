// llama_instance's child: launch with Boost.Process v2, output reading, the
// one place that reaps (watch_exit), readiness polling and the stop escalation.
#include "instance_child.hpp"

#include "studio/core/secrets.hpp"
#include "studio/supervisor/llama_options.hpp"
#include "studio/supervisor/pidfile.hpp"
#include "studio/supervisor/spawn_child.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/stdio.hpp>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <tuple>

namespace studio::supervisor {
namespace net = boost::asio;
namespace bp = boost::process::v2;

namespace {

clock_time now() { return std::chrono::steady_clock::now(); }

// Child output batching (see read_output): a 10 ms pause after each read lets a
// busy child's lines gather in a 1 MiB pipe (at most 64 KiB taken per read).
constexpr std::size_t output_read_bytes = 64 * 1024;
constexpr std::size_t output_pipe_bytes = 1024 * 1024;
constexpr std::chrono::milliseconds output_batch_pause{10};

// Runs in the child between fork and exec: own process group, and SIGKILL when
// the gateway dies (also if it died before the prctl took effect).
struct child_setup {
  pid_t parent;
  template <class Launcher>
  bp::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*&) {
    if (::setpgid(0, 0) != 0) return {errno, boost::system::system_category()};
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return {errno, boost::system::system_category()};
    if (::getppid() != parent) ::_exit(127);
    return {};
  }
};

// Whether something already listens on 127.0.0.1:port (a bind test).
bool port_in_use(const net::any_io_executor& executor, unsigned short port) {
  net::ip::tcp::acceptor acceptor(executor);
  boost::system::error_code ec;
  acceptor.open(net::ip::tcp::v4(), ec);
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  acceptor.bind({net::ip::address_v4::loopback(), port}, ec);
  return ec == net::error::address_in_use;
}

std::string describe_exit(int native_status) {
  if (WIFEXITED(native_status)) return "exited with code " + std::to_string(WEXITSTATUS(native_status));
  if (WIFSIGNALED(native_status)) {
    int sig = WTERMSIG(native_status);
    return "killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
  }
  return "ended with status " + std::to_string(native_status);
}

void log_exception(std::string_view what, std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("{}: {}", what, ex.what());
  }
}

}  // namespace

start_result llama_instance::launch(const start_request& request) {
  auto fail = [&](std::string message) {
    machine_.resume({event_kind::spawn_failed, message}, now());
    spdlog::error("instance {}: cannot start llama-server: {}", settings_.name, message);
    return start_result{500, std::move(message)};
  };
  if (::access(settings_.binary.c_str(), X_OK) != 0 || !std::filesystem::is_regular_file(settings_.binary)) {
    return fail("llama-server binary " + settings_.binary.string() + " is missing or not executable");
  }
  if (port_in_use(strand_, settings_.port)) {
    return fail("port " + std::to_string(settings_.port) + " is already in use");
  }
  auto c = std::make_shared<child>(strand_);
  c->generation = ++generation_;
  try {
    c->api_key = random_hex(24);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  launch_spec spec{request.model, "127.0.0.1", settings_.port, c->api_key, request.options};
  auto argv = build_argv(spec);

  auto environment = child_environment(::environ, &request.options);
  boost::system::error_code ec;
  const pid_t pid = spawn_child(settings_.binary, argv, ec,
                                bp::process_stdio{nullptr, c->out.launch_end, c->err.launch_end},
                                bp::process_environment(environment), child_setup{::getpid()});
  if (ec) return fail("cannot execute " + settings_.binary.string() + ": " + ec.message());
  for (output_pipe* p : {&c->out, &c->err}) {
    const int fd = p->launch_end.release();
    ::fcntl(fd, F_SETPIPE_SZ, static_cast<int>(output_pipe_bytes));  // best effort
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    p->fd = fd;
  }
  c->process = bp::process(net::any_io_executor(strand_), pid);
  c->pid = c->process.id();
  c->last_progress = now();
  child_ = c;
  machine_.resume({event_kind::spawned}, now());
  std::error_code canonical_ec;
  auto executable = std::filesystem::weakly_canonical(settings_.binary, canonical_ec);
  if (!write_pidfile(pidfile(), {c->pid, canonical_ec ? settings_.binary : executable, settings_.port})) {
    spdlog::warn("instance {}: cannot write {}", settings_.name, pidfile().string());
  }
  spdlog::info("instance {}: started llama-server pid {}: {} {}", settings_.name, c->pid,
               settings_.binary.string(), fmt::join(redact_argv(argv), " "));
  log_.write_line(
      fmt::format("---- studio-gateway: started pid {} with model {} ----", c->pid, request.model_name));

  auto on_end = [name = settings_.name](std::exception_ptr e) { log_exception("instance " + name, e); };
  net::co_spawn(strand_, read_output(c, false), on_end);
  net::co_spawn(strand_, read_output(c, true), on_end);
  net::co_spawn(strand_, watch_exit(c), on_end);
  net::co_spawn(strand_, watch_readiness(c), on_end);
  return {};
}

void llama_instance::terminate(const child_ptr& c) {
  if (c->exited || c->term_sent) return;
  c->term_sent = true;
  ::kill(-c->pid, SIGTERM);
  auto on_end = [name = settings_.name](std::exception_ptr e) { log_exception("instance " + name, e); };
  net::co_spawn(strand_, escalate(c, stop_grace()), on_end);
}

net::awaitable<void> llama_instance::escalate(child_ptr c, millis grace) {
  net::steady_timer timer(strand_, grace);
  co_await timer.async_wait(net::as_tuple(net::use_awaitable));
  if (c->exited) co_return;
  spdlog::warn("instance {}: pid {} ignored SIGTERM for {} ms: SIGKILL", settings_.name, c->pid,
               grace.count());
  ::kill(-c->pid, SIGKILL);
}

void llama_instance::on_line(const child_ptr& c, std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  log_.append_line(line);  // flushed by the reader once per batch
  // Readiness hints matter only while the child starts.
  if (machine_.state() == instance_state::starting &&
      (line.find("starting the main loop") != std::string_view::npos ||
       line.find("server is listening") != std::string_view::npos)) {
    c->ready_hint = true;
    c->poll_wake.cancel();  // readiness is likely: look at /health now
  }
  line = line.substr(0, ring_.max_line());
  if (!log_subs_.empty()) {
    const std::string copy(line);
    for (const auto& w : log_subs_) {
      if (auto sub = w.lock()) sub->push(copy);
    }
  }
  ring_.push(line);
}

// Handles every complete line the pipe holds now, without waiting (the
// descriptor is non-blocking), taking at most `max_bytes`; the log file gets
// the lines in one write. At EOF or a read error the unfinished last line is
// handled too and the pipe is marked at its end. Returns the bytes taken.
std::size_t llama_instance::take_output(const child_ptr& c, output_pipe& pipe, std::size_t max_bytes) {
  if (pipe.at_end) return 0;
  std::string& buffer = pipe.pending;
  // Read into a stack buffer and append what came: resizing the string to
  // max_bytes first would zero 64 KiB per batch (most batches are small).
  char chunk[64 * 1024];  // the thread stack (a plain function, not a coroutine frame)
  std::size_t got = 0;
  bool ended = false;
  while (got < max_bytes) {
    const ssize_t n = ::read(pipe.fd, chunk, std::min(sizeof chunk, max_bytes - got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) {
      ended = true;
      break;
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
    got += static_cast<std::size_t>(n);
  }
  const std::size_t max_line = ring_.max_line();
  std::size_t start = 0;
  for (;;) {
    const auto newline = buffer.find('\n', start);
    if (newline == std::string::npos) {
      if (buffer.size() - start < max_line) break;
      on_line(c, std::string_view(buffer).substr(start, max_line));  // an over-long line: take it in pieces
      start += max_line;
      continue;
    }
    on_line(c, std::string_view(buffer).substr(start, newline - start));
    start = newline + 1;
  }
  buffer.erase(0, start);
  if (start > 0) c->last_progress = now();  // once per batch, not per line
  if (ended) {
    if (!buffer.empty()) on_line(c, buffer);
    buffer.clear();
    pipe.at_end = true;
  }
  log_.flush();
  return got;
}

// Reads the child's output in batches: the reader pauses briefly between
// reads so that a chatty child (a line per request, several requests a
// millisecond) costs the I/O thread a wake-up per batch, not per line. While
// the child is serving, the pause comes between the pipe turning readable and
// the read, so the lines a request causes are handled after it, not on its
// critical path (unless the last read filled a whole batch: then at once);
// while it starts, lines are read as they come (readiness is seen from them),
// and before the child counts as running, watch_readiness takes what is left,
// so its log holds every line written before it was ready. The pipe is
// enlarged so that the child never blocks on a full pipe meanwhile.
net::awaitable<void> llama_instance::read_output(child_ptr c, bool is_stderr) {
  auto& pipe = is_stderr ? c->err : c->out;
  net::steady_timer pause(strand_);
  std::size_t taken = 0;
  while (!pipe.at_end) {
    // In the reactor for the wait only (see output_pipe): an epoll_ctl each
    // way per batch instead of a wake-up per line written during the pause.
    boost::system::error_code ec;
    pipe.reader.assign(pipe.fd, ec);
    if (!ec)
      std::tie(ec) = co_await pipe.reader.async_wait(net::posix::stream_descriptor::wait_read,
                                                     net::as_tuple(net::use_awaitable));
    if (pipe.reader.is_open()) pipe.reader.release();
    if (ec) {
      if (ec != net::error::operation_aborted)
        spdlog::warn("instance {}: cannot watch the child's {}: {}", settings_.name,
                     is_stderr ? "stderr" : "stdout", ec.message());
      break;
    }
    if (machine_.state() == instance_state::running && taken < output_read_bytes) {
      pause.expires_after(output_batch_pause);
      auto [pec] = co_await pause.async_wait(net::as_tuple(net::use_awaitable));
      (void)pec;
    }
    taken = take_output(c, pipe, output_read_bytes);
    if (machine_.state() != instance_state::running) {
      pause.expires_after(output_batch_pause);
      auto [pec] = co_await pause.async_wait(net::as_tuple(net::use_awaitable));
      (void)pec;
    }
  }
  if (!pipe.pending.empty()) on_line(c, pipe.pending);
  pipe.pending.clear();
  log_.flush();
  --c->open_streams;
  notify();
}

net::awaitable<void> llama_instance::watch_exit(child_ptr c) {
  auto [ec, code] = co_await c->process.async_wait(net::as_tuple(net::use_awaitable));
  (void)code;
  int native = c->process.native_exit_code();
  c->exited = true;
  c->process.detach();       // reaped here; the handle must not wait or kill again
  ::kill(-c->pid, SIGKILL);  // anything left in the child's process group
  c->poll_wake.cancel();
  // Let the readers drain what the child wrote last (bounded: a grandchild may hold the pipes).
  co_await wait_until([&] { return c->open_streams == 0; }, now() + millis(300));
  remove_pidfile(pidfile());

  std::string how = ec ? "lost track of the process: " + ec.message() : describe_exit(native);
  auto tail = ring_.tail(5);
  std::string detail = "llama-server " + how;
  if (!tail.empty()) detail += "; last output: " + fmt::format("{}", fmt::join(tail, " | "));
  bool requested = machine_.state() == instance_state::stopping;
  log_.write_line(fmt::format("---- studio-gateway: pid {} {} ----", c->pid, how));
  if (requested)
    spdlog::info("instance {}: pid {} stopped ({})", settings_.name, c->pid, how);
  else
    spdlog::error("instance {}: pid {} {}", settings_.name, c->pid, detail);

  if (child_ == c) child_.reset();
  auto act = machine_.resume({event_kind::exited, detail}, now());
  apply(act);
  notify();
}

net::awaitable<void> llama_instance::watch_readiness(child_ptr c) {
  auto interval = millis(5);
  auto current = [&] { return child_ == c && !c->exited && machine_.state() == instance_state::starting; };
  while (current()) {
    auto health = co_await http_get("127.0.0.1", settings_.port, "/health", "", millis(2000));
    if (!current()) co_return;
    if (health.status == 200) {
      // Confirm that the server answering is our child, not another one on the same port.
      auto props = co_await http_get("127.0.0.1", settings_.port, "/props", c->api_key, millis(2000));
      if (!current()) co_return;
      std::string model_path;
      if (props.status == 200) {
        boost::system::error_code pec;
        auto v = boost::json::parse(props.body, pec);
        if (!pec && v.is_object() && v.as_object().contains("model_path") && v.at("model_path").is_string()) {
          model_path = v.at("model_path").as_string();
        }
      }
      if (current_ && model_path == current_->model.string()) {
        // What the child wrote before it was ready is in its log before it counts as running.
        // (In read-sized steps, bounded by what a full pipe holds.)
        for (output_pipe* p : {&c->out, &c->err}) {
          for (std::size_t taken = 0; taken < output_pipe_bytes;) {
            const std::size_t n = take_output(c, *p, output_read_bytes);
            if (n < output_read_bytes) break;
            taken += n;
          }
        }
        machine_.resume({event_kind::ready}, now());
        spdlog::info("instance {}: pid {} is ready on port {}", settings_.name, c->pid, settings_.port);
      } else {
        auto act =
            machine_.resume({event_kind::load_timeout, "port " + std::to_string(settings_.port) +
                                                           " is answered by a server that is not our child"},
                            now());
        if (act.kind == action_kind::terminate) terminate(c);
      }
      notify();
      co_return;
    }
    if (now() - c->last_progress > load_timeout()) {
      auto seconds = std::chrono::duration<double>(load_timeout()).count();
      auto act = machine_.resume(
          {event_kind::load_timeout, fmt::format("no loading progress for {} s: load timeout", seconds)},
          now());
      spdlog::error("instance {}: pid {}: no loading progress for {} s, stopping it", settings_.name, c->pid,
                    seconds);
      if (act.kind == action_kind::terminate) terminate(c);
      notify();
      co_return;
    }
    if (std::exchange(c->ready_hint, false)) {
      interval = millis(5);
      continue;
    }
    c->poll_wake.expires_after(interval);
    auto [ec] = co_await c->poll_wake.async_wait(net::as_tuple(net::use_awaitable));
    (void)ec;
    interval = std::min(interval * 3 / 2, millis(500));
  }
}

}  // namespace studio::supervisor
