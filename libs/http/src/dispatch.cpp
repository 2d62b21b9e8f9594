// The gateway's request boundary: match, authorise, call.
#include "studio/http/dispatch.hpp"

#include "studio/http/error_shape.hpp"

#include <chrono>
#include <optional>

namespace studio::http {

namespace {

// Everything before a handler runs: the route, the caller's key, the
// verdict. Returns the answer when the request ends here; otherwise `call`
// is the route to run. `label` names the matched route (for the metrics)
// even when the answer is a refusal. A plain function: the request's only
// coroutine frame below the session is the handler's.
std::optional<response> admit(const router& routes, const authenticator& auth, request_context& ctx,
                              const route*& call, std::string_view& label) {
  const auto& path = ctx.path();
  auto m = routes.match(ctx.req().method(), path);
  if (m.matched != nullptr) label = m.matched->pattern;
  ctx.set_key(auth.classify(ctx.req()));
  if (m.result == route_match::kind::not_found) {
    return error_response(path, 404, "not found: " + std::string(ctx.req().method_string()) + " " + path);
  }
  if (m.result == route_match::kind::method_not_allowed) {
    // Unauthenticated callers learn nothing about management routes beyond "wrong method".
    auto res = error_response(path, 405, "method " + std::string(ctx.req().method_string()) +
                                             " not allowed; allowed: " + m.allow);
    res.headers.emplace_back("Allow", m.allow);
    return res;
  }
  switch (authorize(m.matched->scope, ctx.key())) {
    case auth_decision::unauthorized: {
      auto res = error_response(path, 401,
                                ctx.key() == key_kind::none ? "missing API key" : "invalid API key");
      res.headers.emplace_back("WWW-Authenticate", "Bearer");
      return res;
    }
    case auth_decision::forbidden:
      return error_response(path, 403, "this key may not call " + path);
    case auth_decision::allow:
      break;
  }
  if (m.result == route_match::kind::bad_path) {
    return error_response(path, 400, "malformed percent-encoding in path");
  }
  ctx.set_params(std::move(m.params));
  call = m.matched;
  return std::nullopt;
}

}  // namespace

boost::asio::awaitable<response> dispatch(const router& routes, const authenticator& auth,
                                          request_context& ctx, request_metrics* metrics) {
  std::string_view route = "unmatched";  // a literal or a pattern the router owns
  const auto started = std::chrono::steady_clock::now();
  response res;
  try {
    const struct route* call = nullptr;
    if (auto answer = admit(routes, auth, ctx, call, route)) {
      res = std::move(*answer);
    } else {
      res = co_await call->fn(ctx);
    }
  } catch (...) {
    if (metrics != nullptr)
      metrics->record(ctx.req().method_string(), route, 500, std::chrono::steady_clock::now() - started);
    throw;
  }
  // A started stream has sent its own status (200 for every streaming handler today);
  // its latency runs until the handler returns, i.e. until the stream ended.
  if (metrics != nullptr)
    metrics->record(ctx.req().method_string(), route, ctx.streaming() ? 200 : res.status,
                    std::chrono::steady_clock::now() - started);
  co_return res;
}

}  // namespace studio::http
