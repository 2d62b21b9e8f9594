// The server's slots: a request needs one to generate. acquire() completes at
// once when a slot is idle, otherwise when release() hands one over (FIFO);
// waiters park on an Asio timer that release() cancels, so nothing polls.
// Single-threaded: use from the io_context's one thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace studio::fake {

struct slot_state {
  bool busy = false;
  int task = -1;
  int n_decoded = 0;
  int n_remain = -1;
};

class slot_pool {
 public:
  // on_idle runs whenever a release leaves every slot idle and nobody waiting.
  slot_pool(boost::asio::any_io_executor executor, int count, std::function<void()> on_idle = {});

  // Waits for an idle slot, marks it busy and returns its id.
  boost::asio::awaitable<int> acquire();
  // Frees `id`, or hands it straight to the longest waiter.
  void release(int id);

  int size() const { return static_cast<int>(slots_.size()); }
  int busy_count() const;
  int waiting() const { return static_cast<int>(waiters_.size()); }
  slot_state& state(int id) { return slots_.at(static_cast<std::size_t>(id)); }
  const std::vector<slot_state>& states() const { return slots_; }

 private:
  struct waiter {
    explicit waiter(const boost::asio::any_io_executor& ex) : timer(ex) {}
    boost::asio::steady_timer timer;
    int granted = -1;
  };

  boost::asio::any_io_executor executor_;
  std::vector<slot_state> slots_;
  std::deque<std::shared_ptr<waiter>> waiters_;
  std::function<void()> on_idle_;
};

// Holds a slot for a scope; gives it back on destruction.
class slot_lease {
 public:
  slot_lease(slot_pool& pool, int id) : pool_(pool), id_(id) {}
  ~slot_lease() { pool_.release(id_); }
  slot_lease(const slot_lease&) = delete;
  slot_lease& operator=(const slot_lease&) = delete;
  int id() const { return id_; }

 private:
  slot_pool& pool_;
  int id_;
};

}  // namespace studio::fake
