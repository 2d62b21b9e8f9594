// The sans-I/O scheduling core of the instance scheduler: per-instance
// bookkeeping (state, last use, in-flight and queued requests), the FIFO
// admission queue with its bound, the LRU eviction choice and the idle
// deadline. Time is always passed in (an injected clock in the caller), so
// every rule here is unit-tested without timers or processes.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace studio::supervisor {

using sched_time = std::chrono::steady_clock::time_point;

// The scheduler's view of an instance. Only `running` ones are proxied into
// or evicted; `loading` and `stopping` ones are neither.
enum class sched_state { stopped, loading, running, stopping };

struct sched_entry {
  sched_state state = sched_state::stopped;
  sched_time last_used{};  // end of the latest request (or the start)
  unsigned in_flight = 0;  // requests holding a concurrency slot
  std::deque<std::uint64_t> queue;  // tickets waiting for a slot, FIFO
};

// What admission decided for one request.
enum class admit_kind { run, queued, rejected };
struct admit_result {
  admit_kind kind = admit_kind::run;
  std::uint64_t ticket = 0;  // for queued: the ticket a later release hands the slot to
};

// The concurrency limit of an instance from its options:
// "max_concurrent_requests" if set, else llama-server's "parallel" when > 0, else 4.
unsigned concurrency_limit(const boost::json::object& options);

// The queue bound: `configured` when non-zero, else 4 x limit.
unsigned queue_bound(unsigned limit, unsigned configured);

// The idle_timeout option (minutes, fractions allowed) as a duration; nullopt for 0/absent.
std::optional<std::chrono::milliseconds> idle_timeout_of(const boost::json::object& options);

// When an idle instance should be stopped: last_used + idle, or nullopt when it
// has no idle timeout, is not running, or has requests in flight or queued.
std::optional<sched_time> idle_deadline(const sched_entry& entry, std::optional<std::chrono::milliseconds> idle);

// Seconds a 429 tells the client to wait (Retry-After): grows with the queue, 1..60.
unsigned retry_after_seconds(unsigned queue_length, unsigned limit);

class sched_book {
 public:
  sched_entry& entry(std::string_view name);
  const sched_entry* find(std::string_view name) const;
  void erase(std::string_view name);

  // One request for `name`: runs at once while in_flight < limit and nobody
  // waits (FIFO: a newcomer never overtakes the queue), waits while the queue
  // holds fewer than `max_queue`, else is rejected.
  admit_result admit(std::string_view name, unsigned limit, unsigned max_queue);
  // A request ended at `now`: frees its slot and returns the ticket that gets
  // it (the queue's front, now in flight), if any.
  std::optional<std::uint64_t> release(std::string_view name, sched_time now, unsigned limit);
  // A queued request gave up (timeout): its ticket leaves the queue. False when
  // it was not queued (it was granted meanwhile; the caller must release).
  bool cancel(std::string_view name, std::uint64_t ticket);
  // Marks a use now (a start counts as one, so a fresh instance is not evicted first).
  void touch(std::string_view name, sched_time now);
  void set_state(std::string_view name, sched_state state);

  // Instances that count against --max-running-instances (loading or running), except `except`.
  unsigned active_count(std::string_view except = {}) const;
  // The least recently used running instance with nothing in flight or queued,
  // other than `except`; nullopt when none qualifies.
  std::optional<std::string> pick_eviction_victim(std::string_view except = {}) const;
  // Whether some running instance other than `except` could become a victim later
  // (it is busy now); loading/stopping ones never count.
  bool busy_candidate_exists(std::string_view except = {}) const;

 private:
  std::map<std::string, sched_entry, std::less<>> entries_;
  std::uint64_t next_ticket_ = 1;
};

}  // namespace studio::supervisor
