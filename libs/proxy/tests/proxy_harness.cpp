// proxy_harness: the loop thread, the front server, stub upstreams.
#include "proxy_harness.hpp"

#include <boost/asio/write.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <future>
#include <stdexcept>

namespace studio::proxy::test {
namespace net = boost::asio;
using namespace std::chrono_literals;

proxy_options test_options() {
  proxy_options o;
  o.connect_timeout = 2s;
  o.idle_timeout = 3s;
  o.write_timeout = 3s;
  return o;
}

proxy_harness::proxy_harness(proxy_options options) : client_(std::make_unique<proxy_client>(options)) {
  thread_ = std::thread([this] {
    auto work = net::make_work_guard(ioc_);
    ioc_.run();
  });
}

template <class F>
void proxy_harness::on_loop(F fn) {
  std::promise<void> done;
  net::post(ioc_, [&] {
    try {
      fn();
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  auto f = done.get_future();
  if (f.wait_for(5s) != std::future_status::ready) throw std::runtime_error("loop did not answer");
  f.get();
}

unsigned short proxy_harness::start_front(upstream up) {
  up_ = std::move(up);
  unsigned short port = 0;
  on_loop([&] {
    front_ = std::make_unique<http::server>(
        ioc_.get_executor(), http::server_limits{},
        [this](http::request_context& ctx) -> net::awaitable<http::response> {
          relay_stats st;
          auto res = co_await client_->forward(ctx, up_, ctx.req().target(), body_override_, &st);
          {
            std::lock_guard lock(mutex_);
            stats_.push_back(st);
          }
          changed_.notify_all();
          co_return res;
        });
    port = front_->listen("127.0.0.1", 0).port();
    front_->start();
  });
  return port;
}

upstream proxy_harness::start_stub(http::request_handler handler, http::server_limits limits) {
  upstream up;
  on_loop([&] {
    stub_ = std::make_unique<http::server>(ioc_.get_executor(), limits, std::move(handler));
    up.port = stub_->listen("127.0.0.1", 0).port();
    stub_->start();
  });
  return up;
}

upstream proxy_harness::start_dropping_stub() {
  upstream up;
  on_loop([&] {
    dropper_ = std::make_unique<net::ip::tcp::acceptor>(
        ioc_, net::ip::tcp::endpoint{net::ip::make_address("127.0.0.1"), 0});
    up.port = dropper_->local_endpoint().port();
    net::co_spawn(
        ioc_,
        [acc = dropper_.get()]() -> net::awaitable<void> {
          for (;;) {
            auto [ec, socket] = co_await acc->async_accept(net::as_tuple(net::use_awaitable));
            if (ec) co_return;
            std::array<char, 1024> buf;
            co_await socket.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
            socket.close();
          }
        },
        net::detached);
  });
  return up;
}

upstream proxy_harness::start_scripted_stub(std::string reply) {
  upstream up;
  on_loop([&] {
    dropper_ = std::make_unique<net::ip::tcp::acceptor>(
        ioc_, net::ip::tcp::endpoint{net::ip::make_address("127.0.0.1"), 0});
    up.port = dropper_->local_endpoint().port();
    net::co_spawn(
        ioc_,
        [acc = dropper_.get(), reply]() -> net::awaitable<void> {
          for (;;) {
            auto [ec, socket] = co_await acc->async_accept(net::as_tuple(net::use_awaitable));
            if (ec) co_return;
            std::array<char, 4096> buf;
            co_await socket.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
            co_await net::async_write(socket, net::buffer(reply), net::as_tuple(net::use_awaitable));
            socket.close();
          }
        },
        net::detached);
  });
  return up;
}

std::optional<relay_stats> proxy_harness::wait_stats(std::size_t index, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [&] { return stats_.size() > index; })) return std::nullopt;
  return stats_[index];
}

std::size_t proxy_harness::stub_connections() {
  std::size_t n = 0;
  on_loop([&] { n = stub_ ? stub_->connection_count() : 0; });
  return n;
}

std::size_t proxy_harness::idle_connections() {
  std::size_t n = 0;
  on_loop([&] { n = client_->idle_connections(up_); });
  return n;
}

proxy_harness::~proxy_harness() {
  std::promise<void> done;
  auto finished = done.get_future();
  net::co_spawn(
      ioc_,
      [this]() -> net::awaitable<void> {
        if (front_) co_await front_->shutdown(0ms);
        if (stub_) co_await stub_->shutdown(0ms);
        if (dropper_) dropper_->close();
      },
      [&](std::exception_ptr) { done.set_value(); });
  finished.wait_for(5s);
  ioc_.stop();
  thread_.join();
}

}  // namespace studio::proxy::test
