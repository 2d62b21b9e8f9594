// op_deadline: one lazily re-armed timer for a connection's operations.
#include "studio/http/op_deadline.hpp"

#include <algorithm>

namespace studio::http {

op_deadline::op_deadline(const boost::asio::any_io_executor& ex)
    : timer_(ex), state_(std::make_shared<state>()) {
  state_->timer = &timer_;
}

op_deadline::~op_deadline() {
  state_->timer = nullptr;
  state_->busy = false;
  timer_.cancel();
}

void op_deadline::begin(std::chrono::milliseconds limit, expiry_fn on_expiry, void* arg) {
  state& s = *state_;
  s.start = clock::now();
  s.limit = limit;
  s.on_expiry = on_expiry;
  s.arg = arg;
  s.busy = true;
  s.expired = false;
  s.shortest = std::min(s.shortest, limit);
  // Usually a wait is outstanding for no later than this deadline: nothing to do.
  const auto due = s.start + limit;
  if (!s.pending || due < s.at) arm(state_, due);
}

void op_deadline::set_alarm(std::chrono::milliseconds after, expiry_fn fn, void* arg) {
  state& s = *state_;
  s.alarm_at = clock::now() + after;
  s.alarm_fn = fn;
  s.alarm_arg = arg;
  s.alarm_set = true;
  if (!s.pending || s.alarm_at < s.at) arm(state_, s.alarm_at);
}

void op_deadline::arm(const std::shared_ptr<state>& s, clock::time_point at) {
  s->pending = true;
  s->at = at;
  const unsigned generation = ++s->generation;
  s->timer->expires_at(at);  // replaces an outstanding wait (it completes as aborted, or is ignored)
  s->timer->async_wait([s, generation](const boost::system::error_code& ec) {
    if (ec || generation != s->generation || s->timer == nullptr) return;
    s->pending = false;
    wake(s);
  });
}

void op_deadline::wake(const std::shared_ptr<state>& s) {
  const auto now = clock::now();
  if (s->alarm_set && now >= s->alarm_at) {
    s->alarm_set = false;
    s->alarm_fn(s->alarm_arg);
    if (s->timer == nullptr) return;  // the alarm's work ended the connection's deadline
  }
  if (s->busy && now - s->start >= s->limit) {
    s->busy = false;
    s->expired = true;
    s->on_expiry(s->arg);
    if (s->timer == nullptr) return;
  }
  // The next moment something may be due; none: the next begin() or set_alarm() arms again.
  if (s->busy) {
    const auto next = std::min(s->start + s->limit, now + s->shortest);
    arm(s, s->alarm_set ? std::min(next, s->alarm_at) : next);
  } else if (s->alarm_set) {
    arm(s, s->alarm_at);
  }
}

}  // namespace studio::http
