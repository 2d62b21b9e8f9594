// op_deadline on a real io_context: ioc.run() returns when no wait is left,
// which is when the deadline fired or found nothing in progress, so the tests
// await that event and check the elapsed time against the limits.
#include "studio/http/op_deadline.hpp"

#include <doctest/doctest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

using namespace std::chrono_literals;
using studio::http::op_deadline;
using steady = std::chrono::steady_clock;

namespace {

void count_call(void* arg) { ++*static_cast<int*>(arg); }

// An io_context, a deadline on it, and a count of its expiry calls.
struct deadline_on_loop {
  boost::asio::io_context ioc;
  int calls = 0;
  op_deadline d{ioc.get_executor()};
};

}  // namespace

TEST_CASE_FIXTURE(deadline_on_loop, "an operation past its limit expires once, not before the limit") {
  const auto t0 = steady::now();
  d.begin(30ms, count_call, &calls);
  ioc.run();
  CHECK(calls == 1);
  CHECK(d.expired());
  CHECK(steady::now() - t0 >= 30ms);
}

TEST_CASE_FIXTURE(deadline_on_loop, "an operation that ends in time never expires") {
  d.begin(50ms, count_call, &calls);
  boost::asio::steady_timer done(ioc, 10ms);
  done.async_wait([&](auto) { d.end(); });
  ioc.run();  // the deadline wakes at 50 ms, finds nothing in progress, and stops
  CHECK(calls == 0);
  CHECK_FALSE(d.expired());
}

TEST_CASE_FIXTURE(deadline_on_loop, "a shorter limit after a longer one is met on time") {
  d.begin(60s, count_call, &calls);
  d.end();
  const auto t0 = steady::now();
  d.begin(30ms, count_call, &calls);
  ioc.run();
  CHECK(calls == 1);
  CHECK(steady::now() - t0 >= 30ms);
  CHECK(steady::now() - t0 < 10s);
}

TEST_CASE_FIXTURE(deadline_on_loop, "each operation's limit counts from its own begin") {
  int first = 0;
  int second = 0;
  const auto t0 = steady::now();
  d.begin(40ms, count_call, &first);
  boost::asio::steady_timer next(ioc, 25ms);
  next.async_wait([&](auto) {
    d.end();
    d.begin(40ms, count_call, &second);  // the wait armed for 40 ms re-arms for 65 ms
  });
  ioc.run();
  CHECK(first == 0);
  CHECK(second == 1);
  CHECK(steady::now() - t0 >= 65ms);
}

TEST_CASE_FIXTURE(deadline_on_loop, "a new operation after an expiry gets its own deadline") {
  d.begin(10ms, count_call, &calls);
  ioc.run();
  REQUIRE(calls == 1);
  d.begin(10ms, count_call, &calls);
  CHECK_FALSE(d.expired());
  ioc.restart();
  ioc.run();
  CHECK(calls == 2);
}

TEST_CASE("destroyed with an operation in progress: no call") {
  boost::asio::io_context ioc;
  int calls = 0;
  {
    op_deadline d(ioc.get_executor());
    d.begin(20ms, count_call, &calls);
  }
  ioc.run();  // the cancelled wait completes after the deadline is gone
  CHECK(calls == 0);
}

TEST_CASE_FIXTURE(deadline_on_loop, "an alarm runs once, not before its delay") {
  const auto t0 = steady::now();
  d.set_alarm(30ms, count_call, &calls);
  ioc.run();
  CHECK(calls == 1);
  CHECK(steady::now() - t0 >= 30ms);
  CHECK_FALSE(d.expired());  // an alarm is no operation's expiry
}

TEST_CASE_FIXTURE(deadline_on_loop, "a cleared alarm never runs") {
  d.set_alarm(30ms, count_call, &calls);
  boost::asio::steady_timer clear(ioc, 10ms);
  clear.async_wait([&](auto) { d.clear_alarm(); });
  ioc.run();  // the timer wakes at 30 ms, finds no alarm and no operation, and stops
  CHECK(calls == 0);
}

TEST_CASE_FIXTURE(deadline_on_loop, "an alarm and an operation's deadline share the timer, each on time") {
  int alarms = 0;
  const auto t0 = steady::now();
  d.begin(60ms, count_call, &calls);
  d.set_alarm(20ms, count_call, &alarms);
  int alarms_at_40 = -1;
  int calls_at_40 = -1;
  boost::asio::steady_timer probe(ioc, 40ms);  // between the two
  probe.async_wait([&](auto) {
    alarms_at_40 = alarms;
    calls_at_40 = calls;
  });
  ioc.run();
  CHECK(alarms_at_40 == 1);
  CHECK(calls_at_40 == 0);
  CHECK(alarms == 1);
  CHECK(calls == 1);
  CHECK(d.expired());
  CHECK(steady::now() - t0 >= 60ms);
}

TEST_CASE_FIXTURE(deadline_on_loop, "an alarm set after a long operation began still runs on time") {
  int alarms = 0;
  d.begin(60s, count_call, &calls);  // the timer waits for 60 s
  const auto t0 = steady::now();
  d.set_alarm(20ms, count_call, &alarms);  // re-armed for 20 ms
  boost::asio::steady_timer end(ioc, 200ms);
  end.async_wait([&](auto) {
    d.end();
    ioc.stop();  // the deadline's own wait is for 60 s
  });
  ioc.run();
  CHECK(alarms == 1);
  CHECK(calls == 0);
  CHECK(steady::now() - t0 < 10s);
}
