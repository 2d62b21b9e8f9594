// Private: the state shared by the listener, every connection and shutdown.
#pragma once

#include "studio/http/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <list>
#include <memory>
#include <mutex>

namespace studio::http {

// One accepted connection. Touched only on its own strand (the socket's executor),
// except `idle`, which is also only read there (by posted drain actions).
struct connection {
  explicit connection(boost::asio::ip::tcp::socket socket) : stream(std::move(socket)) {}
  boost::beast::tcp_stream stream;
  bool idle = true;  // waiting for the next request: safe to close on drain
};

struct server::state {
  state(boost::asio::any_io_executor ex, server_limits l, request_handler h)
      : executor(ex),
        strand(l.strand_per_connection ? boost::asio::any_io_executor(boost::asio::make_strand(ex)) : ex),
        limits(l), handler(std::move(h)), acceptor(strand), drained(strand) {}

  boost::asio::any_io_executor executor;
  // Acceptor and drain timer: a strand when several threads run the context,
  // else the executor itself (one thread serialises everything already).
  boost::asio::any_io_executor strand;
  server_limits limits;
  request_handler handler;
  boost::asio::ip::tcp::acceptor acceptor;
  boost::asio::steady_timer drained;  // cancelled when the last connection closes while draining
  std::atomic<bool> draining{false};

  std::mutex mutex;  // guards connections
  std::list<std::shared_ptr<connection>> connections;

  // Registers a connection; the returned guard unregisters it.
  struct registration {
    std::shared_ptr<state> owner;
    std::list<std::shared_ptr<connection>>::iterator it;
    ~registration();
  };
  std::unique_ptr<registration> add(std::shared_ptr<state> self, std::shared_ptr<connection> c);

  // Runs `fn(connection&)` on each live connection's strand.
  template <class Fn>
  void for_each_connection(Fn fn);
};

template <class Fn>
void server::state::for_each_connection(Fn fn) {
  std::lock_guard lock(mutex);
  for (auto& c : connections) {
    boost::asio::post(c->stream.get_executor(), [c, fn] { fn(*c); });
  }
}

// Serves one connection until it closes (see server.hpp for the limits).
boost::asio::awaitable<void> run_session(std::shared_ptr<server::state> st,
                                         boost::asio::ip::tcp::socket socket);

}  // namespace studio::http
