// Route registration, one function per group of endpoints.
#pragma once

#include "studio/api/services.hpp"
#include "studio/http/router.hpp"

namespace studio::api {

// GET /health, GET /api/v2/health (public), GET /api/v1/version (management).
void add_system_routes(http::router& routes, services& svc);

// GET /v1/models (inference): the OpenAI model list.
void add_openai_routes(http::router& routes, services& svc);

// All of the above.
inline void add_all_routes(http::router& routes, services& svc) {
  add_system_routes(routes, svc);
  add_openai_routes(routes, svc);
}

}  // namespace studio::api
