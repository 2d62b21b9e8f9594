// A deadline for one operation at a time on a connection (the keep-alive wait
// for the next request, a handler's wait for its upstream), on one timer kept
// for the connection's life instead of a timer armed and cancelled per
// operation: begin() only notes the start (a clock read), end() clears it.
// The timer is re-armed lazily: it wakes at the earliest moment the operation
// in progress could have run past its limit, and calls its on_expiry once if
// it has; when it wakes with nothing in progress it stops, and the next
// begin() arms it again. Each wake re-arms at most one shortest-limit-seen
// ahead, so a shorter limit after a longer one is still met on time. Use it
// from the connection's executor only (the callback runs there too).
//
// The same timer also carries one alarm at a time (set_alarm): a call made
// once a delay has passed unless cleared first, for work that only a slow
// request needs (the session's client watch). Setting and clearing it cost a
// clock read; under load the timer wakes about once per alarm delay.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

namespace studio::http {

class op_deadline {
 public:
  using clock = std::chrono::steady_clock;
  // Called once when the operation is still in progress after its limit (it
  // closes the socket, so that the operation fails); `arg` as given to begin().
  using expiry_fn = void (*)(void* arg);

  explicit op_deadline(const boost::asio::any_io_executor& ex);
  ~op_deadline();
  op_deadline(const op_deadline&) = delete;
  op_deadline& operator=(const op_deadline&) = delete;

  // An operation starts: on_expiry(arg) runs if end() has not come within `limit`.
  void begin(std::chrono::milliseconds limit, expiry_fn on_expiry, void* arg);
  // The operation is over (whatever its outcome); `arg` is no longer used.
  void end() { state_->busy = false; }
  // Whether the last operation ran past its limit (its on_expiry was called).
  bool expired() const { return state_->expired; }

  // fn(arg) runs once `after` from now unless clear_alarm() comes first; a
  // new alarm replaces the one set.
  void set_alarm(std::chrono::milliseconds after, expiry_fn fn, void* arg);
  void clear_alarm() { state_->alarm_set = false; }

 private:
  struct state {
    boost::asio::steady_timer* timer = nullptr;  // null once the op_deadline is gone
    clock::time_point start;
    std::chrono::milliseconds limit{};
    std::chrono::milliseconds shortest = std::chrono::milliseconds::max();  // of the limits seen
    expiry_fn on_expiry = nullptr;
    void* arg = nullptr;
    bool busy = false;
    bool expired = false;
    bool alarm_set = false;
    clock::time_point alarm_at;
    expiry_fn alarm_fn = nullptr;
    void* alarm_arg = nullptr;
    bool pending = false;     // a wait is outstanding, for `at`
    clock::time_point at;     // when it wakes
    unsigned generation = 0;  // of the outstanding wait: a replaced one that still runs is ignored
  };
  static void arm(const std::shared_ptr<state>& s, clock::time_point at);
  static void wake(const std::shared_ptr<state>& s);

  boost::asio::steady_timer timer_;
  std::shared_ptr<state> state_;
};

}  // namespace studio::http
