// --on-demand-download: a /v1/* request whose "model" is a catalog file gets
// an instance for it. A file not on disk yet is queued on the download queue
// first and awaited (its progress sent as ": downloading …" SSE comments to a
// streaming client); then the file is registered as an on-demand instance
// named by the file, which the scheduler starts for the request.
#pragma once

#include "studio/api/services.hpp"
#include "studio/http/request_context.hpp"
#include "studio/supervisor/llama_instance.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>

namespace studio::api {

struct catalog_instance {
  supervisor::llama_instance* inst = nullptr;  // null and no error: not a catalog file (404 stays)
  std::optional<http::response> error;         // the download failed, or no port is free
};

boost::asio::awaitable<catalog_instance> catalog_model_instance(services& svc, http::request_context& ctx,
                                                                std::string file, bool stream);

}  // namespace studio::api
