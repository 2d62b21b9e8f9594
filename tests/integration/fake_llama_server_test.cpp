// build/bin/fake-llama-server as a process: one-shot flags, every endpoint,
// the loading phase, auth, each FAKE_LLAMA_* knob, slots and disconnects.
// Everything runs on 127.0.0.1 with ephemeral ports; waits are on log lines
// and responses, never fixed sleeps.
#include "studio/test/bin_path.hpp"
#include "studio/test/child_process.hpp"
#include "studio/test/fake_llama_process.hpp"
#include "studio/test/http_client.hpp"
#include "studio/test/temp_dir.hpp"

#include <doctest/doctest.h>
#include <boost/json.hpp>

#include <atomic>
#include <csignal>
#include <fstream>
#include <future>
#include <regex>

using namespace studio::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

constexpr auto patience = 10s;
const std::string loopback = "127.0.0.1";
const std::string sixteen_tokens =
    "Hello from the fake llama server. Hello from the fake llama server. Hello from";

http_result get(fake_llama_process& f, const std::string& target, const header_list& headers = {}) {
  return request(loopback, f.port(), "GET", target, "", headers);
}

http_result post(fake_llama_process& f, const std::string& target, const std::string& body,
                 const header_list& headers = {}) {
  return request(loopback, f.port(), "POST", target, body, headers);
}

json::value parsed(std::string_view text) { return json::parse(text); }

// "data: {json}\n\n" → the json.
json::value event_json(std::string_view event) {
  REQUIRE(event.starts_with("data: "));
  return json::parse(event.substr(6));
}

std::string chat_body(int max_tokens, bool stream, const std::string& model = "") {
  json::object body{{"messages", json::array{json::object{{"role", "user"}, {"content", "Hi"}}}},
                    {"stream", stream}};
  if (max_tokens >= 0) body["max_tokens"] = max_tokens;
  if (!model.empty()) body["model"] = model;
  return json::serialize(body);
}

stream_result stream_post(fake_llama_process& f, const std::string& target, const std::string& body,
                          const stream_callbacks& callbacks = {}) {
  return request_stream(loopback, f.port(), "POST", target, body, {}, callbacks);
}

struct finished_run {
  exit_status status;
  std::string output;
};

// Runs the fake with one-shot arguments to its end.
finished_run run_to_exit(std::vector<std::string> args) {
  child_process p(bin_path("fake-llama-server"), {std::move(args), {}, {}});
  auto status = p.wait_exit(patience);
  REQUIRE(status);
  REQUIRE(p.wait_output_end(patience));
  return {*status, p.output()};
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace

TEST_SUITE("fake_llama_server") {
  TEST_CASE("one-shot flags: --version, --help, --list-devices") {
    auto version = run_to_exit({"--version"});
    CHECK(version.status.exited_with(0));
    CHECK(
        std::regex_search(version.output, std::regex(R"(^version: \d+ \([0-9a-f]+\)\nbuilt with .+ for )")));

    auto help = run_to_exit({"--help"});
    CHECK(help.status.exited_with(0));
    for (const char* part :
         {"-m, --model FNAME", "(env: LLAMA_ARG_MODEL)", "--api-key KEY", "(env: LLAMA_API_KEY)",
          "-np, --parallel N", "--embedding, --embeddings", "--metrics", "--slots",
          "FAKE_LLAMA_LOAD_DELAY_MS", "FAKE_LLAMA_TOKEN_DELAY_MS", "FAKE_LLAMA_CRASH_AFTER_REQUESTS",
          "FAKE_LLAMA_CRASH_MID_STREAM", "FAKE_LLAMA_ERROR_MID_STREAM", "FAKE_LLAMA_ARGV_FILE",
          "FAKE_LLAMA_EXIT_DURING_LOAD"}) {
      CHECK_MESSAGE(contains(help.output, part), part);
    }

    auto devices = run_to_exit({"--list-devices"});
    CHECK(devices.status.exited_with(0));
    CHECK(devices.output == "Available devices:\n");
  }

  TEST_CASE("startup failures: a missing model file, a bad flag value") {
    auto missing = run_to_exit({"-m", "/nonexistent/model.gguf", "--host", "127.0.0.1", "--port", "0"});
    CHECK(missing.status.exited_with(1));
    CHECK(contains(missing.output, "failed to open GGUF file '/nonexistent/model.gguf'"));
    CHECK(contains(missing.output, "main: exiting due to model loading error"));

    auto bad = run_to_exit({"--port", "eighty"});
    CHECK(bad.status.exited_with(1));
    CHECK(contains(bad.output, R"(error while handling argument "--port")"));
  }

  TEST_CASE("while loading every path answers 503 Loading model; then /health is ok") {
    fake_llama_process fake({.args = {}, .env = {{"FAKE_LLAMA_LOAD_DELAY_MS", "3000"}}, .wait_ready = false});
    const std::string loading =
        R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})";
    for (auto [method, target] :
         std::vector<std::pair<std::string, std::string>>{{"GET", "/health"},
                                                          {"GET", "/v1/models"},
                                                          {"GET", "/props"},
                                                          {"POST", "/v1/chat/completions"},
                                                          {"GET", "/no/such/path"}}) {
      auto r = request(loopback, fake.port(), method, target, method == "POST" ? chat_body(1, false) : "");
      CHECK_MESSAGE(r.status == 503, target);
      CHECK(r.body == loading);
    }
    REQUIRE(fake.wait_ready(patience));
    auto ok = get(fake, "/health");
    CHECK(ok.status == 200);
    CHECK(ok.body == R"({"status":"ok"})");
  }

  TEST_CASE("/v1/models and /props describe the model; --alias, -np, -c and LLAMA_ARG_* shape them") {
    fake_llama_process plain;
    auto models = parsed(get(plain, "/v1/models").body);
    CHECK(models.at("data").at(0).at("id").as_string() == plain.model_path().string());
    CHECK(models.at("object").as_string() == "list");
    auto props = parsed(get(plain, "/props").body);
    CHECK(props.at("total_slots").as_int64() == 4);
    CHECK(props.at("model_path").as_string() == plain.model_path().string());

    fake_llama_process shaped({.args = {"--alias", "my-model", "-np", "2", "-c", "8192"},
                               .env = {{"LLAMA_ARG_N_GPU_LAYERS", "99"}}});
    CHECK(parsed(get(shaped, "/v1/models").body).at("data").at(0).at("id").as_string() == "my-model");
    auto shaped_props = parsed(get(shaped, "/props").body);
    CHECK(shaped_props.at("total_slots").as_int64() == 2);
    CHECK(shaped_props.at("default_generation_settings").at("n_ctx").as_int64() == 4096);

    fake_llama_process from_env({.args = {}, .env = {{"LLAMA_ARG_ALIAS", "env-alias"}}});
    CHECK(parsed(get(from_env, "/models").body).at("data").at(0).at("id").as_string() == "env-alias");
  }

  TEST_CASE("keep-alive like llama-server's: the 100th response says Connection: close, then it closes") {
    fake_llama_process fake;
    keep_alive_client c(loopback, fake.port());
    for (int i = 1; i <= 100; ++i) {
      auto res = i % 2 ? c.request("GET", "/health")
                       : c.request("POST", "/v1/chat/completions", chat_body(2, false));
      REQUIRE(res.status == 200);
      CHECK_MESSAGE((res.header("Connection") == "close") == (i == 100), "response ", i);
    }
    CHECK(c.closed_by_server());
  }

  TEST_CASE("unknown paths and wrong methods are 404 File Not Found") {
    fake_llama_process fake;
    const std::string not_found =
        R"({"error":{"code":404,"message":"File Not Found","type":"not_found_error"}})";
    auto unknown = get(fake, "/v2/nothing");
    CHECK(unknown.status == 404);
    CHECK(unknown.body == not_found);
    CHECK(get(fake, "/v1/chat/completions").status == 404);
  }

  TEST_CASE("/slots and /metrics answer 501 unless enabled") {
    fake_llama_process plain;
    for (const char* target : {"/slots", "/metrics"}) {
      auto r = get(plain, target);
      CHECK(r.status == 501);
      CHECK(parsed(r.body).at("error").at("type").as_string() == "not_supported_error");
    }
    fake_llama_process enabled({.args = {"--slots", "--metrics"}});
    CHECK(parsed(get(enabled, "/slots").body).as_array().size() == 4);
    REQUIRE(post(enabled, "/v1/chat/completions", chat_body(3, false)).status == 200);
    auto metrics = get(enabled, "/metrics");
    CHECK(metrics.status == 200);
    CHECK(metrics.header("Content-Type").value_or("").starts_with("text/plain"));
    CHECK(contains(metrics.body,
                   "# TYPE llamacpp:tokens_predicted_total counter\nllamacpp:tokens_predicted_total 3\n"));
  }

  TEST_CASE("chat completion: echoes the model, honours max_tokens, reports usage and timings") {
    fake_llama_process fake;
    auto r = post(fake, "/v1/chat/completions", chat_body(4, false, "gpt-test"));
    REQUIRE(r.status == 200);
    CHECK(r.header("Content-Type").value_or("").starts_with("application/json"));
    auto body = parsed(r.body);
    CHECK(body.at("model").as_string() == "gpt-test");
    CHECK(body.at("object").as_string() == "chat.completion");
    const auto& choice = body.at("choices").at(0);
    CHECK(choice.at("message").at("content").as_string() == "Hello from the fake");
    CHECK(choice.at("message").at("role").as_string() == "assistant");
    CHECK(choice.at("finish_reason").as_string() == "length");
    const auto& usage = body.at("usage");
    CHECK(usage.at("completion_tokens").as_int64() == 4);
    CHECK(usage.at("total_tokens").as_int64() == usage.at("prompt_tokens").as_int64() + 4);
    CHECK(body.at("timings").at("predicted_n").as_int64() == 4);

    auto unlimited = parsed(post(fake, "/chat/completions", chat_body(-1, false)).body);
    CHECK(unlimited.at("choices").at(0).at("message").at("content").as_string() == sixteen_tokens);
    CHECK(unlimited.at("choices").at(0).at("finish_reason").as_string() == "stop");
    CHECK(unlimited.at("model").as_string() == fake.model_path().string());
  }

  TEST_CASE("text and native completions") {
    fake_llama_process fake;
    auto text = parsed(post(fake, "/v1/completions", R"({"prompt":"Say hi","max_tokens":2})").body);
    CHECK(text.at("object").as_string() == "text_completion");
    CHECK(text.at("choices").at(0).at("text").as_string() == "Hello from");
    CHECK(text.at("usage").at("prompt_tokens").as_int64() == 7);  // BOS + one per byte

    auto native = parsed(post(fake, "/completion", R"({"prompt":"Say hi","n_predict":3})").body);
    CHECK(native.at("content").as_string() == "Hello from the");
    CHECK(native.at("stop").as_bool());
    CHECK(native.at("tokens_predicted").as_int64() == 3);
    CHECK(native.at("stop_type").as_string() == "limit");
    CHECK(native.as_object().contains("timings"));
  }

  TEST_CASE("streamed chat: chunked event-stream, one event per chunk, final chunk, then [DONE]") {
    fake_llama_process fake;
    auto r = stream_post(fake, "/v1/chat/completions", chat_body(3, true, "m1"));
    CHECK(r.head.status == 200);
    CHECK(r.head.header("Content-Type") == "text/event-stream");
    CHECK(r.head.header("Transfer-Encoding") == "chunked");
    CHECK(r.complete);
    REQUIRE(r.pieces.size() == 5);
    const char* words[] = {"Hello", " from", " the"};
    for (int i = 0; i < 3; ++i) {
      CHECK(r.pieces[i].ends_with("}\n\n"));
      auto chunk = event_json(r.pieces[i]);
      const auto& delta = chunk.at("choices").at(0).at("delta").as_object();
      CHECK(delta.at("content").as_string() == words[i]);
      CHECK_FALSE(delta.contains("role"));
      CHECK(chunk.at("choices").at(0).at("finish_reason").is_null());
      CHECK(chunk.at("model").as_string() == "m1");
    }
    auto last = event_json(r.pieces[3]);
    CHECK(last.at("choices").at(0).at("finish_reason").as_string() == "length");
    CHECK(last.at("usage").at("completion_tokens").as_int64() == 3);
    CHECK(last.as_object().contains("timings"));
    CHECK(r.pieces[4] == "data: [DONE]\n\n");
  }

  TEST_CASE("streamed native /completion ends with its stop chunk and no [DONE]") {
    fake_llama_process fake;
    auto r = stream_post(fake, "/completion", R"({"prompt":"x","n_predict":2,"stream":true})");
    REQUIRE(r.pieces.size() == 3);
    CHECK(event_json(r.pieces[0]).at("content").as_string() == "Hello");
    CHECK(event_json(r.pieces[2]).at("stop").as_bool());
    CHECK_FALSE(contains(r.head.body, "[DONE]"));
  }

  TEST_CASE("bad requests: invalid JSON is a 500 server_error, a chat without messages a 400") {
    fake_llama_process fake;
    auto invalid = post(fake, "/v1/chat/completions", "{not json");
    CHECK(invalid.status == 500);
    CHECK(parsed(invalid.body).at("error").at("type").as_string() == "server_error");
    auto no_messages = post(fake, "/v1/chat/completions", R"({"model":"x"})");
    CHECK(no_messages.status == 400);
    CHECK(parsed(no_messages.body).at("error").at("type").as_string() == "invalid_request_error");
  }

  TEST_CASE("--api-key: 401 without a valid key; /health and /v1/models stay public") {
    fake_llama_process fake({.args = {"--api-key", "k1,k2"}});
    CHECK(get(fake, "/health").status == 200);
    CHECK(get(fake, "/v1/models").status == 200);
    auto denied = get(fake, "/props");
    CHECK(denied.status == 401);
    CHECK(denied.body ==
          R"({"error":{"code":401,"message":"Invalid API Key","type":"authentication_error"}})");
    CHECK(get(fake, "/props", {{"Authorization", "Bearer nope"}}).status == 401);
    CHECK(get(fake, "/props", {{"Authorization", "Bearer k1"}}).status == 200);
    CHECK(get(fake, "/props", {{"X-Api-Key", "k2"}}).status == 200);
    CHECK(post(fake, "/v1/chat/completions", chat_body(1, false), {{"Authorization", "Bearer k2"}}).status ==
          200);
  }

  TEST_CASE("embeddings: 501 unless --embeddings; then vectors, and completions are 501") {
    fake_llama_process plain;
    CHECK(post(plain, "/v1/embeddings", R"({"input":"hi"})").status == 501);

    fake_llama_process embedder({.args = {"--embeddings"}});
    auto r = parsed(post(embedder, "/v1/embeddings", R"({"input":["a","b"],"model":"e"})").body);
    CHECK(r.at("model").as_string() == "e");
    REQUIRE(r.at("data").as_array().size() == 2);
    CHECK(r.at("data").at(1).at("embedding").as_array().size() == 16);
    CHECK(post(embedder, "/v1/chat/completions", chat_body(1, false)).status == 501);
  }

  TEST_CASE("tokenize and detokenize round-trip") {
    fake_llama_process fake;
    auto tokens = parsed(post(fake, "/tokenize", R"({"content":"hi"})").body);
    CHECK(json::serialize(tokens) == R"({"tokens":[107,108]})");
    auto special =
        parsed(post(fake, "/tokenize", R"({"content":"hi","add_special":true,"with_pieces":true})").body);
    CHECK(special.at("tokens").at(1).at("piece").as_string() == "h");
    auto text = parsed(post(fake, "/detokenize", R"({"tokens":[1,107,108]})").body);
    CHECK(text.at("content").as_string() == "hi");
  }

  TEST_CASE("SIGTERM ends it within milliseconds with exit status 134") {
    fake_llama_process fake;
    const auto start = std::chrono::steady_clock::now();
    auto status = fake.process().terminate(SIGTERM, patience);
    REQUIRE(status);
    CHECK(status->exited_with(134));
    CHECK(std::chrono::steady_clock::now() - start < 1s);
  }

  TEST_CASE("unknown flags are ignored with their values; FAKE_LLAMA_ARGV_FILE records argv") {
    temp_dir dir;
    const auto argv_file = dir.path() / "argv.txt";
    const std::vector<std::string> extra = {"--seed", "-1", "--jinja", "--flash-attn", "on", "-ngl", "99"};
    fake_llama_process fake({.args = extra, .env = {{"FAKE_LLAMA_ARGV_FILE", argv_file.string()}}});
    CHECK(get(fake, "/health").status == 200);
    CHECK(fake.process().wait_for_line(std::regex("ignoring unknown argument: -1$"), patience));

    std::ifstream in(argv_file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::vector<std::string> expected = {bin_path("fake-llama-server").string(),
                                         "-m",
                                         fake.model_path().string(),
                                         "--host",
                                         "127.0.0.1",
                                         "--port",
                                         "0"};
    expected.insert(expected.end(), extra.begin(), extra.end());
    CHECK(lines == expected);
  }

  TEST_CASE("FAKE_LLAMA_EXIT_DURING_LOAD exits with that code while loading") {
    fake_llama_process fake({.args = {}, .env = {{"FAKE_LLAMA_EXIT_DURING_LOAD", "3"}}, .wait_ready = false});
    auto status = fake.process().wait_exit(patience);
    REQUIRE(status);
    CHECK(status->exited_with(3));
  }

  TEST_CASE("FAKE_LLAMA_CRASH_AFTER_REQUESTS aborts right after the N-th completion") {
    fake_llama_process fake({.args = {}, .env = {{"FAKE_LLAMA_CRASH_AFTER_REQUESTS", "2"}}});
    CHECK(post(fake, "/v1/chat/completions", chat_body(2, false)).status == 200);
    CHECK(get(fake, "/health").status == 200);  // not a completion: does not count
    auto second = post(fake, "/v1/completions", R"({"prompt":"x","max_tokens":2})");
    CHECK(second.status == 200);
    CHECK(parsed(second.body).at("choices").at(0).at("text").as_string() == "Hello from");
    auto status = fake.process().wait_exit(patience);
    REQUIRE(status);
    CHECK(status->killed_by(SIGABRT));

    // A stream as the last request is still delivered whole.
    fake_llama_process streamed({.args = {}, .env = {{"FAKE_LLAMA_CRASH_AFTER_REQUESTS", "1"}}});
    auto r = stream_post(streamed, "/v1/chat/completions", chat_body(3, true));
    CHECK(r.complete);
    CHECK(r.pieces.size() == 5);
    auto streamed_status = streamed.process().wait_exit(patience);
    REQUIRE(streamed_status);
    CHECK(streamed_status->killed_by(SIGABRT));
  }

  TEST_CASE("FAKE_LLAMA_CRASH_MID_STREAM aborts after N tokens of a stream") {
    fake_llama_process fake({.args = {}, .env = {{"FAKE_LLAMA_CRASH_MID_STREAM", "2"}}});
    std::vector<std::string> pieces;
    stream_callbacks callbacks{{}, [&](std::string_view piece) {
                                 pieces.emplace_back(piece);
                                 return true;
                               }};
    CHECK_THROWS(stream_post(fake, "/v1/chat/completions", chat_body(10, true), callbacks));
    CHECK(pieces.size() == 2);
    auto status = fake.process().wait_exit(patience);
    REQUIRE(status);
    CHECK(status->killed_by(SIGABRT));
  }

  TEST_CASE("FAKE_LLAMA_ERROR_MID_STREAM sends an error event, then [DONE], after N tokens") {
    fake_llama_process fake({.args = {}, .env = {{"FAKE_LLAMA_ERROR_MID_STREAM", "2"}}});
    auto r = stream_post(fake, "/v1/chat/completions", chat_body(10, true));
    CHECK(r.complete);
    REQUIRE(r.pieces.size() == 4);
    REQUIRE(r.pieces[2].starts_with("error: "));
    auto error = parsed(std::string_view(r.pieces[2]).substr(7));
    CHECK(error.at("code").as_int64() == 500);
    CHECK(error.at("type").as_string() == "server_error");
    CHECK(r.pieces[3] == "data: [DONE]\n\n");
    CHECK(post(fake, "/v1/chat/completions", chat_body(1, false)).status == 200);  // still serving
  }

  TEST_CASE("FAKE_LLAMA_TOKEN_DELAY_MS paces the tokens") {
    fake_llama_process fake({.args = {}, .env = {{"FAKE_LLAMA_TOKEN_DELAY_MS", "30"}}});
    std::vector<std::chrono::steady_clock::time_point> arrivals;
    stream_callbacks callbacks{{}, [&](std::string_view) {
                                 arrivals.push_back(std::chrono::steady_clock::now());
                                 return true;
                               }};
    auto r = stream_post(fake, "/v1/chat/completions", chat_body(5, true), callbacks);
    REQUIRE(arrivals.size() == 7);
    CHECK(arrivals[4] - arrivals[0] >= 120ms);  // four more tokens, 30 ms each
  }

  TEST_CASE(
      "all slots busy: a stream gets its headers at once, data only once a slot frees; "
      "a client disconnect cancels the task") {
    fake_llama_process fake({.args = {"-np", "1"}, .env = {{"FAKE_LLAMA_TOKEN_DELAY_MS", "50"}}});
    std::promise<void> first_started;
    std::promise<void> second_headers;
    std::atomic<bool> second_has_headers{false};
    std::atomic<int> second_pieces{0};
    std::atomic<bool> second_data_too_early{false};

    // The first stream holds the only slot; three pieces after the second
    // stream's headers arrived it hangs up.
    auto first = std::async(std::launch::async, [&] {
      int pieces = 0;
      int after_second_headers = 0;
      return stream_post(fake, "/v1/chat/completions", chat_body(1000, true),
                         {{}, [&](std::string_view) {
                            if (++pieces == 1) first_started.set_value();
                            if (!second_has_headers) return true;
                            if (second_pieces > 0) second_data_too_early = true;
                            return ++after_second_headers < 3;
                          }});
    });
    REQUIRE(first_started.get_future().wait_for(patience) == std::future_status::ready);

    auto second = std::async(std::launch::async, [&] {
      return stream_post(fake, "/v1/chat/completions", chat_body(3, true),
                         {[&](const http_result&) {
                            second_has_headers = true;
                            second_headers.set_value();
                          },
                          [&](std::string_view) {
                            ++second_pieces;
                            return true;
                          }});
    });
    REQUIRE(second_headers.get_future().wait_for(patience) == std::future_status::ready);

    auto first_result = first.get();
    CHECK(first_result.stopped);
    CHECK_FALSE(second_data_too_early);
    auto second_result = second.get();
    CHECK(second_result.head.status == 200);
    CHECK(second_result.complete);
    CHECK(second_result.pieces.size() == 5);

    auto& p = fake.process();
    REQUIRE(p.wait_for_line(std::regex("srv  cancel_tasks: cancel task, id_task = 0$"), patience));
    REQUIRE(p.wait_for_line(std::regex("task 1 \\| processing task$"), patience));
    auto lines = p.lines();
    auto index_of = [&](std::string_view part) {
      return std::find_if(lines.begin(), lines.end(),
                          [&](const std::string& l) { return contains(l, part); }) -
             lines.begin();
    };
    CHECK(index_of("cancel task, id_task = 0") < index_of("task 1 | processing task"));
  }

}  // TEST_SUITE
