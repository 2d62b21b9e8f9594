// The pure lifecycle state machine of one instance (see lifecycle.hpp).
#include "studio/supervisor/lifecycle.hpp"

#include <algorithm>

namespace studio::supervisor {

std::string_view to_string(instance_state state) {
  switch (state) {
    case instance_state::stopped:
      return "stopped";
    case instance_state::starting:
      return "starting";
    case instance_state::running:
      return "running";
    case instance_state::stopping:
      return "stopping";
    case instance_state::restarting:
      return "restarting";
    case instance_state::failed:
      return "failed";
  }
  return "unknown";
}

bool lifecycle::active() const {
  return state_ == instance_state::starting || state_ == instance_state::running ||
         state_ == instance_state::stopping;
}

millis lifecycle::backoff(unsigned n) const {
  auto delay = policy_.restart_delay;
  for (unsigned i = 0; i < n && delay < policy_.max_backoff; ++i) delay *= 2;
  return std::min(delay, policy_.max_backoff);
}

void lifecycle::go(instance_state to, clock_time now) {
  if (to == instance_state::running)
    running_since_ = now;
  else if (to != instance_state::stopping)
    running_since_.reset();
  history_.push_back({state_, to, now});
  if (history_.size() > 32) history_.erase(history_.begin());
  state_ = to;
}

void lifecycle::count_load_failure(clock_time now) {
  if (++load_failures_ >= policy_.cooldown_after && policy_.cooldown_after > 0) {
    cooldown_until_ = now + policy_.cooldown;
    load_failures_ = 0;
  }
}

action lifecycle::on_unrequested_exit(const std::string& detail, clock_time now) {
  last_error_ = detail;
  if (state_ == instance_state::starting) count_load_failure(now);
  bool cooling = cooldown_until_ && now < *cooldown_until_;
  if (policy_.auto_restart && restarts_ < policy_.max_restarts && !cooling) {
    auto delay = backoff(restarts_);
    go(instance_state::restarting, now);
    return {action_kind::schedule_restart, delay};
  }
  go(instance_state::failed, now);
  return {};
}

action lifecycle::resume(const event& ev, clock_time now) {
  using s = instance_state;
  switch (ev.kind) {
    case event_kind::start:
      if (state_ != s::stopped && state_ != s::failed) return {action_kind::refuse, millis{0}};
      if (cooldown_until_ && now < *cooldown_until_) {
        return {action_kind::refuse, std::chrono::duration_cast<millis>(*cooldown_until_ - now)};
      }
      restarts_ = 0;
      last_error_.reset();
      pending_error_.reset();
      go(s::starting, now);
      return {action_kind::launch};

    case event_kind::spawned:
      return {};

    case event_kind::spawn_failed:
      if (state_ != s::starting) return {};
      last_error_ = ev.detail;
      go(s::failed, now);
      return {};

    case event_kind::ready:
      if (state_ != s::starting) return {};
      load_failures_ = 0;
      go(s::running, now);
      return {};

    case event_kind::exited:
      if (state_ == s::stopping) {
        if (pending_error_) {
          last_error_ = pending_error_;
          pending_error_.reset();
          go(s::failed, now);
        } else {
          go(s::stopped, now);
        }
        return {};
      }
      if (state_ == s::starting || state_ == s::running) return on_unrequested_exit(ev.detail, now);
      return {};

    case event_kind::stop:
      if (state_ == s::restarting) {
        go(s::stopped, now);
        return {};
      }
      if (state_ == s::starting || state_ == s::running) {
        go(s::stopping, now);
        return {action_kind::terminate};
      }
      return {};

    case event_kind::load_timeout:
      if (state_ != s::starting) return {};
      count_load_failure(now);
      pending_error_ = ev.detail;
      go(s::stopping, now);
      return {action_kind::terminate};

    case event_kind::restart_due:
      if (state_ != s::restarting) return {};
      ++restarts_;
      go(s::starting, now);
      return {action_kind::launch};
  }
  return {};
}

}  // namespace studio::supervisor
