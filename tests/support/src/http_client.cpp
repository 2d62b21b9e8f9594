// Blocking HTTP/1.1 test client: each call runs a private io_context until its
// one coroutine is done; Beast's tcp_stream supplies the timeouts.
#include "studio/test/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cctype>
#include <exception>
#include <system_error>

namespace studio::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bhttp::request<bhttp::string_body> make_request(const std::string& host, unsigned short port,
                                                const std::string& method, const std::string& target,
                                                const std::string& body, const header_list& headers,
                                                bool keep_alive = false) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, host + ":" + std::to_string(port));
  if (!keep_alive) req.set(bhttp::field::connection, "close");
  for (const auto& [name, value] : headers) req.insert(name, value);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    if (req.find(bhttp::field::content_type) == req.end()) {
      req.set(bhttp::field::content_type, "application/json");
    }
    req.body() = body;
    req.prepare_payload();
  }
  return req;
}

asio::awaitable<void> connect(beast::tcp_stream& stream, const std::string& host, unsigned short port) {
  tcp::resolver resolver(stream.get_executor());
  auto endpoints = co_await resolver.async_resolve(host, std::to_string(port), asio::use_awaitable);
  co_await stream.async_connect(endpoints, asio::use_awaitable);
}

void fill_head(http_result& out, const bhttp::response_header<>& head) {
  out.status = head.result_int();
  for (const auto& field : head) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
}

// Reads one whole response (no body for HEAD) into `out`.
asio::awaitable<void> read_response(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                    const std::string& method, http_result& out) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  if (method == "HEAD") parser.skip(true);
  co_await bhttp::async_read(stream, buffer, parser, asio::use_awaitable);
  fill_head(out, parser.get().base());
  out.body = std::move(parser.get().body());
}

// Runs `work` to completion on `ioc`; rethrows its failure as a
// std::system_error whose message names the request.
template <class Work>
void run_exchange_on(asio::io_context& ioc, const std::string& method, const std::string& target, Work work) {
  std::exception_ptr failure;
  asio::co_spawn(ioc, work(ioc), [&](std::exception_ptr e) { failure = e; });
  ioc.run();
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const boost::system::system_error& e) {
    throw std::system_error(std::error_code(e.code()), method + " " + target);
  }
}

// The same on a private io_context.
template <class Work>
void run_exchange(const std::string& method, const std::string& target, Work work) {
  asio::io_context ioc;
  run_exchange_on(ioc, method, target, work);
}

}  // namespace

std::optional<std::string> http_result::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

http_result request(const std::string& host, unsigned short port, const std::string& method,
                    const std::string& target, const std::string& body, const header_list& headers,
                    std::chrono::milliseconds timeout) {
  http_result result;
  auto req = make_request(host, port, method, target, body, headers);
  run_exchange(method, target, [&](asio::io_context& ioc) -> asio::awaitable<void> {
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);  // one deadline for the whole exchange
    co_await connect(stream, host, port);
    co_await bhttp::async_write(stream, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    co_await read_response(stream, buffer, method, result);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  });
  return result;
}

struct keep_alive_client::impl {
  std::string host;
  unsigned short port;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;

  template <class Work>
  void run(const std::string& method, const std::string& target, Work work) {
    ioc.restart();
    run_exchange_on(ioc, method, target, work);
  }
};

keep_alive_client::keep_alive_client(const std::string& host, unsigned short port,
                                     std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>()) {
  impl_->host = host;
  impl_->port = port;
  impl_->timeout = timeout;
  impl_->run("CONNECT", host, [this](asio::io_context&) -> asio::awaitable<void> {
    impl_->stream.expires_after(impl_->timeout);
    co_await connect(impl_->stream, impl_->host, impl_->port);
  });
}

keep_alive_client::~keep_alive_client() = default;

http_result keep_alive_client::request(const std::string& method, const std::string& target,
                                       const std::string& body, const header_list& headers) {
  http_result result;
  auto req = make_request(impl_->host, impl_->port, method, target, body, headers, true);
  impl_->run(method, target, [&](asio::io_context&) -> asio::awaitable<void> {
    auto& stream = impl_->stream;
    stream.expires_after(impl_->timeout);
    co_await bhttp::async_write(stream, req, asio::use_awaitable);
    co_await read_response(stream, impl_->buffer, method, result);
  });
  return result;
}

bool keep_alive_client::closed_by_server() {
  bool closed = false;
  impl_->run("READ", "(end of connection)", [&](asio::io_context&) -> asio::awaitable<void> {
    auto& stream = impl_->stream;
    stream.expires_after(impl_->timeout);
    char byte;
    auto [ec, n] =
        co_await stream.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
    closed = impl_->buffer.size() == 0 && n == 0 &&
             (ec == asio::error::eof || ec == asio::error::connection_reset);
  });
  return closed;
}

stream_result request_stream(const std::string& host, unsigned short port, const std::string& method,
                             const std::string& target, const std::string& body, const header_list& headers,
                             const stream_callbacks& callbacks, std::chrono::milliseconds idle_timeout) {
  stream_result result;
  auto req = make_request(host, port, method, target, body, headers);

  auto deliver = [&](std::string piece) {
    result.head.body += piece;
    result.pieces.push_back(piece);
    if (callbacks.on_piece && !callbacks.on_piece(result.pieces.back())) result.stopped = true;
  };

  run_exchange(method, target, [&](asio::io_context& ioc) -> asio::awaitable<void> {
    beast::tcp_stream stream(ioc);
    stream.expires_after(idle_timeout);
    co_await connect(stream, host, port);
    stream.expires_after(idle_timeout);
    co_await bhttp::async_write(stream, req, asio::use_awaitable);

    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(boost::none);
    stream.expires_after(idle_timeout);
    co_await bhttp::async_read_header(stream, buffer, parser, asio::use_awaitable);
    fill_head(result.head, parser.get().base());
    if (callbacks.on_headers) callbacks.on_headers(result.head);

    // Chunked: one piece per complete chunk. Otherwise: whatever each read brought.
    std::string chunk;
    auto on_chunk = [&](std::uint64_t remain, std::string_view data, beast::error_code& ec) {
      chunk.append(data);
      if (remain == data.size()) {
        deliver(std::exchange(chunk, {}));
        if (result.stopped) ec = asio::error::operation_aborted;
      }
      return data.size();
    };
    const bool chunked = parser.chunked();
    if (chunked) parser.on_chunk_body(on_chunk);

    std::size_t delivered = 0;
    while (!parser.is_done() && !result.stopped) {
      stream.expires_after(idle_timeout);
      auto [ec, n] =
          co_await bhttp::async_read_some(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      (void)n;
      if (!chunked && parser.get().body().size() > delivered) {
        deliver(parser.get().body().substr(delivered));
        delivered = parser.get().body().size();
      }
      if (result.stopped) break;
      if (ec) throw boost::system::system_error(ec);
    }
    result.complete = parser.is_done() && !result.stopped;
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
  });
  return result;
}

std::vector<std::string> sse_lines(std::string_view body) {
  std::vector<std::string> out;
  while (!body.empty()) {
    auto nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) out.emplace_back(line);
    if (nl == std::string_view::npos) break;
    body.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace studio::test
