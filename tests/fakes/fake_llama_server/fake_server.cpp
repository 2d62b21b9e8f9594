// fake_server: route table, request boundary, loading phase.
#include "fake_server.hpp"

#include "handlers.hpp"
#include "llama_http.hpp"
#include "log.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <algorithm>
#include <filesystem>
#include <string_view>

namespace studio::fake {
namespace asio = boost::asio;
using boost::beast::http::verb;

namespace {

using plain_handler = handler_result (*)(server_state&, http::request_context&);

bool is_public(std::string_view path) {
  return path == "/health" || path == "/v1/health" || path == "/models" || path == "/v1/models";
}

bool is_health(std::string_view path) { return path == "/health" || path == "/v1/health"; }

void log_model_failure(const std::string& path) {
  log_line("gguf_init_from_file: failed to open GGUF file '%s'", path.c_str());
  log_line("llama_model_load: error loading model: llama_model_loader: failed to load model from %s",
           path.c_str());
  log_line("llama_model_load_from_file_impl: failed to load model");
  log_line("common_init_from_params: failed to load model '%s'", path.c_str());
  log_line("srv    load_model: failed to load model, '%s'", path.c_str());
  log_line("srv   operator(): operator(): cleaning up before exit...");
  log_line("main: exiting due to model loading error");
}

}  // namespace

fake_server::fake_server(server_state& state) : state_(state) {
  auto add = [this](verb method, const char* pattern, plain_handler fn) {
    routes_.add(method, pattern, http::access::open,
                [this, fn](http::request_context& ctx) { return fn(state_, ctx); });
  };
  auto add_completion = [this](const char* pattern, api_kind kind) {
    routes_.add(verb::post, pattern, http::access::open,
                [this, kind](http::request_context& ctx) { return handle_completion(state_, ctx, kind); });
  };
  add(verb::get, "/health", handle_health);
  add(verb::get, "/v1/health", handle_health);
  add(verb::get, "/models", handle_models);
  add(verb::get, "/v1/models", handle_models);
  add(verb::get, "/props", handle_props);
  add(verb::get, "/slots", handle_slots);
  add(verb::get, "/metrics", handle_metrics);
  add(verb::post, "/tokenize", handle_tokenize);
  add(verb::post, "/detokenize", handle_detokenize);
  add(verb::post, "/v1/embeddings", handle_embeddings_oai);
  add(verb::post, "/embedding", handle_embeddings_native);
  add(verb::post, "/embeddings", handle_embeddings_native);
  add_completion("/v1/chat/completions", api_kind::chat);
  add_completion("/chat/completions", api_kind::chat);
  add_completion("/v1/completions", api_kind::text);
  add_completion("/completions", api_kind::text);
  add_completion("/completion", api_kind::native);
}

bool fake_server::authorized(const http::request_context& ctx) const {
  const auto& keys = state_.options.api_keys;
  if (keys.empty() || is_public(ctx.path())) return true;
  auto known = [&](std::string_view key) { return std::find(keys.begin(), keys.end(), key) != keys.end(); };
  if (auto auth = ctx.header("Authorization"); auth && auth->starts_with("Bearer ")) {
    if (known(auth->substr(7))) return true;
  }
  auto api_key = ctx.header("X-Api-Key");
  return api_key && known(*api_key);
}

asio::awaitable<http::response> fake_server::handle(http::request_context& ctx) {
  http::response res;
  if (!state_.loaded) {
    res = llama_error(503, "Loading model", "unavailable_error");
  } else if (!authorized(ctx)) {
    res = llama_error(401, "Invalid API Key", "authentication_error");
  } else {
    auto match = routes_.match(ctx.req().method(), ctx.path());
    if (match.result != http::route_match::kind::found) {
      res = llama_error(404, "File Not Found", "not_found_error");
    } else {
      ctx.set_params(std::move(match.params));
      try {
        res = co_await match.matched->fn(ctx);
      } catch (const api_error& e) {
        res = llama_error(e.status, e.what(), e.type);
      } catch (const std::exception& e) {
        res = llama_error(500, e.what(), "server_error");
        log_line("srv    operator(): got exception: %s", res.body.c_str());
      }
    }
  }
  const int crash_after = state_.knob.crash_after_requests.value_or(-1);
  if (crash_after > 0 && state_.completed_requests >= crash_after) {
    crash_soon(state_, "FAKE_LLAMA_CRASH_AFTER_REQUESTS");
  }
  res.headers.emplace_back("Server", "llama.cpp");
  if (!is_health(ctx.path())) {
    const std::string method(ctx.req().method_string());
    log_line("srv  log_server_r: request: %s %s 127.0.0.1 %u", method.c_str(), ctx.path().c_str(),
             ctx.streaming() ? 200u : res.status);
  }
  co_return res;
}

asio::awaitable<int> fake_server::load(std::string host, unsigned short port) {
  auto& s = state_;
  const auto& model = s.options.model;
  log_line("main: loading model");
  log_line("srv    load_model: loading model '%s'", model.c_str());
  std::error_code ec;
  if (!std::filesystem::is_regular_file(model, ec)) {
    log_model_failure(model);
    co_return 1;
  }
  s.model_size = static_cast<std::int64_t>(std::filesystem::file_size(model, ec));
  log_line(
      "llama_model_loader: loaded meta data with 24 key-value pairs and %d tensors from %s "
      "(version GGUF V3 (latest))",
      3 + 9 * model_facts::n_layer, model.c_str());
  log_line("print_info: file format = GGUF V3 (latest)");
  log_line("print_info: n_ctx_train      = %d", model_facts::n_ctx_train);
  log_line("print_info: n_embd           = %d", model_facts::n_embd);
  log_line("load_tensors: loading model tensors, this can take a while... (mmap = true)");
  if (s.knob.exit_during_load) {
    log_line("llama_model_load: error loading model: exit injected by FAKE_LLAMA_EXIT_DURING_LOAD");
    co_return *s.knob.exit_during_load;
  }
  const int layers = s.options.n_gpu_layers == "auto" || s.options.n_gpu_layers == "all"
                         ? model_facts::n_layer + 1
                         : std::clamp(std::atoi(s.options.n_gpu_layers.c_str()), 0, model_facts::n_layer + 1);
  log_line("load_tensors: offloaded %d/%d layers to GPU", layers, model_facts::n_layer + 1);
  log_line("load_tensors:   CPU_Mapped model buffer size = %8.2f MiB", s.model_size / 1048576.0);
  if (s.knob.load_delay.count() > 0) {
    asio::steady_timer timer(s.executor);
    for (int step = 0; step < 10; ++step) {
      timer.expires_after(s.knob.load_delay / 10);
      co_await timer.async_wait(asio::use_awaitable);
      log_raw(".");
    }
    log_raw("\n");
  } else {
    log_raw("..........\n");
  }
  log_line("llama_context: n_ctx         = %d", s.n_ctx);
  log_line("srv          init: initializing slots, n_slots = %d", s.n_slots);
  for (int i = 0; i < s.n_slots; ++i) {
    log_line("slot         init: id %2d | task -1 | new slot n_ctx_slot = %d", i, s.n_ctx_slot);
  }
  log_line("main: model loaded");
  log_line(
      "main: chat template, chat_template: chatml, example_format: '<|im_start|>system\\n"
      "You are a helpful assistant<|im_end|>\\n<|im_start|>user\\nHello<|im_end|>\\n"
      "<|im_start|>assistant\\n'");
  s.loaded = true;
  log_line("main: server is listening on http://%s:%u - starting the main loop", host.c_str(), port);
  const std::string filler(900, '.');  // about 1 KB per line: the pipe fills in few writes
  for (int i = 0; i < s.knob.load_log_lines; ++i) {
    log_line("llama_model_loader: - tensor %6d: blk.%d.ffn_down.weight q4_K [ 11008, 4096, 1, 1 ] %s", i, i / 9,
             filler.c_str());
  }
  log_line("srv  update_slots: all slots are idle");
  if (s.knob.crash_after_requests && *s.knob.crash_after_requests == 0) {
    crash_soon(s, "FAKE_LLAMA_CRASH_AFTER_REQUESTS");
  }
  co_return -1;
}

}  // namespace studio::fake
