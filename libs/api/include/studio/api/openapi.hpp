// The OpenAPI 3 document of the whole gateway API (docs/openapi.json, compiled
// into the binary by cmake/EmbedText.cmake): served at GET /swagger/doc.json.
#pragma once

#include <string_view>

namespace studio {
// The bytes of docs/openapi.json.
std::string_view openapi_document();
}  // namespace studio
