// Client gone while the proxy waits on a silent upstream: the session's
// client-gone watch closes the upstream connection at once (not at the next
// write or the idle timeout), for non-streamed and streamed answers; a
// pipelined next request is never mistaken for a disconnect.
#include "proxy_harness.hpp"

#include "studio/test/http_client.hpp"
#include "studio/test/observe.hpp"

#include <doctest/doctest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>

using namespace studio;
using namespace studio::proxy;
using namespace studio::proxy::test;
using namespace std::chrono_literals;
namespace net = boost::asio;
namespace tst = studio::test;
using steady = std::chrono::steady_clock;

namespace {

const std::string host = "127.0.0.1";

// What the stub upstream saw: requests started, and whether (and when) its own
// client, the proxy, went away while it was holding the answer back.
struct stub_log {
  std::atomic<int> started{0};
  std::atomic<bool> saw_close{false};
  std::atomic<steady::rep> closed_at{0};
};

// Holds the answer back for 30 s (optionally after one streamed event),
// ending early when its client goes.
http::request_handler silent_stub(stub_log& log, bool stream) {
  return [&log, stream](http::request_context& ctx) -> net::awaitable<http::response> {
    if (stream) {
      bool ok = co_await ctx.start_stream(200, "text/event-stream");
      if (ok) ok = co_await ctx.write("data: {\"n\":1}\n\n");
    }
    net::steady_timer t(co_await net::this_coro::executor, 30s);
    ctx.watch_client([&t] { t.cancel(); });
    ++log.started;
    co_await t.async_wait(net::as_tuple(net::use_awaitable));
    ctx.watch_client({});
    if (ctx.client_gone()) {
      log.closed_at = steady::now().time_since_epoch().count();
      log.saw_close = true;
    }
    co_return http::json_response(200, boost::json::object{{"late", true}});
  };
}

// A raw client connection (so the test decides when it closes).
class raw_client {
 public:
  explicit raw_client(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~raw_client() { close(); }
  void send(const std::string& data) const { REQUIRE(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size())); }
  // Everything until the peer closes (or 5 s of silence).
  std::string read_all() const {
    std::string out;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return out;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

std::string post(const std::string& target, bool close = false) {
  return "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n" +
         (close ? "Connection: close\r\n" : "") + "\r\n{}";
}

}  // namespace

TEST_CASE("client gone while a non-streamed answer is pending: the upstream connection closes at once") {
  proxy_harness h;
  stub_log log;
  auto port = h.start_front(h.start_stub(silent_stub(log, false)));
  raw_client c(port);
  c.send(post("/v1/chat/completions"));
  REQUIRE(tst::poll_until([&] { return log.started == 1; }, 5s));
  const auto left = steady::now();
  c.close();
  // The proxy's idle timeout is 3 s and the stub answers after 30 s: only the
  // watch can make this quick.
  REQUIRE(tst::poll_until([&] { return log.saw_close.load(); }, 2s));
  CHECK(steady::time_point(steady::duration(log.closed_at.load())) - left < 1s);
  auto st = h.wait_stats(0, 2s);
  REQUIRE(st);
  CHECK(st->client_gone);
  CHECK(st->status == 499);
  CHECK_FALSE(st->upstream_failed);
  CHECK(h.idle_connections() == 0);
}

TEST_CASE("client gone mid-stream while the upstream is silent: the upstream connection closes at once") {
  proxy_harness h;
  stub_log log;
  auto port = h.start_front(h.start_stub(silent_stub(log, true)));
  tst::stream_callbacks stop_at_first;
  stop_at_first.on_piece = [](std::string_view) { return false; };
  auto r = tst::request_stream(host, port, "POST", "/v1/chat/completions", "{}", {}, stop_at_first, 5s);
  REQUIRE(r.stopped);
  const auto left = steady::now();
  REQUIRE(tst::poll_until([&] { return log.saw_close.load(); }, 2s));
  CHECK(steady::time_point(steady::duration(log.closed_at.load())) - left < 1s);
  auto st = h.wait_stats(0, 2s);
  REQUIRE(st);
  CHECK(st->streamed);
  CHECK(st->client_gone);
  CHECK(st->status == 200);
}

TEST_CASE("a pipelined request is not a disconnect: the watch consumes nothing") {
  proxy_harness h;
  std::atomic<int> started{0};
  auto up = h.start_stub([&started](http::request_context& ctx) -> net::awaitable<http::response> {
    net::steady_timer t(co_await net::this_coro::executor, 300ms);
    ctx.watch_client([&t] { t.cancel(); });
    ++started;
    co_await t.async_wait(net::as_tuple(net::use_awaitable));
    ctx.watch_client({});
    co_return http::json_response(200, boost::json::object{{"gone", ctx.client_gone()}, {"path", ctx.path()}});
  });
  // Straight to the stub (an http::server): the second request arrives while
  // the first one's handler watches the socket.
  raw_client c(up.port);
  c.send(post("/a"));
  REQUIRE(tst::poll_until([&] { return started == 1; }, 5s));
  c.send(post("/b", true));
  const std::string all = c.read_all();
  std::size_t answers = 0;
  for (auto at = all.find("HTTP/1.1 200"); at != std::string::npos; at = all.find("HTTP/1.1 200", at + 1)) ++answers;
  CHECK(answers == 2);
  CHECK(all.find("\"path\":\"/b\"") != std::string::npos);
  CHECK(all.find("\"gone\":true") == std::string::npos);
}
