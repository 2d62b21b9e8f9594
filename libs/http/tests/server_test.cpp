// The server on a real io_context: limits, timeouts, keep-alive, streaming,
// auth through dispatch, exceptions, graceful shutdown. Clients are blocking
// sockets with receive timeouts, so a broken server fails a test, never hangs it.
#include "studio/http/server.hpp"
#include "studio/http/dispatch.hpp"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <atomic>
#include <future>
#include <thread>

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using namespace studio::http;
using namespace std::chrono_literals;
using boost::beast::http::verb;

namespace {

server_limits fast_limits() {
  server_limits l;
  l.max_header_bytes = 2048;
  l.max_body_bytes = 1024;
  l.header_timeout = 300ms;
  l.idle_timeout = 300ms;
  l.body_timeout = 300ms;
  l.write_timeout = 1000ms;
  l.client_watch_delay = 0ms;  // the watch from the first call (its delay: tests of their own)
  return l;
}

net::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  net::steady_timer t(co_await net::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(net::use_awaitable);
}

struct test_server {
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  router routes;
  authenticator auth{{"mkey"}, {"ikey"}};
  std::unique_ptr<server> srv;
  unsigned short port = 0;
  std::thread thread;
  std::promise<void> slow_entered;  // set when a /slow request reaches its handler
  std::atomic<bool> slow_flag{false};
  std::promise<std::chrono::milliseconds> gone_after;  // set by /until-gone/{mode} (-1: not gone)

  explicit test_server(server_limits limits = fast_limits()) {
    routes.add(verb::get, "/health", access::open, [](request_context&) -> net::awaitable<response> {
      co_return json_response(200, {{"status", "ok"}});
    });
    routes.add(verb::get, "/api/v1/echo/{name}", access::management,
               [](request_context& c) -> net::awaitable<response> {
                 co_return text_response(200, *c.param("name") + "|" + c.query_param("q").value_or("-"));
               });
    routes.add(verb::post, "/v1/body", access::inference, [](request_context& c) -> net::awaitable<response> {
      co_return text_response(200, std::to_string(c.req().body().size()));
    });
    routes.add(verb::get, "/api/v1/throw", access::open, [](request_context&) -> net::awaitable<response> {
      throw std::runtime_error("boom");
      co_return response{};
    });
    routes.add(verb::get, "/slow/{ms}", access::open, [this](request_context& c) -> net::awaitable<response> {
      if (!slow_flag.exchange(true)) slow_entered.set_value();
      co_await sleep_for(std::chrono::milliseconds(std::stoi(*c.param("ms"))));
      co_return text_response(200, "slow done");
    });
    routes.add(verb::get, "/headers", access::open, [](request_context&) -> net::awaitable<response> {
      response res = text_response(200, "body");
      res.headers = {{"content-type", "text/csv"}, {"X-Twice", "1"}, {"Content-Length", "999"},
                     {"Connection", "upgrade"},    {"X-Twice", "2"}, {"Server", "other"}};
      co_return res;
    });
    routes.add(verb::get, "/stream", access::open, [](request_context& c) -> net::awaitable<response> {
      bool ok = co_await c.start_stream(200, "text/event-stream");
      for (int i = 0; ok && i < 3; ++i) ok = co_await c.write("data: " + std::to_string(i) + "\n\n");
      co_return response{};
    });
    // Watches for the client leaving (as the proxy does) and answers at once:
    // the watch's peek outlives the request, as the next keep-alive wait.
    routes.add(verb::get, "/watched", access::open, [](request_context& c) -> net::awaitable<response> {
      c.watch_client([] {});
      co_return text_response(200, "watched");
    });
    // Waits (up to 5 s) for the watch to see the client leave: without a
    // stream ("plain"), or asking for the watch before or after starting one;
    // reports how long after the watch was asked for.
    routes.add(verb::get, "/until-gone/{mode}", access::open,
               [this](request_context& c) -> net::awaitable<response> {
                 const std::string mode = *c.param("mode");
                 net::steady_timer wait(co_await net::this_coro::executor, 5s);
                 if (mode == "stream-then-watch") co_await c.start_stream(200, "text/event-stream");
                 const auto asked = std::chrono::steady_clock::now();
                 c.watch_client([&wait] { wait.cancel(); });
                 if (mode == "watch-then-stream") co_await c.start_stream(200, "text/event-stream");
                 co_await wait.async_wait(net::as_tuple(net::use_awaitable));
                 c.watch_client({});
                 gone_after.set_value(c.client_gone() ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                                            std::chrono::steady_clock::now() - asked)
                                                      : -1ms);
                 co_return text_response(200, "still here");
               });
    // The body ends with its last piece, while the handler still works.
    routes.add(verb::get, "/stream-last", access::open, [](request_context& c) -> net::awaitable<response> {
      bool ok = co_await c.start_stream(200, "text/event-stream");
      if (ok) ok = co_await c.write("data: 0\n\n");
      if (ok) co_await c.write_last("data: 1\n\n");
      co_await sleep_for(20000ms);
      co_return response{};
    });
    srv = std::make_unique<server>(ioc.get_executor(), limits,
                                   [this](request_context& c) { return dispatch(routes, auth, c); });
    port = srv->listen("127.0.0.1", 0).port();
    srv->start();
    thread = std::thread([this] { ioc.run(); });
  }

  // Runs the graceful shutdown; returns how long it took.
  std::chrono::milliseconds shutdown(std::chrono::milliseconds grace) {
    auto start = std::chrono::steady_clock::now();
    std::promise<void> done;
    net::co_spawn(ioc, srv->shutdown(grace), [&](std::exception_ptr) { done.set_value(); });
    done.get_future().wait_for(10s);
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  }

  ~test_server() {
    shutdown(0ms);
    ioc.stop();
    thread.join();
  }
};

// A blocking client socket whose reads fail after 5 s instead of hanging.
struct client {
  net::io_context ioc;
  net::ip::tcp::socket socket{ioc};
  boost::beast::flat_buffer buffer;

  explicit client(unsigned short port) {
    socket.connect({net::ip::make_address("127.0.0.1"), port});
    timeval tv{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void send_raw(std::string_view data) { net::write(socket, net::buffer(data)); }
  bhttp::response<bhttp::string_body> read() {
    bhttp::response<bhttp::string_body> res;
    bhttp::read(socket, buffer, res);
    return res;
  }
  bhttp::response<bhttp::string_body> get(std::string target, std::string key = {}) {
    bhttp::request<bhttp::string_body> req{verb::get, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    if (!key.empty()) req.set("X-API-Key", key);
    bhttp::write(socket, req);
    return read();
  }
  // True when the server closed the connection (EOF) within the receive timeout.
  bool closed_by_server() {
    char c;
    boost::system::error_code ec;
    socket.read_some(net::buffer(&c, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
  }
};

boost::json::value json_of(const bhttp::response<bhttp::string_body>& res) {
  return boost::json::parse(res.body());
}

}  // namespace

TEST_CASE("keep-alive serves several requests on one connection") {
  test_server s;
  client c(s.port);
  for (int i = 0; i < 3; ++i) {
    auto res = c.get("/health");
    CHECK(res.result_int() == 200);
    CHECK(json_of(res).at("status").as_string() == "ok");
    CHECK(res.keep_alive());
  }
}

TEST_CASE("a connection's last allowed request is answered with Connection: close, then it closes") {
  server_limits limits = fast_limits();
  limits.idle_timeout = 10s;  // a close seen below is the limit's, not the idle timeout's
  limits.max_requests_per_connection = 3;
  test_server s(limits);
  client c(s.port);
  for (int i = 1; i <= 3; ++i) {
    auto res = c.get("/health");
    CHECK(res.result_int() == 200);
    CHECK(res.keep_alive() == (i < 3));
  }
  const auto from = std::chrono::steady_clock::now();
  CHECK(c.closed_by_server());
  CHECK(std::chrono::steady_clock::now() - from < 5s);
  client next(s.port);  // a new connection starts a new count
  CHECK(next.get("/health").keep_alive());
}

TEST_CASE("unknown paths are 404 JSON in the prefix's shape; wrong methods 405 with Allow") {
  test_server s;
  client c(s.port);
  auto res = c.get("/api/v1/nothing");
  CHECK(res.result_int() == 404);
  CHECK(json_of(res).at("error").is_string());
  res = c.get("/v1/nothing");
  CHECK(res.result_int() == 404);
  CHECK(json_of(res).at("error").at("type").as_string() == "not_found_error");
  c.send_raw("DELETE /health HTTP/1.1\r\nHost: x\r\n\r\n");
  res = c.read();
  CHECK(res.result_int() == 405);
  CHECK(res[bhttp::field::allow] == "GET");
}

TEST_CASE("auth: 401 without or with a wrong key, 403 for the wrong scope, 200 otherwise") {
  test_server s;
  client c(s.port);
  CHECK(c.get("/api/v1/echo/a").result_int() == 401);
  CHECK(c.get("/api/v1/echo/a", "wrong").result_int() == 401);
  CHECK(c.get("/api/v1/echo/a", "ikey").result_int() == 403);
  auto res = c.get("/api/v1/echo/a%20b?q=x+y", "mkey");
  CHECK(res.result_int() == 200);
  CHECK(res.body() == "a b|x y");
  c.send_raw(
      "POST /v1/body HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ikey\r\nContent-Length: 3\r\n\r\nabc");
  res = c.read();
  CHECK(res.result_int() == 200);
  CHECK(res.body() == "3");
  CHECK(c.get("/api/v1/echo/%zz", "mkey").result_int() == 400);
}

TEST_CASE("oversized headers get 431 and oversized bodies 413, as JSON") {
  test_server s;
  {
    client c(s.port);
    c.send_raw("GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n");
    auto res = c.read();
    CHECK(res.result_int() == 431);
    CHECK(json_of(res).at("error").at("code").as_int64() == 431);
  }
  {
    client c(s.port);
    c.send_raw("POST /v1/body HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
    auto res = c.read();
    CHECK(res.result_int() == 413);
    CHECK(json_of(res).at("error").at("type").as_string() == "invalid_request_error");
  }
  {
    client c(s.port);
    c.send_raw("POST /api/v1/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
               std::string(2048, 'b') + "\r\n0\r\n\r\n");
    auto res = c.read();
    CHECK(res.result_int() == 413);
    CHECK(json_of(res).at("error").is_string());
  }
}

TEST_CASE("requests arriving together, or a request in pieces, are each answered in order") {
  test_server s;
  SUBCASE("two requests in one write (pipelined)") {
    client c(s.port);
    c.send_raw(
        "POST /v1/body HTTP/1.1\r\nHost: x\r\nX-API-Key: ikey\r\nContent-Length: 3\r\n\r\nabc"
        "POST /v1/body HTTP/1.1\r\nHost: x\r\nX-API-Key: ikey\r\nContent-Length: 5\r\n\r\nabcde");
    auto first = c.read();
    auto second = c.read();
    CHECK(first.result_int() == 200);
    CHECK(first.body() == "3");
    CHECK(second.result_int() == 200);
    CHECK(second.body() == "5");
  }
  SUBCASE("header and body in separate writes") {
    client c(s.port);
    c.send_raw("POST /v1/body HTTP/1.1\r\nHost: x\r\nX-API-Key: ikey\r\nContent-Length: 6\r\n\r\nab");
    std::this_thread::sleep_for(50ms);  // let the server parse the partial request first
    c.send_raw("cdef");
    auto res = c.read();
    CHECK(res.result_int() == 200);
    CHECK(res.body() == "6");
  }
}

TEST_CASE("malformed requests get 400 JSON") {
  test_server s;
  client c(s.port);
  c.send_raw("THIS IS NOT HTTP\r\n\r\n");
  auto res = c.read();
  CHECK(res.result_int() == 400);
}

TEST_CASE("slow clients cannot hold a connection") {
  test_server s;
  SUBCASE("no request at all") {
    client c(s.port);
    CHECK(c.closed_by_server());
  }
  SUBCASE("a header that never ends") {
    client c(s.port);
    c.send_raw("GET /health HTTP/1.1\r\nHost: x\r\n");
    auto start = std::chrono::steady_clock::now();
    CHECK(c.closed_by_server());
    CHECK(std::chrono::steady_clock::now() - start < 3s);
  }
  SUBCASE("a body that never arrives") {
    client c(s.port);
    c.send_raw("POST /v1/body HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
    CHECK(c.closed_by_server());
  }
  SUBCASE("idle keep-alive") {
    client c(s.port);
    CHECK(c.get("/health").result_int() == 200);
    CHECK(c.closed_by_server());
  }
}

TEST_CASE("after watched requests the connection serves the next ones, then closes when idle") {
  test_server s;
  client c(s.port);
  for (int i = 0; i < 3; ++i) {
    auto res = c.get("/watched");
    CHECK(res.result_int() == 200);
    CHECK(res.body() == "watched");
  }
  CHECK(c.get("/health").result_int() == 200);  // unwatched, after watched ones
  CHECK(c.get("/watched").result_int() == 200);
  const auto idle_from = std::chrono::steady_clock::now();
  CHECK(c.closed_by_server());  // the pending peek is the keep-alive wait: idle_timeout ends it
  CHECK(std::chrono::steady_clock::now() - idle_from >= 300ms);
}

// Sends GET `target` to a server whose watch waits `delay`, closes the
// connection (after the response's first bytes when `read_first`), and
// returns how long after asking for the watch the handler saw the client gone
// (-1 ms: it never did).
std::chrono::milliseconds gone_after_close(std::chrono::milliseconds delay, std::string_view target,
                                           bool read_first) {
  server_limits limits = fast_limits();
  limits.client_watch_delay = delay;
  test_server s(limits);
  {
    client c(s.port);
    c.send_raw("GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    char head[64];
    if (read_first) c.socket.read_some(net::buffer(head));
  }
  auto gone = s.gone_after.get_future();
  REQUIRE(gone.wait_for(10s) == std::future_status::ready);
  return gone.get();
}

TEST_CASE("a client leaving a handler is noticed once the watch's delay has passed") {
  const auto after = gone_after_close(150ms, "/until-gone/plain", false);
  CHECK(after >= 150ms);  // not watched before the delay
  CHECK(after < 4s);      // but noticed then, well before the handler's own 5 s
}

TEST_CASE("a response stream starts the watch at once, whatever its delay") {
  // The stream's head is read before closing: the watch is on by then,
  // whether it was asked for before the stream started or after.
  for (const char* mode : {"watch-then-stream", "stream-then-watch"}) {
    CAPTURE(mode);
    const auto after = gone_after_close(60s, std::string("/until-gone/") + mode, true);
    CHECK(after >= 0ms);
    CHECK(after < 4s);
  }
}

TEST_CASE("pipelined requests behind a watched one are each answered in order") {
  test_server s;
  client c(s.port);
  c.send_raw(
      "GET /watched HTTP/1.1\r\nHost: x\r\n\r\nGET /watched HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(c.read().body() == "watched");
  CHECK(c.read().body() == "watched");
  CHECK(c.read().result_int() == 200);
  CHECK(c.get("/watched").body() == "watched");
}

TEST_CASE("an exception in a handler becomes a 500 JSON error and the server lives on") {
  test_server s;
  client c(s.port);
  auto res = c.get("/api/v1/throw");
  CHECK(res.result_int() == 500);
  CHECK(json_of(res).at("error").as_string() == "internal server error");
  CHECK(c.get("/health").result_int() == 200);
}

TEST_CASE(
    "a handler's headers replace Server and Content-Type; the last of two wins; framing stays the server's") {
  test_server srv;
  client c(srv.port);
  c.send_raw("GET /headers HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string raw;
  char buf[4096];
  boost::system::error_code ec;
  while (raw.find("\r\n\r\nbody") == std::string::npos && !ec) {
    const auto n = c.socket.read_some(net::buffer(buf), ec);
    raw.append(buf, n);
  }
  REQUIRE_FALSE(ec);
  const auto head = raw.substr(0, raw.find("\r\n\r\n") + 2);
  const auto count = [&](std::string_view needle) {
    std::size_t n = 0;
    for (auto at = head.find(needle); at != std::string::npos; at = head.find(needle, at + 1)) ++n;
    return n;
  };
  CHECK(head.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(count("content-type: text/csv\r\n") == 1);
  CHECK(count("Content-Type") == 0);
  CHECK(count("Server: other\r\n") == 1);
  CHECK(count("studio-gateway") == 0);
  CHECK(count("X-Twice: 2\r\n") == 1);
  CHECK(count("X-Twice: 1") == 0);
  CHECK(count("Content-Length: 4\r\n") == 1);  // the body's, not the handler's 999
  CHECK(count("999") == 0);
  CHECK(count("upgrade") == 0);
  CHECK(c.get("/health").result_int() == 200);  // still keep-alive
}

TEST_CASE("streamed responses are chunked and the connection stays usable") {
  test_server s;
  client c(s.port);
  auto res = c.get("/stream");
  CHECK(res.result_int() == 200);
  CHECK(res[bhttp::field::content_type] == "text/event-stream");
  CHECK(res.chunked());
  CHECK(res.body() == "data: 0\n\ndata: 1\n\ndata: 2\n\n");
  CHECK(c.get("/health").result_int() == 200);
}

TEST_CASE("the last piece of a stream ends the body at once, before the handler returns") {
  test_server s;
  client c(s.port);
  auto res = c.get("/stream-last");  // would time out (5 s) waiting for the end
  CHECK(res.result_int() == 200);
  CHECK(res.chunked());
  CHECK(res.body() == "data: 0\n\ndata: 1\n\n");
}

TEST_CASE("Expect: 100-continue is honoured") {
  test_server s;
  client c(s.port);
  c.send_raw(
      "POST /v1/body HTTP/1.1\r\nHost: x\r\nX-API-Key: mkey\r\nExpect: 100-continue\r\nContent-Length: "
      "4\r\n\r\n");
  auto interim = c.read();
  CHECK(interim.result_int() == 100);
  c.send_raw("abcd");
  auto res = c.read();
  CHECK(res.result_int() == 200);
  CHECK(res.body() == "4");
}

TEST_CASE("graceful shutdown lets in-flight requests finish and closes idle connections") {
  test_server s;
  client idle(s.port);
  CHECK(idle.get("/health").result_int() == 200);
  client busy(s.port);
  busy.send_raw("GET /slow/300 HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(s.slow_entered.get_future().wait_for(5s) == std::future_status::ready);
  auto fut = std::async(std::launch::async, [&] { return s.shutdown(5s); });
  auto res = busy.read();
  CHECK(res.result_int() == 200);
  CHECK(res.body() == "slow done");
  CHECK_FALSE(res.keep_alive());
  CHECK(idle.closed_by_server());
  CHECK(fut.get() < 3s);
  CHECK(s.srv->draining());
  net::io_context io;
  net::ip::tcp::socket late(io);
  boost::system::error_code ec;
  late.connect({net::ip::make_address("127.0.0.1"), s.port}, ec);
  CHECK(ec);  // no longer accepting
}

TEST_CASE("shutdown closes connections that outlive the grace period") {
  test_server s;
  client busy(s.port);
  busy.send_raw("GET /slow/20000 HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(s.slow_entered.get_future().wait_for(5s) == std::future_status::ready);
  auto took = s.shutdown(200ms);
  CHECK(took < 3s);
  CHECK(busy.closed_by_server());
}

// The server sets TCP_NODELAY once, on its listener, and relies on the kernel
// copying it to every accepted socket (streamed pieces must not wait for ACKs).
TEST_CASE("accepted sockets inherit TCP_NODELAY from the listener") {
  net::io_context ioc;
  net::ip::tcp::acceptor acceptor(ioc);
  acceptor.open(net::ip::tcp::v4());
  acceptor.set_option(net::ip::tcp::no_delay(true));
  acceptor.bind({net::ip::address_v4::loopback(), 0});
  acceptor.listen();
  net::ip::tcp::socket client(ioc), accepted(ioc);
  client.connect(acceptor.local_endpoint());
  acceptor.accept(accepted);
  net::ip::tcp::no_delay option;
  accepted.get_option(option);
  CHECK(option.value());
}
