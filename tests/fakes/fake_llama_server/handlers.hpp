// The fake's endpoint handlers: small coroutines over the shared server_state.
// Each returns the response to send, or streams through the request_context
// (then the returned response is ignored). They may throw api_error or other
// exceptions; the request boundary (fake_server.cpp) turns those into JSON.
#pragma once

#include "completion_format.hpp"
#include "server_state.hpp"

#include "studio/http/request_context.hpp"
#include "studio/http/response.hpp"

#include <boost/asio/awaitable.hpp>

namespace studio::fake {

using handler_result = boost::asio::awaitable<http::response>;

// Completions (completion_handlers.cpp). Waits for a free slot; a stream sends
// its 200 headers first, then waits.
handler_result handle_completion(server_state& s, http::request_context& ctx, api_kind kind);

// Everything else (info_handlers.cpp).
handler_result handle_health(server_state& s, http::request_context& ctx);
handler_result handle_models(server_state& s, http::request_context& ctx);
handler_result handle_props(server_state& s, http::request_context& ctx);
handler_result handle_slots(server_state& s, http::request_context& ctx);
handler_result handle_metrics(server_state& s, http::request_context& ctx);
handler_result handle_tokenize(server_state& s, http::request_context& ctx);
handler_result handle_detokenize(server_state& s, http::request_context& ctx);
handler_result handle_embeddings_oai(server_state& s, http::request_context& ctx);
handler_result handle_embeddings_native(server_state& s, http::request_context& ctx);

// Injected crashes (FAKE_LLAMA_CRASH_*): abort at once, or soon: two hops
// through the io_context queue, after the session has started writing what the
// handler returned (call it once the handler has returned).
[[noreturn]] void crash_now(const char* reason);
void crash_soon(server_state& s, const char* reason);

}  // namespace studio::fake
