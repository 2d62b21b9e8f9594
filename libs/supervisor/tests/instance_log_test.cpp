// The line ring and the rotating log file.
#include "studio/supervisor/instance_log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <doctest/doctest.h>

#include <unistd.h>
#include <fstream>

using namespace studio::supervisor;
namespace fs = std::filesystem;

TEST_CASE("the ring keeps the last lines and cuts long ones") {
  line_ring ring(3, 4);
  for (auto s : {"a", "b", "c", "d"}) ring.push(s);
  CHECK(ring.size() == 3);
  CHECK(ring.tail(2) == std::vector<std::string>{"c", "d"});
  CHECK(ring.tail(10) == std::vector<std::string>{"b", "c", "d"});
  ring.push("123456789");
  CHECK(ring.tail(1).front() == "1234");
}

TEST_CASE("the ring stays in order over many wrap-arounds, long lines and short ones") {
  line_ring ring(3, 8);
  for (int i = 0; i < 100; ++i) ring.push(std::string(i % 2 ? 20 : 1, static_cast<char>('a' + i % 26)) + std::to_string(i));
  CHECK(ring.size() == 3);
  // 97, 98, 99: odd ones long (cut at 8), even ones short
  CHECK(ring.tail(3) == std::vector<std::string>{std::string(8, 't'), "u98", std::string(8, 'v')});
  CHECK(ring.tail(1) == std::vector<std::string>{std::string(8, 'v')});
  CHECK(ring.tail(0).empty());
}

TEST_CASE("the log file rotates at its size limit") {
  auto dir = fs::temp_directory_path() / ("supervisor-log-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  {
    rotating_log log(dir / "logs" / "admin.log", 20);
    log.write_line("0123456789");  // 11 bytes
    log.write_line("abcdefghij");  // would pass 20: rotate first
    CHECK(log.error().empty());
  }
  auto read = [](const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  CHECK(read(dir / "logs" / "admin.log.1") == "0123456789\n");
  CHECK(read(dir / "logs" / "admin.log") == "abcdefghij\n");
  fs::remove_all(dir);
}

TEST_CASE("appended lines reach the file at flush, in order, and rotate like written ones") {
  auto dir = fs::temp_directory_path() / ("supervisor-log-batch-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto read = [](const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  {
    rotating_log log(dir / "admin.log", 30);
    log.append_line("one");
    log.append_line("two");
    CHECK(read(dir / "admin.log").empty());  // buffered: one write per batch
    log.flush();
    CHECK(read(dir / "admin.log") == "one\ntwo\n");
    log.append_line("0123456789012345678901");  // would pass 30: rotates first
    log.flush();
    CHECK(read(dir / "admin.log.1") == "one\ntwo\n");
    CHECK(read(dir / "admin.log") == "0123456789012345678901\n");
  }
  fs::remove_all(dir);
}

TEST_CASE("a log subscription hands over pushed lines, waits when idle, and drops the oldest when it lags") {
  namespace net = boost::asio;
  net::io_context ioc;
  log_subscription sub(ioc.get_executor(), 3);
  std::vector<std::vector<std::string>> got;
  auto reader = [&]() -> net::awaitable<void> {
    got.push_back(co_await sub.next(std::chrono::milliseconds(10)));  // nothing yet: empty after 10 ms
    sub.push("a");
    got.push_back(co_await sub.next(std::chrono::hours(1)));  // pending: at once
    for (auto s : {"1", "2", "3", "4", "5"}) sub.push(s);
    got.push_back(co_await sub.next(std::chrono::hours(1)));
  };
  net::co_spawn(ioc, reader(), net::detached);
  ioc.run();
  REQUIRE(got.size() == 3);
  CHECK(got[0].empty());
  CHECK(got[1] == std::vector<std::string>{"a"});
  CHECK(got[2] == std::vector<std::string>{"3", "4", "5"});
  CHECK(sub.take_dropped() == 2);
  CHECK(sub.take_dropped() == 0);
}

TEST_CASE("a push wakes a waiting reader") {
  namespace net = boost::asio;
  net::io_context ioc;
  log_subscription sub(ioc.get_executor());
  std::vector<std::string> got;
  auto reader = [&]() -> net::awaitable<void> { got = co_await sub.next(std::chrono::hours(1)); };
  net::co_spawn(ioc, reader(), net::detached);
  ioc.run_one();  // the reader is now waiting on its timer
  net::post(ioc, [&] { sub.push("late"); });
  ioc.run();  // would block for an hour if the push did not wake it
  CHECK(got == std::vector<std::string>{"late"});
}
