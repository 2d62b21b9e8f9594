// upstream_response_parser fed bytes directly: head fields kept and filtered,
// bodies collected (with a limit) or relayed into a small buffer, chunked and
// content-length, HEAD, keep-alive.
#include "studio/proxy/upstream_response.hpp"

#include <boost/beast/http/error.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using namespace studio::proxy;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

// Feeds all of `bytes` (in steps of `step`), as the relay does: put() until
// the input is used up, stopping at an error other than need_more.
error_code feed(upstream_response_parser& p, std::string_view bytes, std::size_t step = 4096) {
  std::string pending;
  for (std::size_t at = 0; at < bytes.size(); at += step) {
    pending.append(bytes.substr(at, step));
    for (;;) {
      error_code ec;
      const std::size_t used = p.put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == bhttp::error::need_more) break;
      if (ec) return ec;
      if (used == 0 || pending.empty() || p.is_done()) break;
    }
  }
  return {};
}

constexpr std::string_view json_answer =
    "HTTP/1.1 200 OK\r\n"
    "Server: llama.cpp\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "Access-Control-Allow-Origin: *\r\n"
    "Keep-Alive: timeout=5, max=100\r\n"
    "X-Request-Id: r1\r\n"
    "Connection: keep-alive, X-Request-Id\r\n"
    "Content-Length: 11\r\n"
    "\r\n"
    "{\"ok\":true}";

}  // namespace

TEST_CASE("a content-length answer: status, type, end-to-end headers and the body collected") {
  for (std::size_t step : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
    CAPTURE(step);
    upstream_response_parser p;
    p.eager(true);
    REQUIRE_FALSE(feed(p, json_answer, step));
    CHECK(p.is_done());
    CHECK(p.status() == 200);
    CHECK(p.content_type() == "application/json; charset=utf-8");
    CHECK(p.body() == "{\"ok\":true}");
    CHECK(p.keep_alive());
    // Server, Content-Type, Content-Length (the session's), hop-by-hop ones and
    // those the Connection header names stay behind.
    REQUIRE(p.headers().size() == 1);
    CHECK(p.headers()[0] == std::pair<std::string, std::string>{"Access-Control-Allow-Origin", "*"});
  }
}

TEST_CASE("the head alone first, then the body in relay mode into a small buffer") {
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
      "b\r\ndata: one\n\n\r\nb\r\ndata: two\n\n\r\n0\r\n\r\n";
  upstream_response_parser p;
  std::string input = chunked;
  error_code ec;
  std::size_t used = p.put(boost::asio::buffer(input), ec);
  REQUIRE_FALSE(ec);
  REQUIRE(p.is_header_done());
  CHECK(p.chunked());
  CHECK(p.content_type() == "text/event-stream");
  input.erase(0, used);

  std::string relayed;
  char room[5];
  for (int guard = 0; guard < 100 && !p.is_done(); ++guard) {
    p.relay_into(room, sizeof room);
    ec = {};
    used = p.put(boost::asio::buffer(input), ec);
    input.erase(0, used);
    if (ec && ec != bhttp::error::need_buffer && ec != bhttp::error::need_more) FAIL(ec.message());
    relayed.append(room, sizeof room - p.room_left());
  }
  CHECK(p.is_done());
  CHECK(relayed == "data: one\n\ndata: two\n\n");
  CHECK(input.empty());
}

TEST_CASE("the collect limit: a longer content-length, or a longer chunked body, fails the parse") {
  upstream_response_parser by_length;
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
  error_code ec;
  by_length.put(boost::asio::buffer(head), ec);
  REQUIRE(by_length.is_header_done());
  by_length.set_collect_limit(10);
  std::string body(100, 'x');
  ec = {};
  by_length.put(boost::asio::buffer(body), ec);
  CHECK(ec == bhttp::error::body_limit);

  upstream_response_parser by_chunks;
  by_chunks.set_collect_limit(10);
  by_chunks.eager(true);
  CHECK(feed(by_chunks,
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
             "chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n") == bhttp::error::body_limit);

  upstream_response_parser within;
  within.set_collect_limit(16);
  within.eager(true);
  CHECK_FALSE(feed(
      within,
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"));
  CHECK(within.body() == "1234567812345678");
}

TEST_CASE("an answer to HEAD has no body; Connection: close ends keep-alive; an error status passes") {
  upstream_response_parser head;
  head.skip(true);
  CHECK_FALSE(feed(head, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"));
  CHECK(head.is_done());
  CHECK(head.body().empty());

  upstream_response_parser closing;
  closing.eager(true);
  CHECK_FALSE(
      feed(closing,
           "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
           "Content-Length: 2\r\n\r\n{}"));
  CHECK(closing.status() == 503);
  CHECK_FALSE(closing.keep_alive());
  CHECK(closing.headers().empty());
}

TEST_CASE("malformed heads are errors, not crashes") {
  for (std::string_view bad :
       {std::string_view("HTTP/1.1 abc OK\r\n\r\n"), std::string_view("garbage\r\n\r\n"),
        std::string_view("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n")}) {
    CAPTURE(bad);
    upstream_response_parser p;
    CHECK(feed(p, bad));
  }
}
