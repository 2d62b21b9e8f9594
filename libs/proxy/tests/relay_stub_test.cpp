// The proxy against small stub upstreams on the same loop: what headers and
// body go upstream, large bodies, the stale-connection retry, the request cap,
// an upstream that stalls mid-stream or drops the connection.
#include "proxy_harness.hpp"

#include "studio/test/http_client.hpp"

#include <doctest/doctest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

using namespace studio;
using namespace studio::proxy;
using namespace studio::proxy::test;
using namespace std::chrono_literals;
namespace net = boost::asio;
namespace tst = studio::test;

namespace {

const std::string host = "127.0.0.1";

// Answers with the request's headers (name -> value) and body.
net::awaitable<http::response> echo(http::request_context& ctx) {
  boost::json::object headers;
  for (const auto& f : ctx.req()) headers[std::string(f.name_string())] = std::string(f.value());
  boost::json::object out{{"headers", headers}, {"body", ctx.req().body()}, {"target", ctx.req().target()}};
  co_return http::json_response(200, out);
}

}  // namespace

TEST_CASE("upstream gets the bearer key, end-to-end headers and the override body, nothing else") {
  proxy_harness h;
  auto up = h.start_stub(echo);
  up.bearer_key = "internal";
  auto port = h.start_front(up);
  h.set_body_override(R"({"merged":true})");
  auto res = tst::request(host, port, "POST", "/proxy/x?q=1", R"({"a":1})",
                          {{"Authorization", "Bearer client"},
                           {"X-API-Key", "client"},
                           {"Proxy-Authorization", "Basic eA=="},
                           {"TE", "trailers"},
                           {"X-Request-Id", "r1"},
                           {"Content-Type", "application/json"}});
  REQUIRE(res.status == 200);
  auto v = boost::json::parse(res.body);
  auto& hd = v.at("headers").as_object();
  CHECK(hd.at("Authorization").as_string() == "Bearer internal");
  CHECK(hd.at("Host").as_string() == "127.0.0.1:" + std::to_string(up.port));
  CHECK(hd.at("X-Request-Id").as_string() == "r1");
  CHECK(hd.at("Content-Type").as_string() == "application/json");
  CHECK_FALSE(hd.contains("X-API-Key"));
  CHECK_FALSE(hd.contains("Proxy-Authorization"));
  CHECK_FALSE(hd.contains("TE"));
  CHECK(v.at("body").as_string() == R"({"merged":true})");
  CHECK(v.at("target").as_string() == "/proxy/x?q=1");
}

TEST_CASE("large bodies pass both ways") {
  proxy_harness h;
  auto port = h.start_front(h.start_stub(echo));
  std::string big(2 * 1024 * 1024, 'x');
  auto res = tst::request(host, port, "POST", "/big", big, {{"Content-Type", "text/plain"}});
  REQUIRE(res.status == 200);
  CHECK(boost::json::parse(res.body).at("body").as_string().size() == big.size());
}

TEST_CASE("a pooled connection the upstream closed is retried once on a fresh one") {
  proxy_options o = test_options();
  o.pool.max_idle = 30s;  // longer than the stub keeps idle connections
  proxy_harness h(o);
  http::server_limits short_idle;
  short_idle.idle_timeout = 100ms;
  auto port = h.start_front(h.start_stub(echo, short_idle));

  CHECK(tst::request(host, port, "GET", "/one").status == 200);
  CHECK(h.idle_connections() == 1);
  // Wait (polling, with a deadline) until the stub has closed its idle side.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (h.stub_connections() > 0) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(5ms);
  }
  auto res = tst::request(host, port, "GET", "/two");
  CHECK(res.status == 200);
  auto st = h.wait_stats(1, 5s);
  REQUIRE(st);
  CHECK(st->reused_connection == false);  // the retry went to a fresh connection
  CHECK(st->retried);
}

TEST_CASE("a connection is not reused past the request cap") {
  proxy_options o = test_options();
  o.pool.max_requests = 2;
  proxy_harness h(o);
  auto port = h.start_front(h.start_stub(echo));
  for (int i = 0; i < 3; ++i) CHECK(tst::request(host, port, "GET", "/n").status == 200);
  std::vector<bool> reused;
  for (std::size_t i = 0; i < 3; ++i) reused.push_back(h.wait_stats(i, 5s).value().reused_connection);
  CHECK(reused == std::vector<bool>{false, true, false});
}

TEST_CASE("an upstream that stalls mid-stream gets the error event after the idle timeout") {
  proxy_options o = test_options();
  o.idle_timeout = 300ms;
  proxy_harness h(o);
  auto up = h.start_stub([](http::request_context& ctx) -> net::awaitable<http::response> {
    bool ok = co_await ctx.start_stream(200, "text/event-stream");
    if (ok) ok = co_await ctx.write("data: {\"n\":1}\n\n");
    net::steady_timer t(co_await net::this_coro::executor, 30s);
    co_await t.async_wait(net::as_tuple(net::use_awaitable));
    co_return http::response{};
  });
  auto port = h.start_front(up);
  auto start = std::chrono::steady_clock::now();
  auto r = tst::request_stream(host, port, "POST", "/v1/chat/completions", "{}", {}, {}, 5s);
  REQUIRE(r.complete);
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  auto lines = tst::sse_lines(r.head.body);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "data: {\"n\":1}");
  auto err = boost::json::parse(lines[1].substr(6));
  CHECK(err.at("error").at("code").as_int64() == 502);
  CHECK(err.at("error").at("type").as_string() == "upstream_error");
}

// `count` SSE events of about `pad` + 20 bytes, sent by a scripted upstream in
// one write, relayed once; returns the relay's stats (the body checked).
namespace {
relay_stats relay_burst(int count, std::size_t pad) {
  std::string chunks;
  std::string events;
  for (int i = 0; i < count; ++i) {
    const std::string event =
        "data: {\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(pad, 'x') + "\"}\n\n";
    events += event;
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", event.size());
    chunks += size + event + "\r\n";
  }
  const std::string reply =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n" +
      chunks + "0\r\n\r\n";
  proxy_harness h;
  auto port = h.start_front(h.start_scripted_stub(reply));
  auto res =
      tst::request(host, port, "POST", "/v1/chat/completions", "{}", {{"Content-Type", "application/json"}});
  CHECK(res.status == 200);
  CHECK(res.body == events);
  auto st = h.wait_stats(0, 5s);
  REQUIRE(st);
  CHECK(st->streamed);
  return *st;
}
}  // namespace

TEST_CASE("SSE events that arrive together go to the client together, in order and complete") {
  const relay_stats st = relay_burst(8, 40);
  CHECK(st.sse_events == 8);
  // One upstream write of 8 chunks (~650 bytes): read in at most two pieces
  // (the head's read and the rest), each relayed with one client write; one
  // write per chunk would be 8.
  CHECK(st.client_writes <= 2);
}

TEST_CASE("a burst waiting upstream goes to the client in a few big writes, complete and in order") {
  // 64 token-sized events (~16 KiB) in one upstream write: with the default
  // 1 KiB relay buffer and 2 KiB reads that would be 16 or more client writes;
  // full reads grow both (doubling, up to 16 KiB).
  const relay_stats st = relay_burst(64, 220);
  CHECK(st.sse_events == 64);
  CHECK(st.client_writes <= 6);
}

TEST_CASE("an upstream that drops the connection before answering is a 502") {
  proxy_harness h;
  auto port = h.start_front(h.start_dropping_stub());
  auto res = tst::request(host, port, "POST", "/v1/embeddings", "{}");
  CHECK(res.status == 502);
  auto v = boost::json::parse(res.body);
  CHECK(v.at("error").at("type").as_string() == "upstream_error");
  res = tst::request(host, port, "GET", "/api/v1/instances/x/proxy/health");
  CHECK(res.status == 502);
  CHECK(boost::json::parse(res.body).at("error").is_string());
}

TEST_CASE("a non-streamed answer over max_response_bytes is a 502, by its length or as it arrives") {
  proxy_options o = test_options();
  o.max_response_bytes = 1000;
  const std::string big(2000, 'x');
  // Content-Length over the limit; a body that ends with the connection, past the limit.
  for (const std::string& reply :
       {"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2000\r\n\r\n" + big,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + big}) {
    CAPTURE(reply.substr(0, 70));
    proxy_harness h(o);
    auto port = h.start_front(h.start_scripted_stub(reply));
    auto res = tst::request(host, port, "GET", "/big");
    CHECK(res.status == 502);
    CHECK(boost::json::parse(res.body).at("error").is_string());
  }
  // Within the limit: passed on, end-to-end headers with it, hop-by-hop ones not.
  proxy_harness h(o);
  auto port = h.start_front(h.start_scripted_stub(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Upstream: kept\r\nKeep-Alive: timeout=5\r\n"
      "Content-Length: 1000\r\n\r\n" +
      std::string(1000, 'y')));
  auto res = tst::request(host, port, "GET", "/within");
  CHECK(res.status == 200);
  CHECK(res.body == std::string(1000, 'y'));
  CHECK(res.header("X-Upstream") == "kept");
  CHECK_FALSE(res.header("Keep-Alive"));
}
