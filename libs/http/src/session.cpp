// One connection: read requests under limits and timeouts, call the handler,
// write complete or streamed (chunked) responses, keep-alive until idle; on a
// handler's request, watch for the client closing the connection meanwhile.
#include "server_state.hpp"
#include "studio/http/write_now.hpp"

#include "studio/http/error_shape.hpp"
#include "studio/http/op_deadline.hpp"
#include "studio/http/stall_watchdog.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <sys/socket.h>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>

namespace studio::http {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using net::ip::tcp;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// A path with the error shape a partly received request gets (only the shape
// depends on the path: see error_style_for_path), taken before the parser
// consumes the buffer; a literal, so nothing is copied per request.
std::string_view error_path_for(const beast::flat_buffer& buffer) {
  std::string_view data(static_cast<const char*>(buffer.data().data()), buffer.size());
  auto sp = data.find(' ');
  if (sp == std::string_view::npos) return "/";
  data.remove_prefix(sp + 1);
  auto end = data.find_first_of(" ?\r\n");
  return error_style_for_path(data.substr(0, end)) == error_style::openai ? "/v1/" : "/";
}

bool same_name(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

// Whether headers[from..] has a field called `name`.
bool named_later(const header_list& headers, std::string_view name, std::size_t from) {
  for (std::size_t i = from; i < headers.size(); ++i) {
    if (same_name(headers[i].first, name)) return true;
  }
  return false;
}

// A response head as it goes on the wire: status line, Server and
// Content-Type (a handler's header of the same name replaces them, and of two
// with one name the last wins, as Beast's set() did), the framing fields the
// session owns (Content-Length when `length` is given, chunked, Connection),
// blank line. Written as text: no Beast fields container or serializer.
std::string response_head(unsigned status, unsigned version, std::string_view content_type,
                          const header_list& headers, std::optional<std::size_t> length, bool chunked,
                          bool keep_alive) {
  std::string out;
  out.reserve(160 + content_type.size());
  out += version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  out += std::to_string(status);
  out += ' ';
  out += bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  out += "\r\n";
  const auto field = [&out](std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  };
  if (!named_later(headers, "Server", 0)) field("Server", "studio-gateway");
  if (!named_later(headers, "Content-Type", 0)) field("Content-Type", content_type);
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const auto& [name, value] = headers[i];
    if (same_name(name, "Content-Length") || same_name(name, "Transfer-Encoding") ||
        same_name(name, "Connection"))
      continue;  // framing is the session's
    if (!named_later(headers, name, i + 1)) field(name, value);
  }
  if (length) field("Content-Length", std::to_string(*length));
  if (chunked) field("Transfer-Encoding", "chunked");
  if (version >= 11 && !keep_alive) field("Connection", "close");
  if (version < 11 && keep_alive) field("Connection", "keep-alive");
  out += "\r\n";
  return out;
}

// A whole response in one gather write: the head as text, then the body as
// it is (no serializer walking a composite buffer sequence, no body copy).
// Tried at once with one non-blocking write (complete_write_now, a plain
// function: usually the socket takes it all, and no coroutine is needed);
// what the socket did not take goes out with write_complete_rest.
struct complete_write {
  std::string head;
  response res;
  std::size_t body_size = 0;
  std::size_t written = 0;
  boost::system::error_code ec;

  std::array<net::const_buffer, 2> bytes() const {
    return {net::buffer(head), net::buffer(res.body.data(), body_size)};
  }
  bool done() const { return ec || written == head.size() + body_size; }
};

complete_write complete_write_now(connection& c, response res, unsigned version, bool keep_alive) {
  complete_write w;
  // As prepare_payload would: no length on 1xx, 204 and 304 (which have no body).
  const bool bodiless = res.status / 100 == 1 || res.status == 204 || res.status == 304;
  w.body_size = bodiless ? 0 : res.body.size();
  w.head =
      response_head(res.status, version, res.content_type, res.headers,
                    bodiless ? std::nullopt : std::optional<std::size_t>(res.body.size()), false, keep_alive);
  w.res = std::move(res);
  w.written = write_now(c.stream.socket(), w.bytes(), w.ec);
  return w;
}

// True when the whole response went out.
net::awaitable<bool> write_complete_rest(connection& c, const server_limits& limits, complete_write& w) {
  if (!w.done()) {
    c.stream.expires_after(limits.write_timeout);
    auto [aec, n] = co_await net::async_write(c.stream, unwritten(w.bytes(), w.written), use_tuple);
    w.ec = aec;
  }
  co_return !w.ec;
}

net::awaitable<bool> write_complete(connection& c, const server_limits& limits, response res,
                                    unsigned version, bool keep_alive) {
  complete_write w = complete_write_now(c, std::move(res), version, keep_alive);
  co_return co_await write_complete_rest(c, limits, w);
}

// A connection's client-gone watch: what the session, the request's writer
// and a pending peek share. The peek may outlive the request: it is not
// cancelled when the handler ends but becomes the keep-alive wait for the
// next request (await_next_request), which saves the cancellation and a read
// that would find nothing yet. No pending peek keeps the session alive: while
// the session awaits it, the peek's handler holds the only reference.
struct client_watch {
  using waiter_fn =
      net::any_completion_handler<void(boost::system::error_code, std::shared_ptr<client_watch>)>;
  std::function<void()> on_gone;
  bool active = true;  // still watching: the handler runs and no pipelined bytes were seen
  bool armed = false;  // a peek is pending
  bool gone = false;   // the peek saw the client close (FIN or reset)
  bool data = false;   // the peek saw bytes (the next request, or a pipelined one)
  char byte = 0;       // the peek's target (MSG_PEEK: nothing is consumed)
  waiter_fn waiter;    // the session, awaiting the peek between requests

  // A new request: the watch starts over (a pending peek keeps watching).
  void restart() {
    on_gone = nullptr;
    active = true;
    gone = false;
    data = false;
  }
};

// Peeks at the client socket until something happens: the client gone (FIN
// or reset) calls on_gone; data (a pipelined request) ends the watch without a
// verdict. Between requests, the session awaiting the peek is resumed instead.
// A peeking receive, not a readiness wait: the reactor tries it at once when
// readiness may have come before (a FIN before the watch), and it needs no
// re-registration of the socket with epoll.
void arm_client_watch(const std::shared_ptr<client_watch>& w, tcp::socket& socket) {
  w->armed = true;
  socket.async_receive(net::buffer(&w->byte, 1), tcp::socket::message_peek,
                       [w](const boost::system::error_code& ec, std::size_t n) {
                         w->armed = false;
                         const bool aborted = ec == net::error::operation_aborted;
                         if (!aborted) (!ec && n > 0 ? w->data : w->gone) = true;
                         if (w->waiter) {
                           auto resume = std::move(w->waiter);
                           std::move(resume)(ec, w);
                           return;
                         }
                         if (aborted || !w->active) return;  // cancelled (socket closed), or over
                         if (w->data) {
                           w->active = false;  // pipelined: no verdict
                           return;
                         }
                         if (auto fn = std::move(w->on_gone)) fn();
                       });
}

// Resumes when the pending peek of `w` completes; hands `w` back with it.
template <class Token>
auto async_await_peek(std::shared_ptr<client_watch> w, Token&& token) {
  return net::async_initiate<Token, void(boost::system::error_code, std::shared_ptr<client_watch>)>(
      [](auto handler, std::shared_ptr<client_watch> watch) {
        // Not `waiter = ...`: Boost 1.81's move assignment of any_completion_handler
        // recurses (it copies from an lvalue through its converting constructor).
        client_watch::waiter_fn(std::move(handler)).swap(watch->waiter);
      },
      token, std::move(w));
}

// A chunk-size line ("1a2\r\n") written into `out` (at least 20 bytes);
// returns its length. By hand: snprintf's format parsing showed up per
// relayed token.
std::size_t chunk_size_line(std::size_t size, char* out) {
  char digits[16];
  std::size_t n = 0;
  do {
    digits[n++] = "0123456789abcdef"[size & 0xf];
    size >>= 4;
  } while (size != 0);
  for (std::size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  out[n] = '\r';
  out[n + 1] = '\n';
  return n + 2;
}

// Streams a response as chunks (HTTP/1.1) or as a close-delimited body (HTTP/1.0).
class chunked_writer final : public response_stream {
 public:
  // `watch` and `deadline` are the connection's (the session's), shared by its requests.
  chunked_writer(connection& c, const server_limits& limits, unsigned version, bool keep_alive,
                 std::shared_ptr<client_watch>& watch, op_deadline& deadline)
      : conn_(c),
        limits_(limits),
        version_(version),
        keep_alive_(keep_alive && version >= 11),
        watch_(watch),
        deadline_(deadline) {
    if (watch_) watch_->restart();
  }
  ~chunked_writer() override { stop_alarm(); }
  chunked_writer(const chunked_writer&) = delete;
  chunked_writer& operator=(const chunked_writer&) = delete;

  net::awaitable<bool> write_head(unsigned status, std::string_view content_type,
                                  const header_list& headers) override {
    co_return co_await write_head_and_body(status, content_type, headers, {});
  }

  // One gather write: the head as text, then the first chunk (if any).
  net::awaitable<bool> write_head_and_body(unsigned status, std::string_view content_type,
                                           const header_list& headers, std::string_view first_body) override {
    std::string head =
        response_head(status, version_, content_type, headers, std::nullopt, version_ >= 11, keep_alive_);
    const bool chunk = version_ >= 11 && !first_body.empty();
    if (chunk) {
      char size[24];
      head.append(size, chunk_size_line(first_body.size(), size));
    }
    const std::array<net::const_buffer, 3> buffers{net::buffer(head), net::buffer(first_body),
                                                   net::buffer("\r\n", chunk ? 2 : 0)};
    boost::system::error_code ec;
    const std::size_t written = write_now(conn_.stream.socket(), buffers, ec);
    // A stream is long: a watch waiting for its delay starts now (and one
    // asked for later starts at once).
    head_sent_ = true;
    if (alarm_set_) {
      stop_alarm();
      arm_now();
    }
    if (!ec && written < net::buffer_size(buffers)) {
      conn_.stream.expires_after(limits_.write_timeout);
      auto [aec, n] = co_await net::async_write(conn_.stream, unwritten(buffers, written), use_tuple);
      ec = aec;
    }
    ok_ = !ec;
    co_return ok_;
  }

  // Not coroutines themselves: the caller awaits write_chunk's frame directly.
  net::awaitable<bool> write_body(std::string_view data) override { return write_chunk(data, false); }

  // The last piece and the end of the body in one socket write.
  net::awaitable<bool> write_last_body(std::string_view data) override { return write_chunk(data, true); }

  // Ends the body (unless the last piece did); true if the connection may be reused.
  net::awaitable<bool> finish() {
    if (watchdog_) watchdog_->stop();
    if (!ok_ || version_ < 11) co_return false;
    if (!ended_) {
      const std::array<net::const_buffer, 1> end{net::buffer(body_end, end_size)};
      boost::system::error_code ec;
      const std::size_t written = write_now(conn_.stream.socket(), end, ec);
      if (!ec && written < end_size) {
        conn_.stream.expires_after(limits_.write_timeout);
        auto [aec, n] = co_await net::async_write(conn_.stream, unwritten(end, written), use_tuple);
        ec = aec;
      }
      if (ec) co_return false;
    }
    co_return keep_alive_;
  }

  // Watching starts after limits_.client_watch_delay (an alarm on the
  // connection's op_deadline), or when the response stream starts (at once
  // when it has); a call without a function before then cancels the wait.
  void watch_client(std::function<void()> on_gone) override {
    if (!watch_) watch_ = std::make_shared<client_watch>();
    const bool wanted = static_cast<bool>(on_gone);
    watch_->on_gone = watch_->gone || !watch_->active ? nullptr : std::move(on_gone);
    if (!may_arm()) return;
    if (!wanted) {
      stop_alarm();
    } else if (head_sent_ || limits_.client_watch_delay.count() <= 0) {
      arm_now();
    } else if (!alarm_set_) {
      deadline_.set_alarm(limits_.client_watch_delay, &chunked_writer::on_alarm, this);
      alarm_set_ = true;
    }
  }

  bool client_gone() const override { return watch_ && watch_->gone; }

  op_deadline* deadline() override { return &deadline_; }

  // The handler is done: no more calls. A pending peek stays: the session
  // awaits it as the wait for the next request.
  void end_watch() {
    stop_alarm();
    if (!watch_) return;
    watch_->active = false;
    watch_->on_gone = nullptr;
  }

 private:
  connection& conn_;
  const server_limits& limits_;
  unsigned version_;
  bool keep_alive_;
  // A stream's pieces share one write timer (see stall_watchdog) instead of
  // arming the stream's deadline per piece; a stalled write closes the socket.
  void watch_writes() {
    if (watchdog_) return;
    conn_.stream.expires_never();
    watchdog_.emplace(conn_.stream.get_executor(), limits_.write_timeout, [this] {
      boost::system::error_code ignored;
      conn_.stream.socket().close(ignored);
    });
  }

  // A watch exists, no peek is pending, and it has no verdict yet.
  bool may_arm() const { return watch_ && !watch_->armed && !watch_->gone && watch_->active; }
  void arm_now() {
    if (may_arm()) arm_client_watch(watch_, conn_.stream.socket());
  }
  static void on_alarm(void* writer) {
    auto* self = static_cast<chunked_writer*>(writer);
    self->alarm_set_ = false;
    self->arm_now();
  }
  void stop_alarm() {
    if (!alarm_set_) return;
    deadline_.clear_alarm();
    alarm_set_ = false;
  }

  static constexpr const char* body_end = "0\r\n\r\n";
  static constexpr std::size_t end_size = 5;

  // One piece as a chunk (HTTP/1.1) or as it is (HTTP/1.0); with `last`, the
  // chunked body's end goes in the same write.
  net::awaitable<bool> write_chunk(std::string_view data, bool last) {
    const bool chunked = version_ >= 11;
    const bool end_now = last && chunked && ok_;
    if (!ok_ || (data.empty() && !end_now)) co_return ok_;
    // Straight to the socket: the watchdog is the deadline of a write that
    // has to wait, so the stream's own timer layer would only add work.
    auto& socket = conn_.stream.socket();
    char size_line[24];
    std::size_t size_len = 0;
    // The chunk as plain buffers (size line, data, CRLF, maybe the end):
    // cheaper to walk than Beast's chunk_body sequence, on every relayed piece.
    if (chunked && !data.empty()) size_len = chunk_size_line(data.size(), size_line);
    const std::array<net::const_buffer, 4> chunk{net::buffer(size_line, size_len), net::buffer(data),
                                                 net::buffer("\r\n", size_len > 0 ? 2 : 0),
                                                 net::buffer(body_end, end_now ? end_size : 0)};
    if (end_now) ended_ = true;
    // Usually the socket takes the whole piece at once (see write_now.hpp).
    boost::system::error_code ec;
    const std::size_t written = write_now(socket, chunk, ec);
    if (!ec && written < net::buffer_size(chunk)) {
      watch_writes();
      watchdog_->begin();
      auto [aec, n] = co_await net::async_write(socket, unwritten(chunk, written), use_tuple);
      ec = aec;
      watchdog_->end();
    }
    ok_ = !ec;
    co_return ok_;
  }

  bool ok_ = true;
  bool alarm_set_ = false;                // the watch waits for its delay (an alarm on deadline_)
  bool head_sent_ = false;                // the response stream has started
  bool ended_ = false;                    // the chunked body's end went out with the last piece
  std::shared_ptr<client_watch>& watch_;  // the session's; created by the first watch_client call
  op_deadline& deadline_;
  std::optional<stall_watchdog> watchdog_;  // created by the first body piece
};

// A fresh connection's request has usually arrived by the time it is
// accepted: it is taken with one non-blocking recv() (a plain function), not
// an asynchronous read that completes at once through the scheduler's queue.
// True: bytes are in `buffer`; false: the peer closed before sending any;
// nullopt: nothing yet (await_request_start waits).
std::optional<bool> take_arrived_request(connection& c, beast::flat_buffer& buffer) {
  const auto room = buffer.prepare(8192);
  for (;;) {
    const ::ssize_t n = ::recv(c.stream.socket().native_handle(), room.data(), room.size(), MSG_DONTWAIT);
    if (n > 0) {
      buffer.commit(static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) return false;                 // closed before sending anything
    if (errno != EINTR) return std::nullopt;  // not there yet (or an error the asynchronous read reports)
  }
}

// Waits for the first byte of a new connection's first request. False when
// the peer closed, the wait timed out, or the server is draining.
net::awaitable<bool> await_request_start(connection& c, beast::flat_buffer& buffer,
                                         std::chrono::milliseconds timeout) {
  if (buffer.size() > 0) co_return true;
  c.stream.expires_after(timeout);
  auto [ec, n] = co_await c.stream.async_read_some(buffer.prepare(8192), use_tuple);
  if (ec) co_return false;
  buffer.commit(n);
  co_return true;
}

void close_connection(void* c) {
  boost::system::error_code ignored;
  static_cast<connection*>(c)->stream.socket().close(ignored);
}

// The keep-alive wait: for the first byte of the next request, under the
// connection's op_deadline (no timer armed and cancelled per request). A
// client watch's peek still pending from the last request is this wait
// already: its completion is awaited, then the bytes are taken with a plain
// recv(). False when the peer closed, the wait timed out (the deadline closed
// the socket), or the server is draining (it closed an idle socket).
net::awaitable<bool> await_next_request(connection& c, beast::flat_buffer& buffer,
                                        std::chrono::milliseconds timeout, op_deadline& deadline,
                                        std::shared_ptr<client_watch>& watch) {
  if (buffer.size() > 0) co_return true;
  deadline.begin(timeout, close_connection, &c);
  if (watch && watch->armed) {
    auto [ec, w] = co_await async_await_peek(std::move(watch), use_tuple);
    watch = std::move(w);
    if (ec || !watch->data) {
      deadline.end();
      co_return false;
    }
    if (auto arrived = take_arrived_request(c, buffer)) {
      deadline.end();
      co_return *arrived;
    }
  }
  auto [ec, n] = co_await c.stream.socket().async_read_some(buffer.prepare(8192), use_tuple);
  deadline.end();
  if (ec) co_return false;
  buffer.commit(n);
  co_return true;
}

// Feeds the parser what is already buffered, without waiting for more: stops
// when the request is complete, or when more bytes are needed (not an error).
boost::system::error_code parse_buffered(bhttp::request_parser<bhttp::string_body>& parser,
                                         beast::flat_buffer& buffer) {
  parser.eager(true);
  while (!parser.is_done() && buffer.size() > 0) {
    boost::system::error_code ec;
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == bhttp::error::need_more) return {};
    if (ec) return ec;
    if (used == 0) return {};
  }
  return {};
}

unsigned status_for_read_error(const boost::system::error_code& ec) {
  if (ec == bhttp::error::header_limit) return 431;
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == beast::error::timeout || ec == net::error::eof || ec == bhttp::error::end_of_stream ||
      ec == net::error::connection_reset || ec == net::error::operation_aborted) {
    return 0;  // nothing useful to say to a peer that is gone or too slow
  }
  return 400;
}

std::string message_for_status(unsigned status, const server_limits& limits) {
  switch (status) {
    case 431:
      return "request header fields too large (limit " + std::to_string(limits.max_header_bytes) + " bytes)";
    case 413:
      return "request body too large (limit " + std::to_string(limits.max_body_bytes) + " bytes)";
    default:
      return "malformed HTTP request";
  }
}

}  // namespace

net::awaitable<void> run_session(std::shared_ptr<server::state> st, tcp::socket socket) {
  auto conn = std::make_shared<connection>(std::move(socket));
  auto registration = st->add(st, conn);
  const server_limits& limits = st->limits;
  beast::flat_buffer buffer;
  bool first = true;
  unsigned served = 0;                  // requests read on this connection
  std::shared_ptr<client_watch> watch;  // created by a handler's first watch_client
  op_deadline deadline(conn->stream.get_executor());

  for (;;) {
    conn->idle = true;
    if (st->draining) break;
    std::optional<bool> arrived;
    if (first) arrived = take_arrived_request(*conn, buffer);
    if (!arrived && first) arrived = co_await await_request_start(*conn, buffer, limits.header_timeout);
    if (!arrived) arrived = co_await await_next_request(*conn, buffer, limits.idle_timeout, deadline, watch);
    const bool started = *arrived;
    if (!started) break;
    conn->idle = false;
    first = false;
    const std::string_view early_path = error_path_for(buffer);  // for errors before the target is parsed

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    // A request that arrived whole (the usual case) is parsed right here; the
    // async reads below would only complete at once, each through the queue.
    boost::system::error_code hec = parse_buffered(parser, buffer);
    if (!hec && !parser.is_header_done()) {
      conn->stream.expires_after(limits.header_timeout);
      auto [rec, rn] = co_await bhttp::async_read_header(conn->stream, buffer, parser, use_tuple);
      hec = rec;
    }
    if (!hec && parser.get()[bhttp::field::expect] == "100-continue" && !parser.is_done()) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
      conn->stream.expires_after(limits.write_timeout);
      auto [cec, cn] = co_await bhttp::async_write(conn->stream, cont, use_tuple);
      if (cec) break;
    }
    boost::system::error_code ec = hec;
    if (!ec && !parser.is_done()) {
      conn->stream.expires_after(limits.body_timeout);
      auto [bec, bn] = co_await bhttp::async_read(conn->stream, buffer, parser, use_tuple);
      ec = bec;
    }
    if (ec) {
      unsigned status = status_for_read_error(ec);
      if (status != 0) {
        co_await write_complete(
            *conn, limits, error_response(early_path, status, message_for_status(status, limits)), 11, false);
      }
      break;
    }

    request req = parser.release();
    // A long handler (a stream) should not hold the read buffer's 8 KiB; it
    // is allocated again for the next request.
    if (buffer.size() == 0) buffer.shrink_to_fit();
    const unsigned version = req.version();
    const bool last_allowed =
        limits.max_requests_per_connection != 0 && ++served >= limits.max_requests_per_connection;
    bool keep_alive = req.keep_alive() && !last_allowed;
    const bool log_timing = spdlog::should_log(spdlog::level::debug);
    const auto started_at =
        log_timing ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    chunked_writer writer(*conn, limits, version, keep_alive, watch, deadline);
    request_context ctx(req, &writer);
    response res;
    bool failed = false;
    try {
      res = co_await st->handler(ctx);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: handler failed: {}", req.method_string(), ctx.path(), e.what());
      failed = true;
    }
    if (failed && !ctx.streaming()) res = error_response(ctx.path(), 500, "internal server error");
    writer.end_watch();
    keep_alive = keep_alive && !st->draining && !ctx.client_gone();

    if (ctx.client_gone()) break;  // nobody to answer
    bool reusable = false;
    if (ctx.streaming()) {
      reusable = co_await writer.finish();
    } else {
      complete_write w = complete_write_now(*conn, std::move(res), version, keep_alive);
      reusable = w.done() ? !w.ec : co_await write_complete_rest(*conn, limits, w);
    }
    if (log_timing) {  // the arguments cost a string per request
      auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                           started_at);
      spdlog::debug("{} {} -> {} in {} us", req.method_string(), ctx.path(),
                    ctx.streaming() ? std::string("stream") : std::to_string(res.status), elapsed.count());
    }
    if (!reusable || !keep_alive) break;
  }

  // close() sends the FIN itself (a shutdown first would only add a syscall:
  // nothing is read after it).
  boost::system::error_code ignored;
  conn->stream.socket().close(ignored);
}

}  // namespace studio::http
