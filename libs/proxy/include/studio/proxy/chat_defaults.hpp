// Saved sampling options as defaults of an OpenAI chat request (pure): what
// POST /api/admin/llm/chat merges into the body it forwards.
#pragma once

#include <boost/json/object.hpp>

namespace studio::proxy {

// For each of temperature (config key "temp"), top_p, top_k and repeat_penalty:
// when `body` lacks the field and `config` has the key, copy the value in.
// Fields the request gives always win; nothing else changes.
void fill_sampling_defaults(boost::json::object& body, const boost::json::object& config);

}  // namespace studio::proxy
