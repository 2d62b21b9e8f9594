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

// GET /api/v2/models, GET /api/v2/models/{model_id}, POST /api/v2/models/{model_id}/{load,unload}
// (management); POST /api/v2/chat/{model_id}[/stream] (inference).
void add_v2_models_routes(http::router& routes, services& svc);

// GET /metrics (management): Prometheus text (requests by route/status, instance
// states and restarts, v2 chat tokens per model).
void add_metrics_routes(http::router& routes, services& svc);

// GET /api/v1/instances, GET|POST|PUT|DELETE /api/v1/instances/{name},
// POST /api/v1/instances/{name}/{start,stop,restart}, GET /api/v1/instances/{name}/logs
// (management): llamactl instances in svc.instances, persisted under
// $STUDIO_DIR/instances/. When svc.instances is set, the saved instances are
// registered here and those that were running are started again.
void add_llamactl_routes(http::router& routes, services& svc);

// GET /api/v1/server/{help,version,devices} (management): the configured llama-server's
// --help / --version / --list-devices output as text (500 JSON when it cannot run).
void add_server_routes(http::router& routes, services& svc);

// GET /swagger/doc.json (the OpenAPI document), GET /swagger/ (Swagger UI), GET /swagger/{file}
// (its assets) and GET /swagger (redirect): public.
void add_swagger_routes(http::router& routes, services& svc);

// All of the above.
inline void add_all_routes(http::router& routes, services& svc) {
  add_system_routes(routes, svc);
  add_openai_routes(routes, svc);
  add_v2_system_routes(routes, svc);
  add_v2_models_routes(routes, svc);
  add_metrics_routes(routes, svc);
  add_proxy_routes(routes, svc);
  add_llamactl_routes(routes, svc);
  add_server_routes(routes, svc);
  add_admin_llm_routes(routes, svc);
  add_admin_models_routes(routes, svc);
  add_swagger_routes(routes, svc);
}

}  // namespace studio::api
