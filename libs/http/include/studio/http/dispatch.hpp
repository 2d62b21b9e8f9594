// The request boundary used by the gateway: route, authenticate, call the handler.
#pragma once

#include "studio/http/auth.hpp"
#include "studio/http/request_metrics.hpp"
#include "studio/http/router.hpp"

namespace studio::http {

// Routes ctx through `routes`: 400/404/405 JSON when no route fits, 401/403 when
// the key does not allow the route, otherwise the handler's response.
// Exceptions from handlers propagate to the session, which answers 500.
// `metrics`, when given, counts the answer by method, route pattern and status.
boost::asio::awaitable<response> dispatch(const router& routes, const authenticator& auth,
                                          request_context& ctx, request_metrics* metrics = nullptr);

}  // namespace studio::http
