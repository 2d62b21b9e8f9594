// One timer for a long series of I/O operations (a relayed stream) instead of
// a deadline armed per operation: each operation only marks its start and end
// (two clock reads); the timer wakes when the operation in progress could
// first have taken `limit`, and calls on_stall once if it has (the caller
// closes the socket there, so the pending operation fails). Use it from the
// coroutine that does the I/O, with that coroutine's executor (the callback
// runs there too, so no locking).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace studio::http {

class stall_watchdog {
 public:
  using clock = std::chrono::steady_clock;

  stall_watchdog(const boost::asio::any_io_executor& ex, std::chrono::milliseconds limit,
                 std::function<void()> on_stall)
      : timer_(ex), state_(std::make_shared<state>()) {
    state_->timer = &timer_;
    state_->limit = limit;
    state_->on_stall = std::move(on_stall);
    state_->start = clock::now();
    arm(state_);
  }
  ~stall_watchdog() { stop(); }
  stall_watchdog(const stall_watchdog&) = delete;
  stall_watchdog& operator=(const stall_watchdog&) = delete;

  // Around each operation: only time spent inside one counts.
  void begin() {
    state_->start = clock::now();
    state_->busy = true;
  }
  void end() { state_->busy = false; }
  // Whether on_stall was called.
  bool fired() const { return state_->fired; }
  // No more calls (do this before what on_stall touches goes away).
  void stop() {
    state_->on_stall = nullptr;
    timer_.cancel();
  }

 private:
  struct state {
    boost::asio::steady_timer* timer = nullptr;  // valid while on_stall is set
    std::chrono::milliseconds limit{};
    std::function<void()> on_stall;
    clock::time_point start;
    bool busy = false;
    bool fired = false;
  };

  static void arm(const std::shared_ptr<state>& s) {
    s->timer->expires_at(s->start + s->limit);
    s->timer->async_wait([s](const boost::system::error_code& ec) {
      if (ec || !s->on_stall) return;
      const auto now = clock::now();
      if (!s->busy) s->start = now;  // between operations: nothing is stalled
      if (now - s->start < s->limit) return arm(s);
      s->fired = true;
      auto fn = std::move(s->on_stall);
      s->on_stall = nullptr;
      fn();
    });
  }

  boost::asio::steady_timer timer_;
  std::shared_ptr<state> state_;
};

}  // namespace studio::http
