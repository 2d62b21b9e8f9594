// Route registration, one function per group of endpoints.
#pragma once

#include "studio/api/services.hpp"
#include "studio/http/router.hpp"

namespace studio::api {

// GET /health, GET /api/v2/health (public), GET /api/v1/version (management).
void add_system_routes(http::router& routes, services& svc);

// GET /v1/models (inference): the OpenAI model list.
void add_openai_routes(http::router& routes, services& svc);

// GET /api/admin/llm/status, POST /api/admin/llm/{start,stop,config} (management):
// the admin llama-server on svc.instances' "admin" instance (503 without one).
void add_admin_llm_routes(http::router& routes, services& svc);

// GET /api/admin/llm/models, POST /api/admin/llm/models/download/{filename},
// DELETE /api/admin/llm/models/{filename}, GET /api/admin/llm/downloads/events (management):
// the catalog with live status, the download queue and its SSE feed (503 without svc.catalog
// and svc.downloads).
void add_admin_models_routes(http::router& routes, services& svc);

// GET /api/v2/metrics (management): CPU, memory, GPU (503 without svc.system).
void add_v2_system_routes(http::router& routes, services& svc);

// POST /api/admin/llm/chat (inference; saved config fills sampling defaults), POST /v1/{chat/completions,
// completions,embeddings,rerank,reranking} (inference; routed by the body's "model"),
// GET|POST /api/v1/instances/{name}/proxy/{*rest} (management): through svc.proxy to a running
// instance of svc.instances (503 when it is not running).
void add_proxy_routes(http::router& routes, services& svc);

// GET /api/v2/models, GET /api/v2/models/{model_id} (management): GGUF files with metadata.
void add_v2_models_routes(http::router& routes, services& svc);

// All of the above.
inline void add_all_routes(http::router& routes, services& svc) {
  add_system_routes(routes, svc);
  add_openai_routes(routes, svc);
  add_v2_system_routes(routes, svc);
  add_v2_models_routes(routes, svc);
  add_proxy_routes(routes, svc);
  add_admin_llm_routes(routes, svc);
  add_admin_models_routes(routes, svc);
}

}  // namespace studio::api
