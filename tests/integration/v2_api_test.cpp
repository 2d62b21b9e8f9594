// /api/v2 load/unload/chat end to end: the real gateway with fake-llama-server
// as the instance binary and small generated GGUF files in its models dir.
// Every wait polls observable state with a hard deadline; no fixed sleeps.
#include "gateway_process.hpp"
#include "studio/test/free_port.hpp"
#include "studio/test/observe.hpp"
#include "gguf_writer.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fstream>
#include <functional>
#include <thread>

using namespace studio::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// A small llama-shaped model: 22 layers, 2048 wide, 32 heads, 4 KV heads.
std::string small_model(std::uint32_t block_count = 22) {
  studio::gguf::test::gguf_writer w;
  w.counts(0, 7)
      .kv_string("general.architecture", "llama")
      .kv_u32("llama.context_length", 4096)
      .kv_u32("llama.embedding_length", 2048)
      .kv_u32("llama.block_count", block_count)
      .kv_u32("llama.attention.head_count", 32)
      .kv_u32("llama.attention.head_count_kv", 4)
      .kv_u32("general.file_type", 15);
  return w.bytes();
}

// A gateway whose instances are fake-llama-servers on one free port.
struct rig {
  temp_dir dir;
  unsigned short instance_port = free_port();
  std::unique_ptr<gateway_process> gw;

  explicit rig(env_list env = {}) {
    dir.write_file("llm/models/small.gguf", small_model());
    // Needs 2 x 1e6 layers x 1e6 ctx x 256 x 2 bytes: more than any machine has.
    dir.write_file("llm/models/huge.gguf", small_model(1000000));
    gateway_options options{
        {"--llama-server", bin_path("fake-llama-server").string(), "--llm-port", std::to_string(free_port()),
         "--instance-ports", std::to_string(instance_port) + "-" + std::to_string(instance_port)},
        std::move(env)};
    gw = std::make_unique<gateway_process>(options, &dir);
  }
  http_result post(const std::string& path, const std::string& body, const char* key = management_key) const {
    return gw->call("POST", path, key, body, {{"Content-Type", "application/json"}});
  }
  json::object get_json(const std::string& path) const {
    auto r = gw->call("GET", path, management_key);
    REQUIRE(r.status == 200);
    return json::parse(r.body).as_object();
  }
};

json::object parse(const http_result& r) {
  auto v = json::parse(r.body);
  REQUIRE(v.is_object());
  return v.as_object();
}

const std::string chat_body =
    R"({"messages":[{"role":"user","content":"Hi"}],"temperature":0.5,"n_predict":5})";

// promtool from Debian's prometheus package, when installed.
std::optional<std::filesystem::path> find_promtool() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin"}) {
    std::filesystem::path p = std::filesystem::path(dir) / "promtool";
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return std::nullopt;
}

// Runs `promtool check metrics` on `text`; returns its exit code and output.
std::pair<int, std::string> promtool_check(const std::filesystem::path& promtool, const std::string& text,
                                           const temp_dir& scratch) {
  auto file = scratch.write_file("metrics.txt", text);
  child_process check("/bin/sh", process_options{{"-c", "exec \"$0\" check metrics < \"$1\"", promtool.string(),
                                                   file.string()},
                                                  {},
                                                  {}});
  auto status = check.wait_exit(std::chrono::seconds(20));
  REQUIRE(status.has_value());
  return {status->signaled ? 128 + status->signal : status->code, check.output()};
}

}  // namespace

TEST_SUITE("v2_api") {
  TEST_CASE("load -> listed as loaded -> chat and stream count tokens -> unload") {
    temp_dir scratch;
    auto argv_file = scratch.path() / "argv.txt";
    rig r(env_list{{"FAKE_LLAMA_ARGV_FILE", argv_file.string()}});

    auto load =
        r.post("/api/v2/models/small.gguf/load",
               R"({"n_gpu_layers":0,"n_ctx":2048,"n_batch":256,"threads":2,"use_mlock":true,"f16_kv":true})");
    REQUIRE_MESSAGE(load.status == 200, load.body);
    auto loaded = parse(load);
    CHECK(loaded.at("status") == "success");
    CHECK(loaded.at("message") == "Model loaded successfully");
    CHECK(loaded.at("load_time").as_string().size() == 20);
    CHECK(std::string(loaded.at("memory_used").as_string()).find('B') != std::string::npos);
    CHECK(processes_on_port(r.instance_port) == 1);

    auto argv = slurp(argv_file);
    for (const char* want : {"--ctx-size\n2048\n", "--batch-size\n256\n", "--threads\n2\n", "--mlock\n",
                             "--cache-type-k\nf16\n", "--cache-type-v\nf16\n", "--n-gpu-layers\n0\n"}) {
      CHECK_MESSAGE(argv.find(want) != std::string::npos, want, " not in ", argv);
    }

    auto list = r.get_json("/api/v2/models");
    CHECK(list.at("loaded_models").at("small.gguf").at("status") == "loaded");
    auto one = r.get_json("/api/v2/models/small.gguf");
    CHECK(one.at("status") == "loaded");
    CHECK(one.at("performance").at("load_time").is_string());
    CHECK(one.at("performance").at("tokens_processed").to_number<int>() == 0);

    // Non-streamed: n_predict 5 -> max_tokens 5 -> 5 completion tokens (inference key allowed).
    auto chat = r.post("/api/v2/chat/small.gguf", chat_body, inference_key);
    REQUIRE_MESSAGE(chat.status == 200, chat.body);
    auto answer = parse(chat);
    CHECK(answer.at("object") == "chat.completion");
    CHECK(answer.at("usage").at("completion_tokens").to_number<int>() == 5);

    auto stream = r.post("/api/v2/chat/small.gguf/stream", chat_body, inference_key);
    REQUIRE(stream.status == 200);
    CHECK(stream.header("Content-Type").value_or("").find("text/event-stream") != std::string::npos);
    auto lines = sse_lines(stream.body);
    REQUIRE(lines.size() >= 2);
    CHECK(lines.front().find("chat.completion.chunk") != std::string::npos);
    CHECK(lines.back() == "data: [DONE]");

    auto perf = r.get_json("/api/v2/models/small.gguf").at("performance").as_object();
    auto tokens = perf.at("tokens_processed").to_number<std::uint64_t>();
    CHECK(tokens == 5 + 5);  // both from usage.completion_tokens (the stream's final chunk)
    CHECK(perf.at("average_speed").to_number<double>() > 0);

    // Prometheus /metrics (format checked by a parser in the unit tests).
    auto metrics = r.gw->call("GET", "/metrics", management_key);
    REQUIRE(metrics.status == 200);
    CHECK(metrics.header("Content-Type").value_or("").starts_with("text/plain; version=0.0.4"));
    const std::vector<std::string> wanted{
        "studio_http_requests_total{method=\"POST\",route=\"/api/v2/chat/{model_id}\",status=\"200\"} 1\n",
        "studio_http_requests_total{method=\"POST\",route=\"/api/v2/models/{model_id}/load\",status=\"200\"} "
        "1\n",
        "studio_instance_state{instance=\"small.gguf\",state=\"running\"} 1\n",
        "studio_instance_restarts_total{instance=\"small.gguf\"} 0\n",
        "studio_model_tokens_total{model=\"small.gguf\"} " + std::to_string(tokens) + "\n"};
    for (const auto& want : wanted) {
      CHECK_MESSAGE(metrics.body.find(want) != std::string::npos, want, " not in ", metrics.body);
    }
    CHECK(r.gw->call("GET", "/metrics", inference_key).status == 403);

    auto unload = r.post("/api/v2/models/small.gguf/unload", "");
    REQUIRE_MESSAGE(unload.status == 200, unload.body);
    CHECK(parse(unload).at("status") == "success");
    CHECK(parse(unload).at("unload_time").as_string().size() == 20);
    CHECK(poll_until([&] { return processes_on_port(r.instance_port) == 0; }));
    CHECK(r.get_json("/api/v2/models/small.gguf").at("status") == "not_loaded");
    CHECK(r.post("/api/v2/chat/small.gguf", chat_body).status == 503);
    CHECK(r.post("/api/v2/models/small.gguf/unload", "").status == 404);

    // Loading again reuses the instance (same port).
    auto again = r.post("/api/v2/models/small.gguf/load", "");
    CHECK_MESSAGE(again.status == 200, again.body);
    CHECK(processes_on_port(r.instance_port) == 1);
    r.gw.reset();
    CHECK(poll_until([&] { return processes_on_port(r.instance_port) == 0; }));
  }

  TEST_CASE("errors: 404 unknown model, 400 bad bodies, 503 not loaded, 403 inference key on load") {
    rig r;
    CHECK(r.post("/api/v2/models/nope.gguf/load", "{}").status == 404);
    CHECK(r.post("/api/v2/models/small.gguf/load", "{not json").status == 400);
    CHECK(r.post("/api/v2/models/small.gguf/load", "[1]").status == 400);
    auto typed = r.post("/api/v2/models/small.gguf/load", R"({"n_ctx":"2048"})");
    CHECK(typed.status == 400);
    CHECK(parse(typed).at("error") == "field 'n_ctx' must be an integer");
    CHECK(r.post("/api/v2/models/small.gguf/load", "{}", inference_key).status == 403);
    CHECK(r.post("/api/v2/models/small.gguf/unload", "").status == 404);
    CHECK(r.post("/api/v2/chat/nope.gguf", chat_body).status == 404);
    CHECK(r.post("/api/v2/chat/small.gguf", R"({"temperature":1})").status == 400);
    CHECK(r.post("/api/v2/chat/small.gguf", "{oops").status == 400);
    auto not_loaded = r.post("/api/v2/chat/small.gguf/stream", chat_body);
    CHECK(not_loaded.status == 503);
    CHECK(parse(not_loaded).at("error").as_string().find("not loaded") != std::string::npos);
  }

  TEST_CASE("a model that fails to load answers 500 JSON") {
    rig r(env_list{{"FAKE_LLAMA_EXIT_DURING_LOAD", "3"}});
    auto load = r.post("/api/v2/models/small.gguf/load", "{}");
    CHECK(load.status == 500);
    auto body = parse(load);
    CHECK(body.at("status") == "error");
    CHECK(body.at("error").is_string());
    CHECK(poll_until([&] { return processes_on_port(r.instance_port) == 0; }));
  }

  TEST_CASE("memory estimate: a model that cannot fit is refused with 507, force loads it") {
    rig r;
    auto refused = r.post("/api/v2/models/huge.gguf/load", R"({"n_ctx":1000000})");
    REQUIRE_MESSAGE(refused.status == 507, refused.body);
    auto body = parse(refused);
    CHECK(body.at("error").as_string().find("not enough memory") != std::string::npos);
    CHECK(body.at("estimate").at("kv_cache_bytes").to_number<double>() ==
          doctest::Approx(2.0 * 1000000 * 1000000 * 256 * 2));
    CHECK(body.at("estimate").at("n_ctx").to_number<int>() == 1000000);
    CHECK(body.at("free").at("bytes").to_number<double>() > 0);
    CHECK(processes_on_port(r.instance_port) == 0);

    auto forced = r.post("/api/v2/models/huge.gguf/load", R"({"n_ctx":1000000,"force":true})");
    CHECK_MESSAGE(forced.status == 200, forced.body);
    CHECK(r.get_json("/api/v2/models").at("loaded_models").as_object().contains("huge.gguf"));
    // The small one fits and needs a port, but the only instance port is taken.
    CHECK(r.post("/api/v2/models/small.gguf/load", "{}").status == 503);
    r.gw.reset();
    CHECK(poll_until([&] { return processes_on_port(r.instance_port) == 0; }));
  }

  TEST_CASE("GET /metrics after traffic: the whole page passes promtool check metrics") {
    rig r;
    REQUIRE(r.post("/api/v2/models/small.gguf/load", "{}").status == 200);
    REQUIRE(r.post("/api/v2/chat/small.gguf", chat_body, inference_key).status == 200);
    REQUIRE(r.post("/api/v2/chat/small.gguf/stream", chat_body, inference_key).status == 200);
    const std::string v1_stream =
        R"({"model":"small.gguf","stream":true,"max_tokens":4,"messages":[{"role":"user","content":"Hi"}]})";
    REQUIRE(r.post("/v1/chat/completions", v1_stream, inference_key).status == 200);
    CHECK(r.gw->call("GET", "/api/v2/models/nope.gguf", management_key).status == 404);
    CHECK(r.gw->call("GET", "/no/such/route", management_key).status == 404);

    auto metrics = r.gw->call("GET", "/metrics", management_key);
    REQUIRE(metrics.status == 200);
    const auto& page = metrics.body;
    // Every family is there, with its samples for the traffic above.
    for (const char* want : {
             "# TYPE studio_http_requests_total counter\n",
             "# TYPE studio_http_request_duration_seconds histogram\n",
             "studio_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v2/chat/{model_id}\"} 1\n",
             "studio_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v2/models/{model_id}/load\","
             "le=\"+Inf\"} 1\n",
             "studio_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1\n",
             "# TYPE studio_open_streams gauge\nstudio_open_streams 0\n",
             "# TYPE studio_model_requests_total counter\n",
             // v2 chat, v2 stream and a /v1 stream, recorded by the proxying routes.
             "studio_model_requests_total{model=\"small.gguf\",status=\"200\"} 3\n",
             "studio_model_request_duration_seconds_count{model=\"small.gguf\"} 3\n",
             "studio_model_time_to_first_token_seconds_count{model=\"small.gguf\"} 2\n",
             "# TYPE studio_model_prompt_tokens_total counter\n",
             "# TYPE studio_model_completion_tokens_total counter\n",
             "# TYPE studio_model_tokens_per_second gauge\n",
             "# TYPE studio_model_time_to_first_token_seconds histogram\n",
             "# TYPE studio_model_request_duration_seconds histogram\n",
             "studio_instance_state{instance=\"small.gguf\",state=\"running\"} 1\n",
             "studio_instance_restarts_total{instance=\"small.gguf\"} 0\n",
             "studio_downloads{state=\"queued\"} 0\n",
             "studio_downloads{state=\"downloading\"} 0\n",
             "# TYPE studio_download_downloaded_bytes gauge\n",
         }) {
      CHECK_MESSAGE(page.find(want) != std::string::npos, want, " not in:\n", page);
    }

    auto promtool = find_promtool();
    if (!promtool) {
      MESSAGE("promtool is not installed (Debian package prometheus): the format check is skipped here; CI "
              "installs it");
      return;
    }
    temp_dir scratch;
    auto [code, output] = promtool_check(*promtool, page, scratch);
    CHECK_MESSAGE(code == 0, "promtool check metrics: exit ", code, "\n", output, "\n--- page ---\n", page);
    CHECK_MESSAGE(output.empty(), output);
    // The check can fail: a page with a broken sample line is rejected.
    auto [bad_code, bad_output] = promtool_check(*promtool, page + "studio_broken{le=\"1\" 1\n", scratch);
    CHECK(bad_code != 0);
  }

  TEST_CASE("--metrics-public: GET /metrics needs no key; without it a key is required") {
    {
      rig r;
      CHECK(r.gw->call("GET", "/metrics").status == 401);
      CHECK(r.gw->call("GET", "/metrics", inference_key).status == 403);
    }
    temp_dir dir;
    gateway_process gw({{"--metrics-public"}}, &dir);
    auto open = gw.call("GET", "/metrics");
    CHECK(open.status == 200);
    CHECK(open.body.find("# TYPE studio_http_requests_total counter") != std::string::npos);
    CHECK(gw.call("GET", "/api/v2/models").status == 401);  // only /metrics is opened
  }
}
