// The lifecycle of one llama-server instance as a pure state machine:
// resume(event, now) -> action. No I/O and no clock of its own: the driver
// (llama_instance) feeds it events with the time and carries out the actions.
//
//   stopped/failed --start--> starting --ready--> running
//   starting/running --stop--> stopping --exited--> stopped   (any exit code)
//   starting/running --exited (unrequested)--> restarting (auto_restart, budget left)
//                                           or failed
//   restarting --restart_due--> starting;  restarting --stop--> stopped
//   starting --load_timeout--> stopping, ending in failed
//
// Restart delays grow exponentially from restart_delay up to max_backoff. After
// `cooldown_after` consecutive load failures (exits before ready, load timeouts)
// further starts are refused until the cool-down has passed.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace studio::supervisor {

using clock_time = std::chrono::steady_clock::time_point;
using millis = std::chrono::milliseconds;

enum class instance_state { stopped, starting, running, stopping, restarting, failed };
std::string_view to_string(instance_state state);

struct lifecycle_policy {
  bool auto_restart = false;
  millis restart_delay{2000};   // first restart delay
  millis max_backoff{300000};   // cap of the exponential backoff (5 min)
  unsigned max_restarts = 3;    // restarts allowed after one start request
  unsigned cooldown_after = 3;  // consecutive load failures before a cool-down
  millis cooldown{60000};
};

enum class event_kind {
  start,         // a start request (after any running child was stopped)
  spawned,       // the process exists
  spawn_failed,  // could not launch; detail says why
  ready,         // /health answered 200 and the child is ours
  exited,        // the child ended; detail describes how
  stop,          // a stop request
  load_timeout,  // no loading progress for too long
  restart_due,   // the restart delay has passed
};

struct event {
  event_kind kind;
  std::string detail = {};
};

enum class action_kind {
  none,
  launch,            // start a process now
  terminate,         // SIGTERM the group, then SIGKILL after the grace period
  schedule_restart,  // wait `delay`, then feed restart_due
  refuse,            // the start is refused: cool-down for `delay` more (or wrong state)
};

struct action {
  action_kind kind = action_kind::none;
  millis delay{0};
};

struct transition {
  instance_state from;
  instance_state to;
  clock_time at;
};

class lifecycle {
 public:
  explicit lifecycle(lifecycle_policy policy = {}) : policy_(policy) {}

  action resume(const event& ev, clock_time now);

  instance_state state() const { return state_; }
  unsigned restarts() const { return restarts_; }
  const std::optional<std::string>& last_error() const { return last_error_; }
  std::optional<clock_time> running_since() const { return running_since_; }
  std::optional<clock_time> cooldown_until() const { return cooldown_until_; }
  // The latest transitions, oldest first (at most 32).
  const std::vector<transition>& history() const { return history_; }
  // Whether a child process is (or should be) alive in this state.
  bool active() const;

  void set_policy(const lifecycle_policy& policy) { policy_ = policy; }
  const lifecycle_policy& policy() const { return policy_; }
  // The delay before restart number n (0-based): restart_delay * 2^n, capped.
  millis backoff(unsigned n) const;

 private:
  void go(instance_state to, clock_time now);
  action on_unrequested_exit(const std::string& detail, clock_time now);
  void count_load_failure(clock_time now);

  lifecycle_policy policy_;
  instance_state state_ = instance_state::stopped;
  unsigned restarts_ = 0;
  unsigned load_failures_ = 0;
  std::optional<std::string> last_error_;
  std::optional<std::string> pending_error_;  // set by load_timeout: the stop ends in failed
  std::optional<clock_time> running_since_;
  std::optional<clock_time> cooldown_until_;
  std::vector<transition> history_;
};

}  // namespace studio::supervisor
