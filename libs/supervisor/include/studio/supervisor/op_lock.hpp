// An asynchronous mutex for coroutines that all run on one strand: serialises
// start/stop/restart of one instance without blocking the event loop.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>

namespace studio::supervisor {

class op_lock {
 public:
  // Releases the lock when destroyed (hands it to the next waiter, FIFO).
  class guard {
   public:
    explicit guard(op_lock* lock) : lock_(lock) {}
    guard(guard&& other) noexcept : lock_(std::exchange(other.lock_, nullptr)) {}
    guard& operator=(guard&&) = delete;
    ~guard() {
      if (lock_ != nullptr) lock_->release();
    }

   private:
    op_lock* lock_;
  };

  // Must be awaited from a coroutine on the strand that owns this lock.
  boost::asio::awaitable<guard> acquire();

 private:
  void release();
  bool held_ = false;
  std::deque<std::shared_ptr<boost::asio::steady_timer>> waiters_;
};

}  // namespace studio::supervisor
