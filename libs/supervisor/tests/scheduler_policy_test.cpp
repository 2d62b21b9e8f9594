// The pure scheduling rules with an injected clock: FIFO admission and its
// bound, LRU eviction choice, idle deadlines, limits from options.
#include "studio/supervisor/scheduler_policy.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

using namespace studio::supervisor;
using namespace std::chrono_literals;

namespace {
// The injected clock: a fixed origin plus offsets chosen by each test.
const sched_time t0 = sched_time{} + 1000h;

boost::json::object options(const char* text) { return boost::json::parse(text).as_object(); }
}  // namespace

TEST_CASE("concurrency limit: max_concurrent_requests, else parallel, else 4; queue bound 4x") {
  CHECK(concurrency_limit(options("{}")) == 4);
  CHECK(concurrency_limit(options(R"({"parallel": 2})")) == 2);
  CHECK(concurrency_limit(options(R"({"parallel": -1})")) == 4);
  CHECK(concurrency_limit(options(R"({"parallel": 2, "max_concurrent_requests": 7})")) == 7);
  CHECK(queue_bound(2, 0) == 8);
  CHECK(queue_bound(2, 3) == 3);
}

TEST_CASE("admission is FIFO and bounded; release hands the slot to the queue's front") {
  sched_book book;
  CHECK(book.admit("m", 1, 2).kind == admit_kind::run);
  auto a = book.admit("m", 1, 2);
  auto b = book.admit("m", 1, 2);
  REQUIRE(a.kind == admit_kind::queued);
  REQUIRE(b.kind == admit_kind::queued);
  CHECK(book.admit("m", 1, 2).kind == admit_kind::rejected);  // past the bound: 429
  CHECK(book.find("m")->queue.size() == 2);

  auto next = book.release("m", t0 + 1s, 1);
  REQUIRE(next.has_value());
  CHECK(*next == a.ticket);  // the oldest waiter first
  CHECK(book.find("m")->in_flight == 1);
  // A newcomer does not overtake the one still waiting.
  auto c = book.admit("m", 1, 2);
  CHECK(c.kind == admit_kind::queued);
  next = book.release("m", t0 + 2s, 1);
  REQUIRE(next.has_value());
  CHECK(*next == b.ticket);
  // A waiter that gives up leaves the queue; a granted one cannot be cancelled.
  CHECK(book.cancel("m", c.ticket));
  CHECK_FALSE(book.cancel("m", b.ticket));
  CHECK_FALSE(book.release("m", t0 + 3s, 1).has_value());
  CHECK(book.find("m")->in_flight == 0);
  CHECK(book.find("m")->last_used == t0 + 3s);
}

TEST_CASE("LRU victim: least recently used running instance with nothing in flight or queued") {
  sched_book book;
  for (const char* name : {"a", "b", "c", "d"}) book.set_state(name, sched_state::running);
  book.touch("a", t0 + 3s);
  book.touch("b", t0 + 1s);
  book.touch("c", t0 + 2s);
  book.touch("d", t0 + 0s);
  book.set_state("d", sched_state::loading);  // oldest, but loading: never a victim
  CHECK(book.pick_eviction_victim() == "b");
  CHECK(book.pick_eviction_victim("b") == "c");  // the instance being started is never its own victim

  REQUIRE(book.admit("b", 4, 16).kind == admit_kind::run);  // b is busy now
  CHECK(book.pick_eviction_victim() == "c");
  CHECK(book.busy_candidate_exists());
  book.release("b", t0 + 5s, 4);  // b used last now
  CHECK(book.pick_eviction_victim() == "c");

  book.set_state("c", sched_state::stopping);
  CHECK(book.pick_eviction_victim() == "a");
  CHECK(book.active_count() == 3);       // a, b running; d loading
  CHECK(book.active_count("d") == 2);
  book.set_state("a", sched_state::stopped);
  book.set_state("b", sched_state::stopped);
  CHECK_FALSE(book.pick_eviction_victim().has_value());
  CHECK_FALSE(book.busy_candidate_exists());
}

TEST_CASE("a queued request keeps an instance from being evicted") {
  sched_book book;
  book.set_state("a", sched_state::running);
  REQUIRE(book.admit("a", 1, 4).kind == admit_kind::run);
  REQUIRE(book.admit("a", 1, 4).kind == admit_kind::queued);
  book.release("a", t0, 1);  // the queued one runs now
  CHECK_FALSE(book.pick_eviction_victim().has_value());
  book.release("a", t0 + 1s, 1);
  CHECK(book.pick_eviction_victim() == "a");
}

TEST_CASE("idle deadline: last use + idle_timeout minutes, only when running and idle") {
  CHECK_FALSE(idle_timeout_of(options("{}")).has_value());
  CHECK_FALSE(idle_timeout_of(options(R"({"idle_timeout": 0})")).has_value());
  CHECK(idle_timeout_of(options(R"({"idle_timeout": 5})")) == 300000ms);
  CHECK(idle_timeout_of(options(R"({"idle_timeout": 0.01})")) == 600ms);  // fractions of a minute

  sched_book book;
  auto idle = idle_timeout_of(options(R"({"idle_timeout": 2})"));
  auto& e = book.entry("m");
  CHECK_FALSE(idle_deadline(e, idle).has_value());  // stopped
  book.set_state("m", sched_state::running);
  book.touch("m", t0);
  CHECK(idle_deadline(e, idle) == t0 + 2min);
  CHECK_FALSE(idle_deadline(e, std::nullopt).has_value());
  REQUIRE(book.admit("m", 4, 16).kind == admit_kind::run);
  CHECK_FALSE(idle_deadline(e, idle).has_value());  // busy: no deadline
  book.release("m", t0 + 90s, 4);
  CHECK(idle_deadline(e, idle) == t0 + 90s + 2min);  // re-armed from the end of the request
  book.touch("m", t0 + 10s);  // an older time never moves last use back
  CHECK(idle_deadline(e, idle) == t0 + 90s + 2min);
}

TEST_CASE("Retry-After grows with the queue per slot, 1..60 s") {
  CHECK(retry_after_seconds(0, 4) == 1);
  CHECK(retry_after_seconds(8, 4) == 3);
  CHECK(retry_after_seconds(10000, 1) == 60);
}
