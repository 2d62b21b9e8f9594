// One named llama-server instance: the thin async driver around the pure
// lifecycle machine. Launches the child with Boost.Process v2 (own process
// group, PR_SET_PDEATHSIG), reads its output into a line ring and a rotating
// log file, polls /health until ready, stops it SIGTERM -> grace -> SIGKILL,
// and restarts it with backoff after crashes when asked to.
//
// Threading: everything runs on the instance's own strand; the public
// coroutines may be awaited from any executor of the same io_context.
// Start/stop calls are serialised (op_lock): no double launch, no lost stop.
// The child is reaped in exactly one place (watch_exit).
#pragma once

#include "studio/supervisor/http_probe.hpp"
#include "studio/supervisor/instance_log.hpp"
#include "studio/supervisor/lifecycle.hpp"
#include "studio/supervisor/op_lock.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/object.hpp>

#include <sys/types.h>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace studio::supervisor {

struct instance_settings {
  std::string name;                     // names the log file and the pidfile
  std::filesystem::path binary;         // llama-server executable
  unsigned short port = 8080;           // the child listens on 127.0.0.1:port
  std::filesystem::path studio_dir;     // logs/<name>.log and run/<name>.pid below it
  millis stop_grace{10000};             // SIGTERM -> SIGKILL; option stop_grace_seconds
  millis default_load_timeout{600000};  // without loading progress; option load_timeout_seconds
  std::size_t ring_lines = 500;
  std::uint64_t log_max_bytes = 10 * 1024 * 1024;
};

struct start_request {
  std::filesystem::path model;  // absolute path of an existing model file
  std::string model_name;       // as the caller named it (reported as active_model)
  boost::json::object options;  // validated (validate_options)
};

struct start_result {
  unsigned http_status = 200;  // 200, 500 (could not start), 503 (cool-down or shutting down)
  std::string error;           // set when http_status != 200
  millis retry_after{0};       // for 503 in cool-down
};

struct instance_status {
  instance_state state = instance_state::stopped;
  pid_t pid = 0;                     // 0 when no child
  std::optional<std::string> model;  // active model name
  unsigned short port = 0;
  double uptime_seconds = 0;  // time running
  unsigned restarts = 0;
  std::optional<std::string> last_error;
  std::string progress;  // latest output line while starting
  std::vector<transition> history;
};

class llama_instance {
 public:
  llama_instance(boost::asio::any_io_executor executor, instance_settings settings);
  ~llama_instance();
  llama_instance(const llama_instance&) = delete;
  llama_instance& operator=(const llama_instance&) = delete;

  // Replaces a running child (stop, then start). Returns once the process is spawned
  // (state starting), or with wait_ready once it is running or has failed.
  boost::asio::awaitable<start_result> start(start_request request, bool wait_ready);
  // Stops the child; false when there was none (already stopped).
  boost::asio::awaitable<bool> stop();
  // Stops the child and refuses later starts (gateway shutdown).
  boost::asio::awaitable<void> shutdown();
  boost::asio::awaitable<instance_status> status();
  // The child's /health answer; nullopt when no child is alive or it does not answer.
  boost::asio::awaitable<std::optional<probe_result>> health();
  // The internal --api-key of the current child (for the proxy); empty when none.
  // Never put it into a response or a log.
  boost::asio::awaitable<std::string> internal_api_key();
  // The last `max_lines` output lines of the child(ren) (the in-memory ring, oldest first).
  boost::asio::awaitable<std::vector<std::string>> recent_log(std::size_t max_lines);
  // A live feed of the output: the last `recent_lines` ring lines and, atomically with
  // them, a subscription that receives every later line (drop it to unsubscribe).
  struct log_follow {
    std::vector<std::string> recent;
    std::shared_ptr<log_subscription> sub;
  };
  boost::asio::awaitable<log_follow> follow_log(std::size_t recent_lines);
  // The subscription's next lines; empty after `idle` without any.
  boost::asio::awaitable<std::vector<std::string>> next_log_lines(std::shared_ptr<log_subscription> sub,
                                                                  millis idle);

  const std::string& name() const { return settings_.name; }
  // Whether the instance's current child (starting, running, stopping or
  // restarting) was started with `model`. Safe from any thread.
  bool uses_model(const std::filesystem::path& model) const;
  unsigned short port() const { return settings_.port; }
  // What a proxied request needs, as of the last state change (published by
  // notify()); safe from any thread and without a hop onto the strand.
  struct route_snapshot {
    instance_state state = instance_state::stopped;
    unsigned short port = 0;
    std::optional<std::string> model;  // active model name, as in instance_status
    std::string key;                   // internal --api-key of the current child
  };
  route_snapshot route_info() const;
  // Whether route_info().model is `model`, without copying the snapshot.
  bool active_model_is(std::string_view model) const;
  const std::filesystem::path& binary() const { return settings_.binary; }

 private:
  struct child;
  struct output_pipe;
  using child_ptr = std::shared_ptr<child>;

  boost::asio::awaitable<start_result> do_start(start_request request, bool wait_ready);
  boost::asio::awaitable<bool> do_stop(bool for_shutdown);
  boost::asio::awaitable<bool> stop_locked();
  boost::asio::awaitable<instance_status> do_status();
  boost::asio::awaitable<bool> has_child();
  boost::asio::awaitable<std::string> child_key();
  boost::asio::awaitable<std::vector<std::string>> ring_tail(std::size_t max_lines);
  boost::asio::awaitable<log_follow> subscribe_log(std::size_t recent_lines);
  boost::asio::awaitable<std::vector<std::string>> take_log_lines(std::shared_ptr<log_subscription> sub,
                                                                  millis idle);
  boost::asio::awaitable<void> escalate(child_ptr c, millis grace);
  start_result launch(const start_request& request);
  void apply(const action& act);
  void terminate(const child_ptr& c);
  boost::asio::awaitable<void> read_output(child_ptr c, bool is_stderr);
  std::size_t take_output(const child_ptr& c, output_pipe& pipe, std::size_t max_bytes);
  boost::asio::awaitable<void> watch_exit(child_ptr c);
  boost::asio::awaitable<void> watch_readiness(child_ptr c);
  boost::asio::awaitable<void> restart_after(millis delay);
  void on_line(const child_ptr& c, std::string_view line);
  // Resumes when pred() holds (true) or at the deadline (false); woken by notify().
  boost::asio::awaitable<bool> wait_until(const std::function<bool()>& pred, clock_time deadline);
  void notify();
  template <class T>
  boost::asio::awaitable<T> on_strand(boost::asio::awaitable<T> op);
  millis load_timeout() const;
  millis stop_grace() const;
  std::filesystem::path pidfile() const;

  instance_settings settings_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  lifecycle machine_;
  op_lock lock_;
  line_ring ring_;
  rotating_log log_;
  std::vector<std::weak_ptr<log_subscription>> log_subs_;  // live readers (on_line feeds them)
  child_ptr child_;
  std::optional<start_request> current_;  // what the current/last child was started with
  boost::asio::steady_timer restart_timer_;
  std::vector<boost::asio::steady_timer*> watchers_;
  unsigned generation_ = 0;
  bool shutting_down_ = false;
  mutable std::mutex model_mutex_;                     // guards model_in_use_
  std::optional<std::filesystem::path> model_in_use_;  // published by notify()
  route_snapshot route_;                               // published by notify(), under model_mutex_
};

}  // namespace studio::supervisor
