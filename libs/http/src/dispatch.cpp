// The gateway's request boundary: match, authorise, call.
#include "studio/http/dispatch.hpp"

#include "studio/http/error_shape.hpp"

#include <chrono>

namespace studio::http {

namespace {

boost::asio::awaitable<response> route_and_call(const router& routes, const authenticator& auth,
                                                request_context& ctx, std::string& route_label) {
  const auto& path = ctx.path();
  auto m = routes.match(ctx.req().method(), path);
  if (m.matched != nullptr) route_label = m.matched->pattern;
  ctx.set_key(auth.classify(ctx.req()));
  if (m.result == route_match::kind::not_found) {
    co_return error_response(path, 404, "not found: " + std::string(ctx.req().method_string()) + " " + path);
  }
  if (m.result == route_match::kind::method_not_allowed) {
    // Unauthenticated callers learn nothing about management routes beyond "wrong method".
    auto res = error_response(path, 405, "method " + std::string(ctx.req().method_string()) +
                                             " not allowed; allowed: " + m.allow);
    res.headers.emplace_back("Allow", m.allow);
    co_return res;
  }
  switch (authorize(m.matched->scope, ctx.key())) {
    case auth_decision::unauthorized: {
      auto res = error_response(path, 401,
                                ctx.key() == key_kind::none ? "missing API key" : "invalid API key");
      res.headers.emplace_back("WWW-Authenticate", "Bearer");
      co_return res;
    }
    case auth_decision::forbidden:
      co_return error_response(path, 403, "this key may not call " + path);
    case auth_decision::allow:
      break;
  }
  if (m.result == route_match::kind::bad_path) {
    co_return error_response(path, 400, "malformed percent-encoding in path");
  }
  ctx.set_params(std::move(m.params));
  auto res = co_await m.matched->fn(ctx);
  co_return res;
}

}  // namespace

boost::asio::awaitable<response> dispatch(const router& routes, const authenticator& auth,
                                          request_context& ctx, request_metrics* metrics) {
  std::string route = "unmatched";
  const auto started = std::chrono::steady_clock::now();
  response res;
  try {
    res = co_await route_and_call(routes, auth, ctx, route);
  } catch (...) {
    if (metrics != nullptr)
      metrics->record(std::string(ctx.req().method_string()), route, 500, std::chrono::steady_clock::now() - started);
    throw;
  }
  // A started stream has sent its own status (200 for every streaming handler today);
  // its latency runs until the handler returns, i.e. until the stream ended.
  if (metrics != nullptr)
    metrics->record(std::string(ctx.req().method_string()), route, ctx.streaming() ? 200 : res.status,
                    std::chrono::steady_clock::now() - started);
  co_return res;
}

}  // namespace studio::http
