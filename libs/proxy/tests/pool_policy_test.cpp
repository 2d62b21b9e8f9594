// Pool decisions: expiry within llama-server's 5 s / 100 requests, keeping
// after a response, and the one retry on a fresh connection.
#include "studio/proxy/pool_policy.hpp"
#include "studio/proxy/connection_pool.hpp"

#include <doctest/doctest.h>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/error.hpp>

using namespace studio::proxy;
using namespace std::chrono_literals;
namespace error = boost::asio::error;

TEST_CASE("defaults never outlast a real llama-server's keep-alive limits") {
  pool_limits l;
  CHECK(l.max_idle < 5s);        // it closes an idle connection after 5 s without a word
  CHECK(l.max_requests <= 100);  // it says `Connection: close` on its 100th response
}

TEST_CASE("may_reuse: younger than max_idle and fewer than max_requests") {
  pool_limits l{.max_idle = 4000ms, .max_requests = 90};
  const auto t0 = pool_clock::time_point{} + 1h;
  CHECK(may_reuse(1, t0, t0, l));
  CHECK(may_reuse(89, t0, t0 + 3999ms, l));
  CHECK_FALSE(may_reuse(1, t0, t0 + 4000ms, l));
  CHECK_FALSE(may_reuse(90, t0, t0, l));
}

TEST_CASE("keep_after_response: complete, keep-alive, under the request cap") {
  pool_limits l{.max_requests = 3};
  CHECK(keep_after_response(true, true, 2, l));
  CHECK_FALSE(keep_after_response(true, true, 3, l));
  CHECK_FALSE(keep_after_response(false, true, 1, l));
  CHECK_FALSE(keep_after_response(true, false, 1, l));
}

TEST_CASE("retry only once, only on a reused connection, only before any response byte") {
  CHECK(retry_on_fresh_connection(true, false, 0, error::eof));
  CHECK(retry_on_fresh_connection(true, false, 0, error::connection_reset));
  CHECK(retry_on_fresh_connection(true, false, 0, error::broken_pipe));
  CHECK_FALSE(retry_on_fresh_connection(false, false, 0, error::eof));
  CHECK_FALSE(retry_on_fresh_connection(true, true, 0, error::eof));
  CHECK_FALSE(retry_on_fresh_connection(true, false, 1, error::eof));
  CHECK_FALSE(retry_on_fresh_connection(true, false, 0, boost::beast::error::timeout));
  CHECK_FALSE(retry_on_fresh_connection(true, false, 0, {}));
}

TEST_CASE("connection_pool: most recent first, expired ones dropped, capacity bounded") {
  boost::asio::io_context ioc;
  pool_limits l{.max_idle = 1000ms, .max_requests = 5, .max_idle_per_upstream = 2};
  connection_pool pool(l);
  const auto t0 = pool_clock::time_point{} + 1h;
  auto make = [&](unsigned requests) {
    auto c = std::make_unique<upstream_connection>(ioc.get_executor(), "h:1");
    c->requests = requests;
    return c;
  };
  CHECK(pool.take("h:1", t0) == nullptr);

  pool.give_back(make(1), t0);
  pool.give_back(make(2), t0 + 100ms);
  pool.give_back(make(3), t0 + 200ms);  // full: the oldest (1) goes
  CHECK(pool.idle_count("h:1") == 2);
  auto c = pool.take("h:1", t0 + 300ms);
  REQUIRE(c);
  CHECK(c->requests == 3);
  CHECK(pool.idle_count("h:1") == 1);

  // The remaining one (last used t0+100ms) has expired by t0+1100ms.
  CHECK(pool.take("h:1", t0 + 1100ms) == nullptr);
  CHECK(pool.idle_count("h:1") == 0);

  pool.give_back(make(5), t0);  // at the request cap: never handed out
  CHECK(pool.take("h:1", t0) == nullptr);
  CHECK(pool.idle_count("other:2") == 0);
}
