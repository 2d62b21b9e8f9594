// write_now: takes what a socket accepts without waiting, and leaves the rest
// (unwritten) for an asynchronous write; a full send buffer is not an error.
#include "studio/http/write_now.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <doctest/doctest.h>

#include <string>

namespace net = boost::asio;
using net::ip::tcp;

TEST_CASE("write_now writes what fits now, never waits, and unwritten() holds the rest") {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, {net::ip::address_v4::loopback(), 0});
  tcp::socket writer(ioc), reader(ioc);
  writer.connect(acceptor.local_endpoint());
  acceptor.accept(reader);
  writer.set_option(net::socket_base::send_buffer_size(16 * 1024));
  reader.set_option(net::socket_base::receive_buffer_size(16 * 1024));

  const std::string small = "hello";
  boost::system::error_code ec;
  CHECK(studio::http::write_now(writer, net::buffer(small), ec) == small.size());
  CHECK_FALSE(ec);

  // Far more than the two socket buffers hold, while nobody reads: a blocking
  // write would hang here; write_now returns with part of it.
  const std::string big(8 * 1024 * 1024, 'x');
  const std::size_t n = studio::http::write_now(writer, net::buffer(big), ec);
  CHECK_FALSE(ec);
  CHECK(n < big.size());
  CHECK(net::buffer_size(studio::http::unwritten(net::buffer(big), n)) == big.size() - n);

  // Once the buffers are full (loopback may free a little more as it
  // acknowledges): nothing more now, and still no error.
  std::size_t more = 1;
  for (int i = 0; i < 1000 && more > 0 && !ec; ++i) more = studio::http::write_now(writer, net::buffer(big), ec);
  CHECK(more == 0);
  CHECK_FALSE(ec);

  // The reader gets the bytes in order: the small piece first.
  std::string got(small.size(), '\0');
  net::read(reader, net::buffer(got));
  CHECK(got == small);
}

TEST_CASE("write_now reports a real error (the peer is gone) and writes nothing") {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, {net::ip::address_v4::loopback(), 0});
  tcp::socket writer(ioc);
  {
    tcp::socket reader(ioc);
    writer.connect(acceptor.local_endpoint());
    acceptor.accept(reader);
    reader.set_option(net::socket_base::linger(true, 0));  // close with a reset
  }
  const std::string data(64 * 1024, 'y');
  boost::system::error_code ec;
  std::size_t total = 0;
  for (int i = 0; i < 50 && !ec; ++i) total += studio::http::write_now(writer, net::buffer(data), ec);
  CHECK(ec);  // a reset or a broken pipe, not would_block
  CHECK(ec != net::error::would_block);
}
