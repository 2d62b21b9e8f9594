// Pure decisions of the upstream connection pool: when a kept-alive
// connection may serve again, when it goes back to the pool, when a failed
// request is sent once more.
#pragma once

#include "studio/proxy/upstream.hpp"

#include <boost/system/error_code.hpp>

#include <chrono>

namespace studio::proxy {

using pool_clock = std::chrono::steady_clock;

// May an idle connection that has served `requests` and was last used at
// `last_used` take another request at `now`? (Younger than max_idle, fewer
// than max_requests.)
bool may_reuse(unsigned requests, pool_clock::time_point last_used, pool_clock::time_point now,
               const pool_limits& limits);

// Does a connection go back to the pool after a response? Only when the
// response was read completely, both sides keep the connection alive, and it
// has served fewer than max_requests.
bool keep_after_response(bool message_complete, bool keep_alive, unsigned requests,
                         const pool_limits& limits);

// Is a failed request sent again on a fresh connection? Only the first attempt,
// only on a reused connection, only before any byte of the response arrived,
// and only for the errors of a connection the server had already closed
// (eof, reset, broken pipe, aborted).
bool retry_on_fresh_connection(bool reused, bool response_bytes_seen, int attempt,
                               const boost::system::error_code& ec);

}  // namespace studio::proxy
