// GET /api/v1/instances/{name}/logs/stream: an instance's output as Server-Sent
// Events (registered by add_llamactl_routes, which knows the llamactl instances).
#pragma once

#include "studio/api/services.hpp"
#include "studio/http/router.hpp"

#include <functional>
#include <variant>

namespace studio::supervisor {
class llama_instance;
}  // namespace studio::supervisor

namespace studio::api {

// The instance that {name} names, or the error response (404 unknown, 400 invalid or reserved).
using instance_lookup =
    std::function<std::variant<supervisor::llama_instance*, http::response>(const http::request_context&)>;

// Adds the route (management key). The stream sends the ring's recent lines first
// (all of them, or the last ?lines=N), then every new line as it arrives, one
// "data:" event per line, a ": keep-alive" comment after 15 s without output and
// ": dropped N lines" when the client reads too slowly. It ends within a second when
// the client closes its connection, the instance is deleted or the gateway drains.
void add_llamactl_log_stream_route(http::router& routes, services& svc, instance_lookup lookup);

}  // namespace studio::api
