// Idle keep-alive connections to upstreams, per "host:port". Connections are
// taken out while in use (one request at a time each) and given back after a
// complete response; expiry follows pool_policy and is checked lazily on every
// take/give (no timers). Thread-safe: a mutex guards the idle lists and is
// never held across an await.
#pragma once

#include "studio/proxy/pool_policy.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace studio::proxy {

struct upstream_connection {
  explicit upstream_connection(boost::asio::any_io_executor ex, std::string pool_key)
      : stream(std::move(ex)), key(std::move(pool_key)) {}
  boost::beast::tcp_stream stream;
  boost::beast::flat_buffer buffer;  // bytes read past the previous response
  std::string key;                   // "host:port"
  unsigned requests = 0;             // requests sent on this connection
  pool_clock::time_point last_used{};
};

using connection_ptr = std::unique_ptr<upstream_connection>;

class connection_pool {
 public:
  explicit connection_pool(pool_limits limits) : limits_(limits) {}

  // The most recently used idle connection for `key` that may still be reused,
  // or null. Expired ones are closed on the way.
  connection_ptr take(const std::string& key, pool_clock::time_point now);
  // Keeps `c` for reuse (keep_after_response must already have said yes);
  // the oldest idle one is dropped when the list is full.
  void give_back(connection_ptr c, pool_clock::time_point now);

  std::size_t idle_count(const std::string& key) const;
  const pool_limits& limits() const { return limits_; }

 private:
  pool_limits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<connection_ptr>, std::less<>> idle_;
};

}  // namespace studio::proxy
