// http_get: connect, send one GET, read the response, all under one deadline.
#include "studio/supervisor/http_probe.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace studio::supervisor {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

net::awaitable<probe_result> http_get(std::string host, unsigned short port, std::string target,
                                      std::string api_key, std::chrono::milliseconds timeout) {
  probe_result result;
  auto executor = co_await net::this_coro::executor;
  beast::tcp_stream stream(executor);
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) {
    result.error = "bad address " + host;
    co_return result;
  }
  stream.expires_after(timeout);
  auto tok = net::as_tuple(net::use_awaitable);
  auto [connect_ec] = co_await stream.async_connect(net::ip::tcp::endpoint(address, port), tok);
  if (connect_ec) {
    result.error = connect_ec.message();
    co_return result;
  }
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
  req.set(bhttp::field::host, host + ":" + std::to_string(port));
  if (!api_key.empty()) req.set(bhttp::field::authorization, "Bearer " + api_key);
  auto [write_ec, written] = co_await bhttp::async_write(stream, req, tok);
  if (write_ec) {
    result.error = write_ec.message();
    co_return result;
  }
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, res, tok);
  if (read_ec) {
    result.error = read_ec.message();
    co_return result;
  }
  result.status = res.result_int();
  result.body = std::move(res.body());
  beast::error_code ignored;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  co_return result;
}

}  // namespace studio::supervisor
