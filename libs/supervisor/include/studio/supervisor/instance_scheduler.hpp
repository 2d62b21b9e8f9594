// The instance scheduler: the async shell around scheduler_policy. Before a
// request is proxied into a named instance it acquires a lease here:
// - a stopped instance with on_demand_start is started once for all callers
//   (single flight; the start runs detached, so a caller that goes away does
//   not cancel it), waiting up to --on-demand-start-timeout;
// - --max-running-instances is enforced before every start; with
//   --enable-lru-eviction the least recently used idle running instance is
//   stopped (one eviction at a time, shared by all waiters), else 409;
// - per-instance concurrency: max_concurrent_requests (default parallel,
//   else 4) slots, a bounded FIFO queue behind them, 429 past it;
// - instances loading or stopping are never proxied into nor evicted;
// - idle_timeout (minutes): a steady_timer per instance fires at its own
//   deadline (last request end + idle) and stops it.
//
// Threading: all state lives on the scheduler's strand; the public calls may
// be made from any thread of the io_context. Owned by main through a
// shared_ptr (leases and detached starts keep it alive).
#pragma once

#include "studio/supervisor/instance_registry.hpp"
#include "studio/supervisor/scheduler_policy.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace studio::supervisor {

struct scheduler_options {
  unsigned max_running = 0;  // --max-running-instances; 0 = unlimited
  bool lru_eviction = false;  // --enable-lru-eviction
  std::chrono::milliseconds start_timeout{120000};  // --on-demand-start-timeout
  unsigned max_queue = 0;  // --max-queued-requests; 0 = 4 x the concurrency limit
  std::chrono::milliseconds heartbeat{2000};  // between ": loading" heartbeats
  std::chrono::milliseconds poll{250};  // re-check of states the supervisor does not signal
  std::function<sched_time()> clock = [] { return std::chrono::steady_clock::now(); };
};

// Why a request cannot be served now ({"error": message} with status).
struct schedule_error {
  unsigned status = 503;
  std::string message;
  unsigned retry_after_s = 0;  // Retry-After for 429/503 when non-zero
};

class instance_scheduler : public std::enable_shared_from_this<instance_scheduler> {
 public:
  // One request's concurrency slot; releasing it (destruction) records the
  // use, hands the slot to the next queued request and re-arms the idle timer.
  class lease {
   public:
    lease(std::shared_ptr<instance_scheduler> owner, std::string name)
        : owner_(std::move(owner)), name_(std::move(name)) {}
    lease(lease&&) noexcept = default;
    lease& operator=(lease&& other) noexcept {
      if (this != &other) {
        give_back();
        owner_ = std::move(other.owner_);
        name_ = std::move(other.name_);
      }
      return *this;
    }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() { give_back(); }

   private:
    void give_back() noexcept;
    std::shared_ptr<instance_scheduler> owner_;
    std::string name_;
  };

  // Called while waiting for a load or a slot (first at once, then every
  // `heartbeat`) with a short note; false means the client is gone.
  using heartbeat_fn = std::function<boost::asio::awaitable<bool>(std::string note)>;

  struct acquired {
    std::optional<lease> granted;  // set on success: the instance is running
    schedule_error error;          // otherwise
  };

  instance_scheduler(boost::asio::any_io_executor executor, instance_registry& registry,
                     scheduler_options options = {});

  // How `name` is (re)started on demand, and its scheduling options
  // (on_demand_start, idle_timeout, max_concurrent_requests, parallel) taken
  // from request.options. Safe from any thread.
  void configure(const std::string& name, start_request request);
  void forget(const std::string& name);
  bool configured(const std::string& name) const;

  // Waits until `name` runs (starting it on demand) and a slot is free.
  boost::asio::awaitable<acquired> acquire(std::string name, heartbeat_fn heartbeat = {});
  // Before an explicit start of `name`: makes room under --max-running-instances
  // (evicting with LRU eviction on) and reserves it; nullopt when the start may go on.
  boost::asio::awaitable<std::optional<schedule_error>> make_room(std::string name);
  // After an explicit start: ends the reservation, counts as a use, arms the idle timer.
  void note_started(const std::string& name);
  // Cancels idle timers and refuses further on-demand starts (gateway shutdown).
  void shutdown();

  const scheduler_options& options() const { return options_; }

 private:
  struct profile {
    start_request request;
    bool on_demand = false;
    std::optional<std::chrono::milliseconds> idle;
    unsigned limit = 4;
  };
  struct flight {
    bool done = false;
    std::optional<schedule_error> error;
  };

  boost::asio::awaitable<acquired> do_acquire(std::shared_ptr<instance_scheduler> self, std::string name,
                                              heartbeat_fn heartbeat);
  boost::asio::awaitable<std::optional<schedule_error>> do_make_room(std::shared_ptr<instance_scheduler> self,
                                                                     std::string name, sched_time deadline);
  boost::asio::awaitable<void> run_start(std::shared_ptr<instance_scheduler> self, std::string name,
                                         std::shared_ptr<flight> f);
  boost::asio::awaitable<void> idle_stop(std::shared_ptr<instance_scheduler> self, std::string name);
  boost::asio::awaitable<void> refresh_states();
  // Sleeps until notify_all(), `deadline`, or the next heartbeat; calls the
  // heartbeat when one is due. False when the client is gone.
  boost::asio::awaitable<bool> wait_change(sched_time deadline, const heartbeat_fn& heartbeat,
                                           sched_time& next_beat, const std::string& note);
  void notify_all();
  void release(const std::string& name);
  void arm_idle(const std::string& name);
  std::optional<profile> profile_of(const std::string& name) const;
  sched_time now() const { return options_.clock(); }

  instance_registry& registry_;
  scheduler_options options_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  mutable std::mutex profiles_mutex_;
  std::map<std::string, profile, std::less<>> profiles_;
  // On the strand:
  sched_book book_;
  std::map<std::string, std::shared_ptr<flight>, std::less<>> flights_;
  std::map<std::string, std::unique_ptr<boost::asio::steady_timer>, std::less<>> idle_timers_;
  std::map<std::string, sched_time, std::less<>> reserved_;  // room made for an explicit start
  std::set<std::string, std::less<>> stopping_;               // being stopped by the scheduler
  std::set<std::uint64_t> granted_;                           // queue tickets handed a slot
  std::vector<boost::asio::steady_timer*> waiters_;
  bool evicting_ = false;
  bool shut_down_ = false;
};

}  // namespace studio::supervisor
