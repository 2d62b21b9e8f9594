// forward(): connect or reuse, send, read the head, then pass a complete body
// through or relay a streamed one piece by piece; the client connection is
// watched meanwhile, and the upstream closed at once when the client leaves.
#include "studio/proxy/proxy.hpp"

#include "studio/http/error_shape.hpp"
#include "studio/http/op_deadline.hpp"
#include "studio/http/write_now.hpp"
#include "studio/proxy/forwarding.hpp"
#include "studio/proxy/sse.hpp"
#include "studio/proxy/token_usage.hpp"
#include "studio/proxy/upstream_response.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <array>
#include <memory>
#include <span>

// g++ 12 reports -Wmismatched-new-delete for these coroutines' frames (Asio's frame
// allocator's own operator new/delete pair) after inlining: a false positive.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace studio::proxy {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using boost::system::error_code;
using net::ip::tcp;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

std::string pool_key(const upstream& up) { return up.host + ":" + std::to_string(up.port); }

std::chrono::microseconds since(pool_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(pool_clock::now() - t);
}

// Closes at once with a reset, so the upstream sees the cancel on its next write.
void abort_connection(connection_ptr& c) {
  if (!c) return;
  error_code ignored;
  auto& socket = c->stream.socket();
  socket.set_option(net::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
  c.reset();
}

net::awaitable<std::pair<error_code, connection_ptr>> connect(const upstream& up, const proxy_options& opt) {
  auto ex = co_await net::this_coro::executor;
  auto c = std::make_unique<upstream_connection>(ex, pool_key(up));
  // Reads take what has arrived, up to this much (a flat_buffer reads at most
  // its capacity, and at least 512 bytes).
  c->buffer.reserve(std::max<std::size_t>(opt.upstream_read_bytes, 512));
  c->stream.expires_after(opt.connect_timeout);
  // Instances listen on 127.0.0.1: a numeric host needs no resolver (whose
  // getaddrinfo runs on Asio's one background thread: a hop per connect).
  error_code aec;
  const auto address = net::ip::make_address(up.host, aec);
  if (!aec) {
    auto [cec] = co_await c->stream.async_connect(tcp::endpoint(address, up.port), use_tuple);
    if (cec) co_return std::pair{cec, nullptr};
  } else {
    tcp::resolver resolver(ex);
    auto [rec, endpoints] = co_await resolver.async_resolve(up.host, std::to_string(up.port), use_tuple);
    if (rec) co_return std::pair{rec, nullptr};
    auto [cec, ep] = co_await c->stream.async_connect(endpoints, use_tuple);
    if (cec) co_return std::pair{cec, nullptr};
  }
  error_code ignored;
  c->stream.socket().set_option(tcp::no_delay(true), ignored);
  co_return std::pair{error_code{}, std::move(c)};
}

// Closes the socket with a reset but keeps the object: operations pending on
// it end with operation_aborted, and their coroutine cleans up.
void reset_socket(upstream_connection& c) {
  error_code ignored;
  auto& socket = c.stream.socket();
  socket.set_option(net::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

// Watches the client for the duration of one forward() call: when it goes,
// the upstream connection in use (if any) is reset at once.
class client_watch_scope {
 public:
  client_watch_scope(http::request_context& ctx, connection_ptr& conn) : ctx_(ctx) {
    ctx_.watch_client([&conn] {
      if (conn) reset_socket(*conn);
    });
  }
  ~client_watch_scope() { ctx_.watch_client({}); }
  client_watch_scope(const client_watch_scope&) = delete;
  client_watch_scope& operator=(const client_watch_scope&) = delete;

 private:
  http::request_context& ctx_;
};

void add_counts(relay_stats& st, std::string_view text) {
  const token_counts counts = find_token_counts(text);
  st.prompt_tokens = counts.prompt;
  st.completion_tokens = counts.completion;
}

// Feeds `parser` what `received` holds until `done` (the head, or the whole
// message), without waiting for more bytes.
template <class Parser, class Done>
error_code parse_buffered(Parser& parser, beast::flat_buffer& received, Done done) {
  while (!done() && received.size() > 0) {
    error_code ec;
    const std::size_t used = parser.put(received.data(), ec);
    received.consume(used);
    if (ec == bhttp::error::need_more) return {};
    if (ec) return ec;
    if (used == 0) return {};
  }
  return {};
}

// The most one upstream read asks for.
constexpr std::size_t max_read_room = 64 * 1024;

void reset_upstream(void* c) { reset_socket(*static_cast<upstream_connection*>(c)); }

// One read from the upstream, at most `timeout` long: under the client
// connection's op_deadline when there is one (no timer armed and cancelled per
// read), else under the stream's own deadline.
net::awaitable<std::pair<error_code, std::size_t>> read_some_within(upstream_connection& c,
                                                                    net::mutable_buffer room,
                                                                    std::chrono::milliseconds timeout,
                                                                    http::op_deadline* deadline) {
  if (deadline == nullptr) {
    c.stream.expires_after(timeout);
    auto [ec, n] = co_await c.stream.async_read_some(room, use_tuple);
    co_return std::pair{ec, n};
  }
  deadline->begin(timeout, reset_upstream, &c);
  auto [ec, n] = co_await c.stream.socket().async_read_some(room, use_tuple);
  deadline->end();
  if (ec && deadline->expired()) ec = beast::error::timeout;
  co_return std::pair{ec, n};
}

// Reads from the upstream until the parser is `done`: bytes already received
// first, then plain reads (read_some_within) and parser.put(). Cheaper per
// request than Beast's async_read_header / async_read (two composed
// operations around each read); end of stream as they report it.
template <class Parser, class Done>
net::awaitable<error_code> read_upstream(upstream_connection& c, Parser& parser, Done done,
                                         std::chrono::milliseconds timeout, http::op_deadline* deadline) {
  error_code ec = parse_buffered(parser, c.buffer, done);
  while (!ec && !done()) {
    const std::size_t asked = beast::read_size(c.buffer, max_read_room);
    auto [rec, n] = co_await read_some_within(c, c.buffer.prepare(asked), timeout, deadline);
    c.buffer.commit(n);
    // A full read: a large body is coming (an embeddings batch); read it in
    // bigger steps (the room goes back to normal in the pool).
    if (n == asked && c.buffer.capacity() < max_read_room)
      c.buffer.reserve(std::min(c.buffer.capacity() * 2, max_read_room));
    if (rec == net::error::eof) {
      if (!parser.got_some()) co_return bhttp::error::end_of_stream;
      parser.put_eof(ec);  // ends a close-delimited body; a partial message otherwise
      if (!ec && !done()) ec = bhttp::error::partial_message;
      co_return ec;
    }
    if (rec) co_return rec;
    ec = parse_buffered(parser, c.buffer, done);
  }
  co_return ec;
}

// After a read: parses the chunks already received into the relay buffer too,
// so that several SSE events that arrived together cost one client write, not
// one each. Never waits for more bytes (a read_some with the parser's eager
// option would, holding back the pieces it has).
error_code take_buffered_pieces(upstream_response_parser& parser, beast::flat_buffer& received) {
  while (!parser.is_done() && parser.room_left() > 0 && received.size() > 0) {
    error_code ec;
    const std::size_t used = parser.put(received.data(), ec);
    received.consume(used);
    if (ec) return ec == bhttp::error::need_more || ec == bhttp::error::need_buffer ? error_code{} : ec;
    if (used == 0) return {};
  }
  return {};
}

// The relay's buffer: uninitialised (only the bytes a read fills are ever
// touched), replaced by a larger one when a burst asks for it.
class relay_buffer {
 public:
  explicit relay_buffer(std::size_t size)
      : size_(std::max<std::size_t>(size, 256)), bytes_(std::make_unique_for_overwrite<char[]>(size_)) {}
  char* data() { return bytes_.get(); }
  std::size_t size() const { return size_; }
  // Larger; what it held is dropped (called only while it holds nothing).
  void grow_to(std::size_t size) {
    if (size <= size_) return;
    bytes_ = std::make_unique_for_overwrite<char[]>(size);
    size_ = size;
  }

 private:
  std::size_t size_;
  std::unique_ptr<char[]> bytes_;
};

// A connection goes back to the pool with its usual read room (a burst may
// have grown it), so idle connections stay small.
void settle_read_buffer(upstream_connection& c, const proxy_options& opt) {
  const std::size_t room = std::max<std::size_t>(opt.upstream_read_bytes, 512);
  if (c.buffer.capacity() <= room) return;
  c.buffer.shrink_to_fit();
  c.buffer.reserve(room);
}

std::string describe(const error_code& ec, const upstream& up) {
  if (ec == beast::error::timeout) return "upstream " + pool_key(up) + " timed out";
  return "upstream " + pool_key(up) + ": " + ec.message();
}

}  // namespace

proxy_client::proxy_client(proxy_options options) : options_(options), pool_(options.pool) {}

std::size_t proxy_client::idle_connections(const upstream& up) const {
  return pool_.idle_count(pool_key(up));
}

net::awaitable<http::response> proxy_client::forward(http::request_context& ctx, const upstream& up,
                                                     std::string_view target,
                                                     std::optional<std::string> body_override,
                                                     relay_stats* stats) {
  relay_stats local;
  relay_stats& st = stats ? *stats : local;
  st = relay_stats{};
  const auto started = pool_clock::now();
  const auto fail = [&](unsigned status, const std::string& message) {
    st.status = status;
    st.upstream_failed = true;
    st.duration = since(started);
    spdlog::warn("proxy {} {}: {}", ctx.req().method_string(), ctx.path(), message);
    return http::error_response(ctx.path(), status, message);
  };

  const auto client_left = [&] {
    st.client_gone = true;
    if (!st.streamed) st.status = 499;
    st.duration = since(started);
    spdlog::debug("proxy {} {}: client gone, upstream closed", ctx.req().method_string(), ctx.path());
    return http::error_response(ctx.path(), 499, "client closed the connection");
  };

  const std::string_view body =
      body_override ? std::string_view(*body_override) : std::string_view(ctx.req().body());
  std::string head_text = upstream_request_head(ctx.req(), up, target, body.size());
  const bool head_request = ctx.req().method() == bhttp::verb::head;
  connection_ptr conn;
  // Armed once the request is on its way (its syscalls then overlap the
  // upstream's work instead of delaying the request); after conn: ends first.
  std::optional<client_watch_scope> watch;
  std::optional<upstream_response_parser> parser;
  for (int attempt = 0;; ++attempt) {
    conn = pool_.take(pool_key(up), attempt == 0 ? started : pool_clock::now());
    const bool reused = conn != nullptr;
    st.reused_connection = reused;
    if (!conn) {
      auto [ec, fresh] = co_await connect(up, options_);
      if (ctx.client_gone()) co_return client_left();
      if (ec) co_return fail(ec == net::error::connection_refused ? 503 : 502, describe(ec, up));
      conn = std::move(fresh);
    }
    ++conn->requests;
    const std::array<net::const_buffer, 2> request_bytes{net::buffer(head_text), net::buffer(body)};
    error_code ec;
    const std::size_t written = http::write_now(conn->stream.socket(), request_bytes, ec);
    if (!ec && written < net::buffer_size(request_bytes)) {
      conn->stream.expires_after(options_.write_timeout);
      auto [wec, wn] =
          co_await net::async_write(conn->stream, http::unwritten(request_bytes, written), use_tuple);
      ec = wec;
    }
    if (!watch) watch.emplace(ctx, conn);
    parser.emplace();
    if (head_request) parser->skip(true);
    if (!ec) {
      upstream_response_parser& p = *parser;
      ec = co_await read_upstream(
          *conn, p, [&p] { return p.is_header_done(); }, options_.idle_timeout, ctx.deadline());
    }
    if (ctx.client_gone()) {
      abort_connection(conn);
      co_return client_left();
    }
    if (!ec) break;
    const bool seen = parser->got_some() || conn->buffer.size() > 0;
    abort_connection(conn);
    if (!retry_on_fresh_connection(reused, seen, attempt, ec)) co_return fail(502, describe(ec, up));
    st.retried = true;
  }

  head_text = std::string{};  // sent, no retry left: a long stream should not hold it
  body_override.reset();
  upstream_response_parser& answer = *parser;
  st.status = answer.status();
  std::string content_type = std::move(answer.content_type());
  if (content_type.empty()) content_type = "application/octet-stream";
  const bool sse = content_type.starts_with("text/event-stream");
  http::header_list headers = std::move(answer.headers());

  if (!sse && !answer.chunked()) {
    answer.set_collect_limit(options_.max_response_bytes);
    // Usually the whole body came with the head: parse it here rather than
    // through an asynchronous read (a coroutine) that would find it at once.
    answer.eager(true);
    const auto complete = [&answer] { return answer.is_done(); };
    error_code ec = parse_buffered(answer, conn->buffer, complete);
    if (!ec && !answer.is_done())
      ec = co_await read_upstream(*conn, answer, complete, options_.idle_timeout, ctx.deadline());
    if (ctx.client_gone()) {
      abort_connection(conn);
      co_return client_left();
    }
    if (ec) {
      abort_connection(conn);
      co_return fail(502, describe(ec, up));
    }
    const auto ended = pool_clock::now();
    if (keep_after_response(answer.is_done(), answer.keep_alive(), conn->requests, pool_.limits())) {
      settle_read_buffer(*conn, options_);
      pool_.give_back(std::move(conn), ended);
    }
    st.bytes = answer.body().size();
    if (content_type.starts_with("application/json")) add_counts(st, answer.body());
    st.first_byte = st.duration = std::chrono::duration_cast<std::chrono::microseconds>(ended - started);
    co_return http::response{st.status, std::move(content_type), std::move(answer.body()),
                             std::move(headers)};
  }

  // Streamed: relay each piece as it arrives, one buffer (grown for a burst),
  // each client write awaited before the next upstream read.
  st.streamed = true;
  // A handler may have started the stream already (the scheduler's ": loading"
  // SSE heartbeats while the model loaded): the relay continues on that stream.
  // Otherwise the head goes out together with the first piece (one write), or
  // alone when the upstream ends or fails before sending any.
  relay_buffer buffer(options_.relay_buffer_bytes);
  std::size_t read_room = std::max<std::size_t>(options_.upstream_read_bytes, 512);
  const std::size_t burst_room = std::max(options_.relay_burst_bytes, read_room);
  sse_event_counter events;
  std::string failure;
  // Each read's deadline is the client connection's op_deadline (read_some_within): no timer per piece.
  http::op_deadline* deadline = ctx.deadline();
  while (!parser->is_done()) {
    parser->relay_into(buffer.data(), buffer.size());
    // Bytes already received first (what did not fit the relay buffer last
    // time); read from the socket only when they give nothing. A plain socket
    // read and parser.put(): cheaper per piece than Beast's composed read.
    error_code ec = take_buffered_pieces(*parser, conn->buffer);
    if (!ec && parser->room_left() == buffer.size() && !parser->is_done()) {
      const std::size_t asked = beast::read_size(conn->buffer, read_room);
      auto [rec, n] =
          co_await read_some_within(*conn, conn->buffer.prepare(asked), options_.idle_timeout, deadline);
      conn->buffer.commit(n);
      ec = rec;
      if (!ec && n == asked && read_room < burst_room) {
        // A full read: more is waiting. The relay buffer is empty here.
        read_room = std::min(read_room * 2, burst_room);
        conn->buffer.reserve(read_room);
        buffer.grow_to(read_room);
        parser->relay_into(buffer.data(), buffer.size());
      }
      if (ec == net::error::eof) {
        ec = {};
        parser->put_eof(ec);  // ends a close-delimited body; a partial message otherwise
      }
      if (!ec) ec = take_buffered_pieces(*parser, conn->buffer);
    }
    if (ctx.client_gone()) {
      st.client_gone = true;
      abort_connection(conn);
      break;
    }
    const std::size_t got = buffer.size() - parser->room_left();
    if (got > 0) {
      const std::string_view piece(buffer.data(), got);
      if (st.bytes == 0) st.first_byte = since(started);
      st.bytes += got;
      events.feed(piece);
      bool sent = false;
      ++st.client_writes;
      if (ctx.streaming()) {
        // The last piece takes the body's end along (one write, not two).
        sent = parser->is_done() && !ec ? co_await ctx.write_last(piece) : co_await ctx.write(piece);
      } else {
        sent = co_await ctx.start_stream_with(st.status, content_type, headers, piece);
      }
      if (!sent) {
        st.client_gone = true;
        abort_connection(conn);
        break;
      }
    }
    if (ec) {
      failure = ec == beast::error::timeout
                    ? "upstream " + pool_key(up) + " stopped sending (idle timeout)"
                    : "upstream " + pool_key(up) + " failed mid-stream: " + ec.message();
      break;
    }
  }
  st.sse_events = events.events();
  if (sse && !st.client_gone) add_counts(st, events.last_event());
  if (!st.client_gone && !ctx.streaming()) {
    const bool head_sent = co_await ctx.start_stream(st.status, content_type, headers);
    if (!head_sent) {
      st.client_gone = true;
      abort_connection(conn);
    }
  }
  if (!failure.empty()) {
    st.upstream_failed = true;
    abort_connection(conn);
    spdlog::warn("proxy {} {}: {}", ctx.req().method_string(), ctx.path(), failure);
    if (sse && !st.client_gone) co_await ctx.write(sse_error_event(502, failure));
  } else if (conn &&
             keep_after_response(parser->is_done(), parser->keep_alive(), conn->requests, pool_.limits())) {
    settle_read_buffer(*conn, options_);
    pool_.give_back(std::move(conn), pool_clock::now());
  }
  st.duration = since(started);
  co_return http::response{};
}

}  // namespace studio::proxy
