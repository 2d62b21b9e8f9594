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
  if (!s->busy) return;  // nothing in progress: the next begin() arms again
  const auto now = clock::now();
  if (now - s->start >= s->limit) {
    s->busy = false;
    s->expired = true;
    s->on_expiry(s->arg);
    return;
  }
  arm(s, std::min(s->start + s->limit, now + s->shortest));
}

}  // namespace studio::http
