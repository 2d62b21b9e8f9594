// GET /api/v1/instances/{name}/logs/stream (see llamactl_log_stream.hpp): follows
// an instance's output through llama_instance::follow_log as SSE.
#include "llamactl_log_stream.hpp"

#include "studio/http/error_shape.hpp"
#include "studio/supervisor/instance_registry.hpp"
#include "studio/supervisor/llama_instance.hpp"

#include <boost/asio/use_awaitable.hpp>

#include <charconv>
#include <chrono>

namespace studio::api {
namespace net = boost::asio;
using boost::beast::http::verb;

namespace {

constexpr std::chrono::milliseconds poll_idle{1000};  // how often the loop looks at client, drain, deletion
constexpr std::chrono::seconds keep_alive{15};

// One SSE event per line; a '\r' inside a line would end the SSE line early.
void append_event(std::string& out, std::string line) {
  for (auto& c : line) {
    if (c == '\r') c = ' ';
  }
  out += "data: ";
  out += line;
  out += "\n\n";
}

net::awaitable<http::response> stream_logs(services& svc, const instance_lookup& lookup,
                                           http::request_context& ctx) {
  auto found = lookup(ctx);
  if (auto* error = std::get_if<http::response>(&found)) co_return std::move(*error);
  auto* inst = std::get<supervisor::llama_instance*>(found);
  std::size_t recent = static_cast<std::size_t>(-1);
  if (auto text = ctx.query_param("lines")) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), recent);
    if (ec != std::errc() || end != text->data() + text->size() || text->empty())
      co_return http::error_response(ctx.path(), 400, "invalid 'lines': must be a non-negative integer");
  }
  auto follow_op = inst->follow_log(recent);
  auto follow = co_await std::move(follow_op);
  std::string first = ": logs of " + inst->name() + "\n\n";
  for (auto& line : follow.recent) append_event(first, std::move(line));
  http::header_list headers;  // built outside co_await: g++ 12 rejects braced lists there
  headers.emplace_back("Cache-Control", "no-cache");
  headers.emplace_back("X-Accel-Buffering", "no");
  bool ok = co_await ctx.start_stream(200, "text/event-stream", headers);
  if (ok) ok = co_await ctx.write(first);
  ctx.watch_client([] {});  // client_gone() turns true when the client closes (checked each poll)
  auto last_write = std::chrono::steady_clock::now();
  const std::string name = inst->name();
  while (ok && !ctx.client_gone() && !svc.draining() && svc.instances != nullptr &&
         svc.instances->find(name) == inst) {
    auto next_op = inst->next_log_lines(follow.sub, poll_idle);
    auto lines = co_await std::move(next_op);
    std::string out;
    if (auto dropped = follow.sub->take_dropped(); dropped > 0)
      out += ": dropped " + std::to_string(dropped) + " lines\n\n";
    for (auto& line : lines) append_event(out, std::move(line));
    auto now = std::chrono::steady_clock::now();
    if (out.empty() && now - last_write >= keep_alive) out = ": keep-alive\n\n";
    if (out.empty()) continue;
    ok = co_await ctx.write(out);
    last_write = now;
  }
  co_return http::response{};
}

}  // namespace

void add_llamactl_log_stream_route(http::router& routes, services& svc, instance_lookup lookup) {
  routes.add(verb::get, "/api/v1/instances/{name}/logs/stream", http::access::management,
             [&svc, lookup = std::move(lookup)](http::request_context& ctx) {
               return stream_logs(svc, lookup, ctx);
             });
}

}  // namespace studio::api
