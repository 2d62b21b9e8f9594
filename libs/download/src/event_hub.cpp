// event_hub: per-subscriber queues woken by a timer.
#include "studio/download/event_hub.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace studio::download {
namespace net = boost::asio;

std::shared_ptr<event_hub::subscription> event_hub::subscribe(net::any_io_executor ex) {
  auto sub = std::make_shared<subscription>(ex);
  subs_.push_back(sub);
  return sub;
}

void event_hub::publish(const std::string& frame) {
  std::erase_if(subs_, [](const auto& w) { return w.expired(); });
  for (auto& w : subs_) {
    auto sub = w.lock();
    if (sub->pending_.size() >= 1000) sub->pending_.pop_front();
    sub->pending_.push_back(frame);
    sub->wake_.cancel();
  }
}

net::awaitable<std::optional<std::string>> event_hub::subscription::next(std::chrono::milliseconds idle) {
  if (pending_.empty()) {
    wake_.expires_after(idle);
    auto [ec] = co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
    (void)ec;
  }
  if (pending_.empty()) co_return std::nullopt;
  std::string frame = std::move(pending_.front());
  pending_.pop_front();
  co_return frame;
}

}  // namespace studio::download
