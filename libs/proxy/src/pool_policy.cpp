// Pool decisions: reuse, keep, retry.
#include "studio/proxy/pool_policy.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

namespace studio::proxy {

bool may_reuse(unsigned requests, pool_clock::time_point last_used, pool_clock::time_point now,
               const pool_limits& limits) {
  return requests < limits.max_requests && now - last_used < limits.max_idle;
}

bool keep_after_response(bool message_complete, bool keep_alive, unsigned requests,
                         const pool_limits& limits) {
  return message_complete && keep_alive && requests < limits.max_requests;
}

bool retry_on_fresh_connection(bool reused, bool response_bytes_seen, int attempt,
                               const boost::system::error_code& ec) {
  namespace error = boost::asio::error;
  if (!reused || response_bytes_seen || attempt > 0 || !ec) return false;
  return ec == error::eof || ec == boost::beast::http::error::end_of_stream ||
         ec == error::connection_reset || ec == error::broken_pipe || ec == error::connection_aborted;
}

}  // namespace studio::proxy
