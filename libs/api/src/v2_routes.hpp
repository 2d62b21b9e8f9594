// Private to libs/api: the /api/v2 route groups registered by add_v2_models_routes.
#pragma once

#include "studio/api/services.hpp"
#include "studio/http/router.hpp"

namespace studio::api {

// POST /api/v2/models/{model_id}/load and /unload (management).
void add_v2_load_routes(http::router& routes, services& svc);

// POST /api/v2/chat/{model_id} and /api/v2/chat/{model_id}/stream (inference).
void add_v2_chat_routes(http::router& routes, services& svc);

}  // namespace studio::api
