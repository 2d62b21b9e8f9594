// Scheduling end to end (issue 6): the real gateway supervising
// fake-llama-server instances. On-demand start with 20 concurrent requests
// (one launch), ": loading" heartbeats to a streaming client, idle stop at the
// instance's own deadline, --max-running-instances with and without LRU
// eviction, 429 + Retry-After past the per-instance queue, and
// --on-demand-download (catalog file from a real nginx hub, then loaded).
// Launches are counted from the instance log's "started pid" lines.
#include "gateway_process.hpp"
#include "hf_nginx.hpp"
#include "studio/test/free_port.hpp"
#include "studio/test/observe.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

using namespace studio::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const header_list json_type{{"Content-Type", "application/json"}};

// Whether a loopback TCP port can be bound now.
bool port_free(unsigned short port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// The first of `count` consecutive free ports below the kernel's ephemeral range
// (32768+), so that the gateway's own port 0, the fake's and nginx's never fall
// into the instance range.
unsigned short free_range(unsigned count) {
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> pick(20000, 32000);
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto first = static_cast<unsigned short>(pick(rng));
    bool all = true;
    for (unsigned i = 0; i < count && all; ++i) all = port_free(static_cast<unsigned short>(first + i));
    if (all) return first;
  }
  throw std::runtime_error("no free port range");
}

std::unique_ptr<gateway_process> start_gateway(const temp_dir& dir, unsigned ports,
                                               std::vector<std::string> extra = {}) {
  auto first = free_range(ports);
  std::string range = std::to_string(first) + "-" + std::to_string(first + ports - 1);
  gateway_options options{{"--llama-server", bin_path("fake-llama-server").string(), "--llm-port",
                           std::to_string(free_port()), "--instance-ports", range},
                          {}};
  options.args.insert(options.args.end(), extra.begin(), extra.end());
  return std::make_unique<gateway_process>(options, &dir);
}

http_result manage(const gateway_process& gw, const std::string& method, const std::string& path,
                   const std::string& body = "") {
  return gw.call(method, path, management_key, body, json_type);
}

// Creates instance `name` on the fake with `options` merged over the model file.
void create(const gateway_process& gw, const temp_dir& dir, const std::string& name, json::object options) {
  static int n = 0;
  auto model = dir.write_file("llm/models/m" + std::to_string(++n) + ".gguf", "GGUF fake model");
  options["model"] = model.string();
  auto r = manage(gw, "POST", "/api/v1/instances/" + name, json::serialize(options));
  REQUIRE_MESSAGE(r.status == 201, r.body);
}

std::string status_of(const gateway_process& gw, const std::string& name) {
  auto r = manage(gw, "GET", "/api/v1/instances/" + name);
  if (r.status != 200) return "?";
  return std::string(json::parse(r.body).at("status").as_string());
}

bool becomes(const gateway_process& gw, const std::string& name, const std::string& want,
             std::chrono::milliseconds limit = 10s) {
  bool ok = poll_until([&] { return status_of(gw, name) == want; }, limit);
  if (!ok) MESSAGE(name << " is not " << want << ": " << manage(gw, "GET", "/api/v1/instances/" + name).body);
  return ok;
}

// Launches of `name` so far (the supervisor's "started pid" lines in its log).
int launches(const gateway_process& gw, const std::string& name) {
  auto text = slurp(gw.studio_dir() / "logs" / (name + ".log"));
  int count = 0;
  for (std::size_t at = 0; (at = text.find("---- studio-gateway: started pid", at)) != std::string::npos; ++at)
    ++count;
  return count;
}

http_result chat(const gateway_process& gw, const std::string& model, int max_tokens = 2) {
  std::string body = R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}],"max_tokens":)" +
                     std::to_string(max_tokens) + "}";
  return request("127.0.0.1", gw.port(), "POST", "/v1/chat/completions", body,
                 {{"Content-Type", "application/json"}, {"X-API-Key", inference_key}}, 30s);
}

}  // namespace

TEST_SUITE("scheduling") {
  TEST_CASE("on-demand start: 20 concurrent requests for a stopped instance cause one launch") {
    temp_dir dir;
    // One running instance at most, so the start must first evict "first": all 20
    // requests see "od" stopped meanwhile. Four I/O threads: the requests really run
    // concurrently, and a launch must not hang while other threads run the io_context
    // (instance_child.cpp forks against a private context for that reason).
    auto gw = start_gateway(dir, 3, {"--max-running-instances", "1", "--enable-lru-eviction", "--threads", "4"});
    create(*gw, dir, "first", {});
    REQUIRE(becomes(*gw, "first", "running"));
    create(*gw, dir, "od", {{"auto_start", false}, {"on_demand_start", true},
                            {"environment", json::object{{"FAKE_LLAMA_LOAD_DELAY_MS", "400"}}}});
    CHECK(status_of(*gw, "od") == "stopped");
    // Without on_demand_start a stopped instance is not started: 503.
    create(*gw, dir, "plain", {{"auto_start", false}});
    CHECK(chat(*gw, "plain").status == 503);
    CHECK(status_of(*gw, "first") == "running");

    std::vector<std::thread> clients;
    std::mutex mutex;
    std::map<unsigned, int> statuses;
    for (int i = 0; i < 20; ++i) {
      clients.emplace_back([&] {
        unsigned status = 0;
        try {
          status = chat(*gw, "od").status;
        } catch (const std::exception&) {
        }
        std::lock_guard lock(mutex);
        ++statuses[status];
      });
    }
    for (auto& t : clients) t.join();
    CHECK(statuses[200] == 20);
    if (statuses[200] != 20) MESSAGE("gateway output:\n" << gw->process().output());
    CHECK(launches(*gw, "od") == 1);
    CHECK(status_of(*gw, "od") == "running");
    CHECK(status_of(*gw, "first") == "stopped");  // evicted once for all of them
    CHECK(launches(*gw, "first") == 1);
    CHECK(launches(*gw, "plain") == 0);
  }

  TEST_CASE("a streaming request gets ': loading' comments while the model loads, then the stream") {
    temp_dir dir;
    auto gw = start_gateway(dir, 1);
    create(*gw, dir, "slow", {{"auto_start", false}, {"on_demand_start", true},
                              {"environment", json::object{{"FAKE_LLAMA_LOAD_DELAY_MS", "2500"}}}});
    std::string body = R"({"model":"slow","stream":true,"messages":[{"role":"user","content":"hi"}],"max_tokens":3})";
    auto result = request_stream("127.0.0.1", gw->port(), "POST", "/v1/chat/completions", body,
                                 {{"Content-Type", "application/json"}, {"X-API-Key", inference_key}}, {}, 15s);
    CHECK(result.complete);
    CHECK(result.head.status == 200);
    CHECK(result.head.header("Content-Type").value_or("").starts_with("text/event-stream"));
    const auto& text = result.head.body;
    auto first_beat = text.find(": loading slow");
    auto second_beat = text.find(": loading slow", first_beat + 1);
    auto first_data = text.find("data: ");
    REQUIRE(first_beat != std::string::npos);
    CHECK(second_beat != std::string::npos);  // one at once, one ~2 s later
    REQUIRE(first_data != std::string::npos);
    CHECK(first_beat < first_data);
    CHECK(second_beat < first_data);
    CHECK(text.find("data: [DONE]") != std::string::npos);
    CHECK(launches(*gw, "slow") == 1);
  }

  TEST_CASE("idle_timeout stops an unused instance at its deadline; the next request starts it again") {
    temp_dir dir;
    auto gw = start_gateway(dir, 1);
    // 0.01 minutes = 600 ms (fractions of a minute are allowed).
    create(*gw, dir, "idle", {{"auto_start", false}, {"on_demand_start", true}, {"idle_timeout", 0.01}});
    auto began = std::chrono::steady_clock::now();
    REQUIRE(chat(*gw, "idle").status == 200);
    auto answered = std::chrono::steady_clock::now();
    CHECK(status_of(*gw, "idle") == "running");
    REQUIRE(becomes(*gw, "idle", "stopped", 10s));
    auto stopped = std::chrono::steady_clock::now();
    CHECK(stopped - answered >= 550ms);  // not before its deadline
    CHECK(stopped - began < 8s);
    REQUIRE(chat(*gw, "idle").status == 200);
    CHECK(launches(*gw, "idle") == 2);
  }

  TEST_CASE("max running instances without eviction: start answers 409, on-demand too") {
    temp_dir dir;
    auto gw = start_gateway(dir, 3, {"--max-running-instances", "1"});
    create(*gw, dir, "a", {});
    REQUIRE(becomes(*gw, "a", "running"));
    create(*gw, dir, "b", {{"auto_start", false}, {"on_demand_start", true}});
    auto r = manage(*gw, "POST", "/api/v1/instances/b/start");
    CHECK(r.status == 409);
    CHECK(json::parse(r.body).at("error").as_string().find("maximum of running instances") != std::string::npos);
    auto c = chat(*gw, "b");
    CHECK(c.status == 409);
    CHECK(status_of(*gw, "a") == "running");
    CHECK(launches(*gw, "b") == 0);
    // Room again once "a" stops.
    REQUIRE(manage(*gw, "POST", "/api/v1/instances/a/stop").status == 200);
    CHECK(manage(*gw, "POST", "/api/v1/instances/b/start").status == 200);
    CHECK(becomes(*gw, "b", "running"));
  }

  TEST_CASE("max running instances with LRU eviction: the least recently used idle instance is stopped") {
    temp_dir dir;
    auto gw = start_gateway(dir, 3, {"--max-running-instances", "2", "--enable-lru-eviction"});
    create(*gw, dir, "a", {});
    create(*gw, dir, "b", {});
    REQUIRE(becomes(*gw, "a", "running"));
    REQUIRE(becomes(*gw, "b", "running"));
    create(*gw, dir, "c", {{"auto_start", false}, {"on_demand_start", true}});
    REQUIRE(chat(*gw, "b").status == 200);
    REQUIRE(chat(*gw, "a").status == 200);  // "b" is now the least recently used
    auto r = chat(*gw, "c");                // on demand: evicts "b", starts "c"
    CHECK(r.status == 200);
    CHECK(status_of(*gw, "b") == "stopped");
    CHECK(status_of(*gw, "a") == "running");
    CHECK(status_of(*gw, "c") == "running");
    // An explicit start evicts too: "a" is now the least recently used.
    CHECK(manage(*gw, "POST", "/api/v1/instances/b/start").status == 200);
    CHECK(becomes(*gw, "b", "running"));
    CHECK(status_of(*gw, "a") == "stopped");
    CHECK(status_of(*gw, "c") == "running");
  }

  TEST_CASE("past the per-instance queue: 429 with Retry-After; queued requests are served") {
    temp_dir dir;
    auto gw = start_gateway(dir, 1, {"--max-queued-requests", "1"});
    create(*gw, dir, "busy", {{"max_concurrent_requests", 1},
                              {"environment", json::object{{"FAKE_LLAMA_TOKEN_DELAY_MS", "150"}}}});
    REQUIRE(becomes(*gw, "busy", "running"));
    std::mutex mutex;
    std::vector<http_result> results;
    std::vector<std::thread> clients;
    for (int i = 0; i < 4; ++i) {
      clients.emplace_back([&] {
        auto r = chat(*gw, "busy", 6);  // ~1 s each: one runs, one waits, the others are refused
        std::lock_guard lock(mutex);
        results.push_back(std::move(r));
      });
    }
    for (auto& t : clients) t.join();
    int ok = 0;
    int refused = 0;
    for (const auto& r : results) {
      if (r.status == 200) ++ok;
      if (r.status == 429) {
        ++refused;
        CHECK(r.header("Retry-After").has_value());
        CHECK(json::parse(r.body).at("error").is_object());  // the OpenAI error shape on /v1
      }
    }
    CHECK(ok == 2);
    CHECK(refused == 2);
  }

  TEST_CASE("--on-demand-download: a /v1 request for a catalog file downloads it, starts it and answers") {
    hf_nginx hub({{"od.gguf", 2 << 20}});
    temp_dir dir;
    json::object entry{{"name", "od"}, {"file", "od.gguf"}, {"size_gb", 0.002}, {"hf_repo", "org/models"}};
    json::object cat{{"version", 1},
                     {"date", "2026-01-01 00:00"},
                     {"categories", json::array{json::object{{"id", "t"}, {"name", "T"}, {"models", json::array{entry}}}}}};
    auto catalog = dir.write_file("catalog.json", json::serialize(cat));
    auto gw = start_gateway(dir, 1,
                            {"--hf-endpoint", hub.endpoint(), "--ca-bundle", hub.ca_bundle().string(), "--catalog",
                             catalog.string(), "--on-demand-download"});
    CHECK(chat(*gw, "not-in-catalog.gguf").status == 404);
    std::string body = R"({"model":"od.gguf","stream":true,"messages":[{"role":"user","content":"hi"}],"max_tokens":2})";
    auto result = request_stream("127.0.0.1", gw->port(), "POST", "/v1/chat/completions", body,
                                 {{"Content-Type", "application/json"}, {"X-API-Key", inference_key}}, {}, 20s);
    CHECK(result.complete);
    CHECK(result.head.status == 200);
    const auto& text = result.head.body;
    auto downloading = text.find(": downloading od.gguf");
    auto loading = text.find(": loading od.gguf");
    auto data = text.find("data: ");
    REQUIRE(downloading != std::string::npos);
    REQUIRE(loading != std::string::npos);
    REQUIRE(data != std::string::npos);
    CHECK(downloading < loading);
    CHECK(loading < data);
    CHECK(text.find("data: [DONE]") != std::string::npos);
    CHECK(std::filesystem::file_size(gw->studio_dir() / "llm" / "models" / "od.gguf") == (2u << 20));
    // Now on disk and running: a plain request is answered at once, no second launch.
    CHECK(chat(*gw, "od.gguf").status == 200);
    CHECK(launches(*gw, "od.gguf") == 1);
  }

  TEST_CASE("--v2-on-demand-load: /api/v2/chat loads a model that is not loaded, once") {
    temp_dir dir;
    dir.write_file("llm/models/v2.gguf", "GGUF fake model");
    auto gw = start_gateway(dir, 1, {"--v2-on-demand-load"});
    std::string body = R"({"messages":[{"role":"user","content":"hi"}],"n_predict":2})";
    auto result = request_stream("127.0.0.1", gw->port(), "POST", "/api/v2/chat/v2.gguf/stream", body,
                                 {{"Content-Type", "application/json"}, {"X-API-Key", inference_key}}, {}, 15s);
    CHECK(result.complete);
    CHECK(result.head.status == 200);
    const auto& text = result.head.body;
    auto beat = text.find(": loading v2.gguf");
    auto data = text.find("data: ");
    REQUIRE(beat != std::string::npos);
    REQUIRE(data != std::string::npos);
    CHECK(beat < data);
    auto plain = gw->call("POST", "/api/v2/chat/v2.gguf", inference_key, body, json_type);
    CHECK(plain.status == 200);
    CHECK(launches(*gw, "v2.gguf") == 1);
    CHECK(gw->call("POST", "/api/v2/chat/absent.gguf", inference_key, body, json_type).status == 404);
  }

  TEST_CASE("a client that goes away while the model loads does not cancel the start for the others") {
    temp_dir dir;
    auto gw = start_gateway(dir, 1);
    create(*gw, dir, "shared", {{"auto_start", false}, {"on_demand_start", true},
                                {"environment", json::object{{"FAKE_LLAMA_LOAD_DELAY_MS", "1500"}}}});
    std::string body = R"({"model":"shared","stream":true,"messages":[{"role":"user","content":"hi"}],"max_tokens":2})";
    stream_callbacks leave_at_first_beat;
    leave_at_first_beat.on_piece = [](std::string_view) { return false; };  // close at once
    auto gone = request_stream("127.0.0.1", gw->port(), "POST", "/v1/chat/completions", body,
                               {{"Content-Type", "application/json"}, {"X-API-Key", inference_key}},
                               leave_at_first_beat, 10s);
    CHECK(gone.stopped);
    CHECK(gone.head.body.find(": loading shared") != std::string::npos);
    CHECK(status_of(*gw, "shared") == "starting");  // the launch goes on without its first client
    CHECK(chat(*gw, "shared").status == 200);      // joins the same start
    CHECK(launches(*gw, "shared") == 1);
  }
}
