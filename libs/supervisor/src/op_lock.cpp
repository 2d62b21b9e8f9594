// op_lock: FIFO hand-over between coroutines on one strand.
#include "studio/supervisor/op_lock.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace studio::supervisor {
namespace net = boost::asio;

net::awaitable<op_lock::guard> op_lock::acquire() {
  if (!held_) {
    held_ = true;
    co_return guard(this);
  }
  auto executor = co_await net::this_coro::executor;
  auto waiter = std::make_shared<net::steady_timer>(executor, net::steady_timer::time_point::max());
  waiters_.push_back(waiter);
  // release() cancels our timer once the lock is ours; held_ stays true across the hand-over.
  auto [ec] = co_await waiter->async_wait(net::as_tuple(net::use_awaitable));
  (void)ec;
  co_return guard(this);
}

void op_lock::release() {
  if (waiters_.empty()) {
    held_ = false;
    return;
  }
  auto next = waiters_.front();
  waiters_.pop_front();
  next->cancel();
}

}  // namespace studio::supervisor
