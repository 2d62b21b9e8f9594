// The error body contract, one per URL prefix (see shared/seeds):
//   /v1/*                      OpenAI shape {"error":{"code","message","type"}}
//   everything else            {"error": "message"}
#pragma once

#include "studio/http/response.hpp"

#include <string_view>

namespace studio::http {

enum class error_style { simple, openai };

// Which error shape a request path gets. Pure.
error_style error_style_for_path(std::string_view path);

// The OpenAI/llama.cpp error "type" for an HTTP status
// (400 invalid_request_error, 401 authentication_error, 403 permission_error,
//  404 not_found_error, 501 not_supported_error, 503 unavailable_error, 5xx server_error, ...).
std::string_view openai_error_type(unsigned status);

// The JSON body of an error for a path, without the HTTP framing. Pure.
std::string error_body(std::string_view path, unsigned status, std::string_view message);

// A complete JSON error response in the shape the path's prefix promises.
response error_response(std::string_view path, unsigned status, std::string_view message);

}  // namespace studio::http
