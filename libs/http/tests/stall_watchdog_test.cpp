// stall_watchdog on a real io_context with short limits: an operation that
// stays open past the limit fires it once; short operations and the time
// between operations never do; stop() silences it.
#include "studio/http/stall_watchdog.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <doctest/doctest.h>

using namespace std::chrono_literals;
using studio::http::stall_watchdog;

namespace {

// Runs `ioc` for `d` of wall time.
void run_for(boost::asio::io_context& ioc, std::chrono::milliseconds d) {
  ioc.restart();
  ioc.run_for(d);
}

}  // namespace

TEST_CASE("an operation open past the limit fires once") {
  boost::asio::io_context ioc;
  int calls = 0;
  stall_watchdog w(ioc.get_executor(), 30ms, [&] { ++calls; });
  w.begin();
  run_for(ioc, 150ms);
  CHECK(calls == 1);
  CHECK(w.fired());
}

TEST_CASE("time between operations is no stall") {
  boost::asio::io_context ioc;
  int calls = 0;
  stall_watchdog w(ioc.get_executor(), 30ms, [&] { ++calls; });
  w.begin();
  w.end();
  run_for(ioc, 120ms);  // idle, not in an operation
  CHECK(calls == 0);
  CHECK_FALSE(w.fired());
}

TEST_CASE("operations shorter than the limit, back to back, never fire") {
  boost::asio::io_context ioc;
  int calls = 0;
  stall_watchdog w(ioc.get_executor(), 40ms, [&] { ++calls; });
  for (int i = 0; i < 8; ++i) {
    w.begin();
    run_for(ioc, 15ms);
    w.end();
  }
  CHECK(calls == 0);
  w.begin();  // the last one stalls
  run_for(ioc, 150ms);
  CHECK(calls == 1);
}

TEST_CASE("stop() silences a pending stall") {
  boost::asio::io_context ioc;
  int calls = 0;
  {
    stall_watchdog w(ioc.get_executor(), 20ms, [&] { ++calls; });
    w.begin();
    w.stop();
    run_for(ioc, 80ms);
  }
  run_for(ioc, 20ms);  // the cancelled wait completes after the watchdog is gone
  CHECK(calls == 0);
}
