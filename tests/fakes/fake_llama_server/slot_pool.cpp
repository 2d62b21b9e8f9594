// slot_pool: FIFO hand-over through cancelled timers.
#include "slot_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace studio::fake {

slot_pool::slot_pool(boost::asio::any_io_executor executor, int count, std::function<void()> on_idle)
    : executor_(std::move(executor)),
      slots_(static_cast<std::size_t>(std::max(count, 1))),
      on_idle_(std::move(on_idle)) {}

int slot_pool::busy_count() const {
  return static_cast<int>(
      std::count_if(slots_.begin(), slots_.end(), [](const slot_state& s) { return s.busy; }));
}

boost::asio::awaitable<int> slot_pool::acquire() {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i].busy && waiters_.empty()) {
      slots_[i] = slot_state{};
      slots_[i].busy = true;
      co_return static_cast<int>(i);
    }
  }
  auto w = std::make_shared<waiter>(executor_);
  w->timer.expires_at(boost::asio::steady_timer::time_point::max());
  waiters_.push_back(w);
  // Woken by release() (the timer is cancelled), which has set w->granted.
  auto [ec] = co_await w->timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  (void)ec;
  co_return w->granted;
}

void slot_pool::release(int id) {
  auto& slot = state(id);
  if (!waiters_.empty()) {
    auto w = waiters_.front();
    waiters_.pop_front();
    slot = slot_state{};
    slot.busy = true;  // handed over, never idle in between
    w->granted = id;
    w->timer.cancel();
    return;
  }
  slot = slot_state{};
  if (on_idle_ && busy_count() == 0) on_idle_();
}

}  // namespace studio::fake
