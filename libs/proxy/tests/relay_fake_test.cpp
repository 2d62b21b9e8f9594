// The proxy in front of the real fake llama-server: pass-through, the bearer
// key, chunk-by-chunk streaming, client disconnect, crash mid-stream, refused.
#include "proxy_harness.hpp"

#include "studio/test/fake_llama_process.hpp"
#include "studio/test/http_client.hpp"

#include <doctest/doctest.h>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <atomic>
#include <regex>
#include <thread>

using namespace studio;
using namespace studio::proxy;
using namespace studio::proxy::test;
using namespace std::chrono_literals;
namespace tst = studio::test;
using steady = std::chrono::steady_clock;

namespace {

const std::string host = "127.0.0.1";

std::string chat_body(bool stream, int max_tokens) {
  return R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stream":)" +
         std::string(stream ? "true" : "false") + R"(,"max_tokens":)" + std::to_string(max_tokens) + "}";
}

const tst::header_list json_headers{{"Content-Type", "application/json"}};

}  // namespace

TEST_CASE("non-streamed responses pass through with the upstream key; connections are reused") {
  tst::fake_llama_process fake({.args = {"--api-key", "up-key"}});
  proxy_harness h;
  auto port = h.start_front({host, fake.port(), "up-key"});

  // The client's own (wrong) credentials are replaced by the upstream key.
  tst::header_list headers = json_headers;
  headers.emplace_back("Authorization", "Bearer client-key");
  auto res = tst::request(host, port, "POST", "/v1/chat/completions", chat_body(false, 4), headers);
  CHECK(res.status == 200);
  auto v = boost::json::parse(res.body);
  CHECK(v.at("object").as_string() == "chat.completion");
  CHECK(v.at("usage").at("completion_tokens").as_int64() == 4);
  auto first = h.wait_stats(0, 5s);
  REQUIRE(first);
  CHECK_FALSE(first->streamed);
  CHECK_FALSE(first->reused_connection);
  CHECK(first->bytes == res.body.size());

  res = tst::request(host, port, "GET", "/props");
  CHECK(res.status == 200);
  auto second = h.wait_stats(1, 5s);
  REQUIRE(second);
  CHECK(second->reused_connection);
  CHECK(h.idle_connections() == 1);
}

TEST_CASE("llama-server's own error JSON passes through unchanged") {
  tst::fake_llama_process fake({.args = {"--api-key", "up-key"}});
  proxy_harness h;
  auto port = h.start_front({host, fake.port(), "wrong-key"});
  auto direct = tst::request(host, fake.port(), "GET", "/props", "", {{"Authorization", "Bearer wrong-key"}});
  auto proxied = tst::request(host, port, "GET", "/props");
  CHECK(direct.status == 401);
  CHECK(proxied.status == 401);
  CHECK(proxied.body == direct.body);
  CHECK(proxied.header("Content-Type") == direct.header("Content-Type"));
}

TEST_CASE("a stream is relayed chunk by chunk while the upstream generates") {
  tst::fake_llama_process fake({.env = {{"FAKE_LLAMA_TOKEN_DELAY_MS", "40"}}});
  proxy_harness h;
  auto port = h.start_front({host, fake.port(), ""});

  std::vector<steady::time_point> arrivals;
  tst::stream_callbacks cb;
  cb.on_piece = [&](std::string_view) {
    arrivals.push_back(steady::now());
    return true;
  };
  auto r = tst::request_stream(host, port, "POST", "/v1/chat/completions", chat_body(true, 8), json_headers,
                               cb, 5s);
  REQUIRE(r.complete);
  CHECK(r.head.status == 200);
  CHECK(r.head.header("Content-Type").value_or("").starts_with("text/event-stream"));
  auto lines = tst::sse_lines(r.head.body);
  REQUIRE(lines.size() == 10);  // 8 tokens, the final chunk, [DONE]
  CHECK(lines.back() == "data: [DONE]");
  REQUIRE(arrivals.size() >= 8);
  // The first token reached the client long before the fake finished (8 x 40 ms).
  CHECK(arrivals.back() - arrivals.front() >= 200ms);

  auto st = h.wait_stats(0, 5s);
  REQUIRE(st);
  CHECK(st->streamed);
  CHECK(st->sse_events == 10);
  CHECK(st->bytes == r.head.body.size());
  CHECK(st->first_byte < st->duration);
  CHECK_FALSE(st->upstream_failed);
}

TEST_CASE("client gone mid-stream: the upstream task is cancelled and its slot frees") {
  tst::fake_llama_process fake({.args = {"-np", "1"}, .env = {{"FAKE_LLAMA_TOKEN_DELAY_MS", "20"}}});
  proxy_harness h;
  auto port = h.start_front({host, fake.port(), ""});

  tst::stream_callbacks stop_at_first;
  stop_at_first.on_piece = [](std::string_view) { return false; };
  auto r = tst::request_stream(host, port, "POST", "/v1/chat/completions", chat_body(true, 1000),
                               json_headers, stop_at_first, 5s);
  CHECK(r.stopped);
  CHECK(fake.process().wait_for_line(std::regex("cancel_tasks: cancel task, id_task = "), 5s));
  auto st = h.wait_stats(0, 5s);
  REQUIRE(st);
  CHECK(st->client_gone);

  // The only slot is free again: a second stream gets its tokens.
  auto again = tst::request_stream(host, port, "POST", "/v1/chat/completions", chat_body(true, 3),
                                   json_headers, {}, 5s);
  REQUIRE(again.complete);
  auto lines = tst::sse_lines(again.head.body);
  REQUIRE(lines.size() == 5);
  CHECK(lines.back() == "data: [DONE]");
}

TEST_CASE("upstream crash mid-stream ends the stream with one 502 error event") {
  tst::fake_llama_process fake({.env = {{"FAKE_LLAMA_CRASH_MID_STREAM", "3"}}});
  proxy_harness h;
  auto port = h.start_front({host, fake.port(), ""});
  auto r = tst::request_stream(host, port, "POST", "/v1/chat/completions", chat_body(true, 8), json_headers,
                               {}, 5s);
  REQUIRE(r.complete);
  auto lines = tst::sse_lines(r.head.body);
  REQUIRE(lines.size() == 4);  // 3 tokens, then the error
  auto err = boost::json::parse(lines.back().substr(6));
  CHECK(err.at("error").at("code").as_int64() == 502);
  CHECK(err.at("error").at("type").as_string() == "upstream_error");
  auto st = h.wait_stats(0, 5s);
  REQUIRE(st);
  CHECK(st->upstream_failed);
}

TEST_CASE("connection refused is a 503 in the path's error shape") {
  unsigned short closed_port = 0;
  {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    closed_port = a.local_endpoint().port();
  }
  proxy_harness h;
  auto port = h.start_front({host, closed_port, ""});
  auto res = tst::request(host, port, "POST", "/v1/chat/completions", chat_body(false, 1), json_headers);
  CHECK(res.status == 503);
  auto v = boost::json::parse(res.body);
  CHECK(v.at("error").at("code").as_int64() == 503);
  CHECK(v.at("error").at("type").as_string() == "unavailable_error");

  res = tst::request(host, port, "POST", "/api/admin/llm/chat", chat_body(false, 1), json_headers);
  CHECK(res.status == 503);
  CHECK(boost::json::parse(res.body).at("error").is_string());
}

TEST_CASE("64 concurrent streams all complete; the pool keeps at most its idle cap") {
  tst::fake_llama_process fake({.args = {"-np", "64"}, .env = {{"FAKE_LLAMA_TOKEN_DELAY_MS", "2"}}});
  proxy_harness h;
  auto port = h.start_front({host, fake.port(), ""});
  std::atomic<int> complete{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 64; ++i) {
    clients.emplace_back([&] {
      try {
        auto r = tst::request_stream(host, port, "POST", "/v1/chat/completions", chat_body(true, 8),
                                     json_headers, {}, 10s);
        auto lines = tst::sse_lines(r.head.body);
        if (r.complete && !lines.empty() && lines.back() == "data: [DONE]") ++complete;
      } catch (const std::exception&) {
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(complete == 64);
  CHECK(h.idle_connections() <= test_options().pool.max_idle_per_upstream);
}
