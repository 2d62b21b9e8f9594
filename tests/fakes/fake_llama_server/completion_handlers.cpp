// Completion handlers: slot wait, token loop (with the optional per-token
// delay and the injected failures), llama-server's per-task log lines. Like
// the real server, a task is cancelled as soon as its client disconnects
// (watched while generating, not only noticed at the next write).
#include "handlers.hpp"

#include "llama_http.hpp"
#include "log.hpp"
#include "token_model.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/prctl.h>
#include <chrono>
#include <cstdlib>

namespace studio::fake {
namespace asio = boost::asio;
namespace {

using clock = std::chrono::steady_clock;

double ms_between(clock::time_point a, clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Token delays end early when the client goes (the watch cancels the timer).
class token_clock {
 public:
  token_clock(server_state& s, http::request_context& ctx) : s_(s), ctx_(ctx), timer_(s.executor) {
    if (s_.knob.token_delay.count() > 0) ctx_.watch_client([this] { timer_.cancel(); });
  }
  ~token_clock() {
    if (s_.knob.token_delay.count() > 0) ctx_.watch_client({});
  }
  token_clock(const token_clock&) = delete;
  token_clock& operator=(const token_clock&) = delete;

  // Waits one token delay; false when the client is gone.
  asio::awaitable<bool> next_token() {
    if (s_.knob.token_delay.count() > 0 && !ctx_.client_gone()) {
      timer_.expires_after(s_.knob.token_delay);
      auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      (void)ec;
    }
    co_return !ctx_.client_gone();
  }

 private:
  server_state& s_;
  http::request_context& ctx_;
  asio::steady_timer timer_;
};

void log_launch(const generation& g, int slot, int n_ctx_slot) {
  log_line("slot launch_slot_: id %2d | task %d | processing task", slot, g.task);
  log_line(
      "slot update_slots: id %2d | task %d | new prompt, n_ctx_slot = %d, n_keep = 0, "
      "n_prompt_tokens = %d",
      slot, g.task, n_ctx_slot, g.prompt_tokens);
}

void log_release(const generation& g, int slot, int n_decoded) {
  log_line("slot      release: id %2d | task %d | stop processing: n_past = %d, truncated = 0", slot, g.task,
           g.prompt_tokens + n_decoded);
}

void log_cancel(const generation& g, int slot, int n_decoded) {
  log_line("srv  cancel_tasks: cancel task, id_task = %d", g.task);
  if (slot >= 0) log_release(g, slot, n_decoded);
}

// Timings, metrics, the print_timing lines, the completed-request count.
timings finish_task(server_state& s, const generation& g, int slot, clock::time_point start,
                    clock::time_point first_token) {
  const auto end = clock::now();
  timings t{g.prompt_tokens, ms_between(start, first_token), g.n_tokens, ms_between(first_token, end)};
  log_release(g, slot, g.n_tokens);
  log_line("slot print_timing: id %2d | task %d | ", slot, g.task);
  log_line("prompt eval time = %10.2f ms / %5d tokens", t.prompt_ms, t.prompt_n);
  log_line("       eval time = %10.2f ms / %5d tokens", t.predicted_ms, t.predicted_n);
  log_line("      total time = %10.2f ms / %5d tokens", t.prompt_ms + t.predicted_ms,
           t.prompt_n + t.predicted_n);
  auto& m = s.metrics;
  m.prompt_tokens_total += static_cast<std::uint64_t>(t.prompt_n);
  m.prompt_seconds_total += t.prompt_ms / 1000.0;
  m.tokens_predicted_total += static_cast<std::uint64_t>(t.predicted_n);
  m.tokens_predicted_seconds_total += t.predicted_ms / 1000.0;
  m.n_decode_total += static_cast<std::uint64_t>(t.predicted_n) + 1;
  m.n_busy_slots_total += static_cast<std::uint64_t>(s.slots.busy_count()) * (t.predicted_n + 1);
  ++s.completed_requests;  // FAKE_LLAMA_CRASH_AFTER_REQUESTS acts at the request boundary
  return t;
}

handler_result complete(server_state& s, http::request_context& ctx, generation g) {
  const int slot = co_await s.slots.acquire();
  slot_lease lease(s.slots, slot);
  s.slots.state(slot).task = g.task;
  log_launch(g, slot, s.n_ctx_slot);
  token_clock tokens(s, ctx);
  const auto start = clock::now();
  auto first = start;
  std::string text;
  for (int k = 0; k < g.n_tokens; ++k) {
    const bool wanted = co_await tokens.next_token();
    if (!wanted) {
      log_cancel(g, slot, k);
      co_return http::response{};
    }
    if (k == 0) first = clock::now();
    text += generated_piece(k);
    s.slots.state(slot).n_decoded = k + 1;
  }
  const timings t = finish_task(s, g, slot, start, first);
  co_return llama_json(200, full_response(g, text, t, slot));
}

handler_result stream(server_state& s, http::request_context& ctx, generation g) {
  // Headers first: with every slot busy the client has them while it waits.
  static const http::header_list stream_headers{{"Server", "llama.cpp"}};
  const bool started = co_await ctx.start_stream(200, "text/event-stream", stream_headers);
  if (!started) {
    log_cancel(g, -1, 0);
    co_return http::response{};
  }
  const int slot = co_await s.slots.acquire();
  slot_lease lease(s.slots, slot);
  s.slots.state(slot).task = g.task;
  log_launch(g, slot, s.n_ctx_slot);
  const bool openai = g.kind != api_kind::native;
  token_clock tokens(s, ctx);
  const auto start = clock::now();
  auto first = start;
  for (int k = 0; k <= g.n_tokens; ++k) {
    if (s.knob.crash_mid_stream && k == *s.knob.crash_mid_stream) {
      crash_now("FAKE_LLAMA_CRASH_MID_STREAM");
    }
    if (s.knob.error_mid_stream && k == *s.knob.error_mid_stream) {
      log_line("srv    send_error: task id = %d, error: injected by FAKE_LLAMA_ERROR_MID_STREAM", g.task);
      const std::string event =
          error_event(500, "injected error after " + std::to_string(k) + " tokens", "server_error");
      const bool sent = co_await ctx.write(event);
      if (sent && openai) co_await ctx.write(done_event);
      log_release(g, slot, k);
      co_return http::response{};
    }
    if (k == g.n_tokens) break;
    const bool wanted = co_await tokens.next_token();
    if (!wanted) {
      log_cancel(g, slot, k);
      co_return http::response{};
    }
    if (k == 0) first = clock::now();
    s.slots.state(slot).n_decoded = k + 1;
    const std::string event = token_event(g, generated_piece(k), k + 1);
    const bool sent = co_await ctx.write(event);
    if (!sent) {
      log_cancel(g, slot, k);
      co_return http::response{};
    }
  }
  const timings t = finish_task(s, g, slot, start, first);
  // One event per chunk: the final chunk, then [DONE] on its own.
  const std::string last = final_event(g, t, slot);
  bool sent = co_await ctx.write(last);
  if (sent && openai) sent = co_await ctx.write(done_event);
  if (!sent) log_line("srv  cancel_tasks: cancel task, id_task = %d", g.task);
  co_return http::response{};
}

}  // namespace

void crash_now(const char* reason) {
  log_line("%s: fake crash injected", reason);
  log_line("/llama.cpp/tools/server/server.cpp:1: GGML_ASSERT(false) failed");
  ::prctl(PR_SET_DUMPABLE, 0);  // no core file
  std::abort();
}

void crash_soon(server_state& s, const char* reason) {
  // Two hops through the queue: the session writes the current response first.
  asio::post(s.executor, [ex = s.executor, reason] { asio::post(ex, [reason] { crash_now(reason); }); });
}

handler_result handle_completion(server_state& s, http::request_context& ctx, api_kind kind) {
  if (s.options.embeddings) {
    co_return llama_error(501, "This server does not support completions. Start it without `--embeddings`",
                          "not_supported_error");
  }
  generation g = parse_generation(kind, ctx.req().body(), s);
  g.task = s.next_task_id++;
  if (g.stream) co_return co_await stream(s, ctx, std::move(g));
  co_return co_await complete(s, ctx, std::move(g));
}

}  // namespace studio::fake
