// One small HTTP GET to a child (health checks, /props), with a timeout.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>

namespace studio::supervisor {

struct probe_result {
  unsigned status = 0;  // 0: no HTTP answer (see error)
  std::string body;
  std::string error;
};

// GET http://host:port/target with "Authorization: Bearer <api_key>" when a key is given.
// Never throws for network failures or the timeout: they come back in `error`.
// Cancelling the awaiting coroutine closes the connection.
boost::asio::awaitable<probe_result> http_get(std::string host, unsigned short port, std::string target,
                                              std::string api_key, std::chrono::milliseconds timeout);

}  // namespace studio::supervisor
