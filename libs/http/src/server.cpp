// The listener, connection registry and graceful shutdown.
#include "studio/http/server.hpp"

#include "server_state.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace studio::http {
namespace net = boost::asio;
using tcp = net::ip::tcp;

server::state::registration::~registration() {
  bool last = false;
  {
    std::lock_guard lock(owner->mutex);
    owner->connections.erase(it);
    last = owner->connections.empty();
  }
  if (last && owner->draining) {
    net::post(owner->strand, [o = owner] { o->drained.cancel(); });
  }
}

std::unique_ptr<server::state::registration> server::state::add(std::shared_ptr<state> self,
                                                                std::shared_ptr<connection> c) {
  std::lock_guard lock(mutex);
  connections.push_back(std::move(c));
  return std::unique_ptr<registration>(new registration{std::move(self), std::prev(connections.end())});
}

namespace {

net::awaitable<void> accept_loop(std::shared_ptr<server::state> st) {
  net::steady_timer backoff(st->strand);
  while (!st->draining) {
    boost::system::error_code ec;
    const net::any_io_executor session_executor =
        st->limits.strand_per_connection ? net::any_io_executor(net::make_strand(st->executor)) : st->executor;
    tcp::socket socket = co_await st->acceptor.async_accept(session_executor,
                                                            net::redirect_error(net::use_awaitable, ec));
    if (ec == net::error::operation_aborted || st->draining) break;
    if (ec) {
      // Out of descriptors and the like: back off briefly instead of spinning.
      spdlog::warn("accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    // TCP_NODELAY comes from the listener (Linux copies it to accepted sockets).
    auto ex = socket.get_executor();
    net::co_spawn(ex, run_session(st, std::move(socket)), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("connection ended by exception: {}", ex.what());
      }
    });
  }
}

net::awaitable<void> wait_drained(std::shared_ptr<server::state> st, std::chrono::milliseconds limit) {
  bool empty = false;
  {
    std::lock_guard lock(st->mutex);
    empty = st->connections.empty();
  }
  if (empty) co_return;
  st->drained.expires_after(limit);
  boost::system::error_code ec;
  co_await st->drained.async_wait(net::redirect_error(net::use_awaitable, ec));
}

net::awaitable<void> do_shutdown(std::shared_ptr<server::state> st, std::chrono::milliseconds grace) {
  st->draining = true;
  boost::system::error_code ec;
  st->acceptor.close(ec);
  st->for_each_connection([](connection& c) {
    if (c.idle) c.stream.socket().close();
  });
  co_await wait_drained(st, grace);
  std::size_t left = 0;
  {
    std::lock_guard lock(st->mutex);
    left = st->connections.size();
  }
  if (left == 0) co_return;
  spdlog::warn("shutdown grace period over: closing {} connection(s)", left);
  st->for_each_connection([](connection& c) {
    boost::system::error_code ignored;
    c.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    c.stream.socket().close(ignored);
  });
  // Handlers see their sockets fail on their next write; give them a moment.
  co_await wait_drained(st, std::chrono::milliseconds(1000));
}

}  // namespace

server::server(net::any_io_executor executor, server_limits limits, request_handler handler)
    : state_(std::make_shared<state>(executor, limits, std::move(handler))) {}

server::~server() {
  boost::system::error_code ec;
  state_->acceptor.close(ec);
}

tcp::endpoint server::listen(const std::string& host, unsigned short port) {
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) {
    tcp::resolver resolver(state_->executor);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
      throw std::system_error(ec, "cannot resolve listen host '" + host + "'");
    }
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, port);
  auto& acceptor = state_->acceptor;
  auto fail = [&](const char* what) {
    throw std::system_error(ec, std::string("cannot listen on ") + host + ":" + std::to_string(port) +
                                    " (" + what + ")");
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) fail("open");
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  // Set once here rather than per connection: accepted sockets inherit it
  // (server_test checks), which saves a setsockopt() per connection.
  acceptor.set_option(tcp::no_delay(true), ec);
  if (ec) fail("TCP_NODELAY");
  acceptor.bind(endpoint, ec);
  if (ec) fail("bind");
  acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) fail("listen");
  return acceptor.local_endpoint();
}

void server::start() {
  net::co_spawn(state_->strand, accept_loop(state_), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::critical("accept loop ended by exception: {}", ex.what());
    }
  });
}

net::awaitable<void> server::shutdown(std::chrono::milliseconds grace) {
  co_await net::co_spawn(state_->strand, do_shutdown(state_, grace), net::use_awaitable);
}

bool server::draining() const { return state_->draining; }

std::size_t server::connection_count() const {
  std::lock_guard lock(state_->mutex);
  return state_->connections.size();
}

}  // namespace studio::http
