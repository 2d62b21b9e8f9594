// Fan-out of download events to SSE subscribers: each subscriber has its own small queue and
// a timer used as a wake-up signal. Drops the oldest events for a subscriber that lags.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace studio::download {

class event_hub {
 public:
  class subscription {
   public:
    explicit subscription(boost::asio::any_io_executor ex) : wake_(ex) {}
    // The next event (an SSE frame), or nullopt after `idle` with nothing new (the caller can
    // send a keep-alive comment then).
    boost::asio::awaitable<std::optional<std::string>> next(std::chrono::milliseconds idle);

   private:
    friend class event_hub;
    std::deque<std::string> pending_;
    boost::asio::steady_timer wake_;
  };

  std::shared_ptr<subscription> subscribe(boost::asio::any_io_executor ex);
  // Sends `frame` to every live subscriber; forgets dead ones.
  void publish(const std::string& frame);

 private:
  std::vector<std::weak_ptr<subscription>> subs_;
};

}  // namespace studio::download
