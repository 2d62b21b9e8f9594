// The proxied endpoints end to end: the real gateway supervising
// fake-llama-server as its admin instance; chat, /v1 routing by model, the
// raw instance proxy, key scopes. Waits poll observable state with deadlines.
#include "gateway_process.hpp"
#include "studio/test/free_port.hpp"
#include "studio/test/observe.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

using namespace studio::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const header_list json_type{{"Content-Type", "application/json"}};

struct rig {
  temp_dir dir;
  std::unique_ptr<gateway_process> gw;

  explicit rig(const std::string& token_delay_ms = "5") {
    dir.write_file("llm/models/m.gguf", "GGUF fake model");
    gateway_options options{
        {"--llama-server", bin_path("fake-llama-server").string(), "--llm-port", std::to_string(free_port())},
        {{"FAKE_LLAMA_TOKEN_DELAY_MS", token_delay_ms}}};
    gw = std::make_unique<gateway_process>(options, &dir);
  }
  http_result post(const std::string& path, const std::string& body,
                   const std::string& key = management_key) const {
    return gw->call("POST", path, key, body, json_type);
  }
  void start_admin(const std::string& extra = "") const {
    auto r = post("/api/admin/llm/start", R"({"model":"m.gguf","wait":true,"temp":0.25)" + extra + "}");
    REQUIRE(r.status == 200);
  }
  // Whether the admin llama-server's first slot is generating (its /slots,
  // through the raw instance proxy; needs "slots":true at start).
  bool slot_busy() const {
    auto res = gw->call("GET", "/api/v1/instances/admin/proxy/slots", management_key);
    REQUIRE(res.status == 200);
    return json::parse(res.body).at(0).at("is_processing").as_bool();
  }
};

// A client socket the test closes when it wants to.
class raw_client {
 public:
  explicit raw_client(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~raw_client() { close(); }
  void send(const std::string& data) const {
    REQUIRE(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size()));
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

}  // namespace

TEST_SUITE("proxy") {
  TEST_CASE("admin chat: 400s, 503 when stopped, non-streamed and streamed answers") {
    rig r;
    const std::string chat = R"({"messages":[{"role":"user","content":"hi"}],"max_tokens":3})";
    CHECK(r.post("/api/admin/llm/chat", "{nope").status == 400);
    CHECK(r.post("/api/admin/llm/chat", R"({"stream":true})").status == 400);
    auto stopped = r.post("/api/admin/llm/chat", chat);
    CHECK(stopped.status == 503);
    CHECK(json::parse(stopped.body).at("error").is_string());

    r.start_admin();
    auto res = r.post("/api/admin/llm/chat", chat, inference_key);
    REQUIRE(res.status == 200);
    auto v = json::parse(res.body);
    CHECK(v.at("object").as_string() == "chat.completion");
    CHECK(v.at("usage").at("completion_tokens").as_int64() == 3);

    const std::string streamed =
        R"({"messages":[{"role":"user","content":"hi"}],"max_tokens":4,"stream":true})";
    auto s = request_stream("127.0.0.1", r.gw->port(), "POST", "/api/admin/llm/chat", streamed,
                            {{"Content-Type", "application/json"}, {"X-API-Key", management_key}}, {}, 10s);
    REQUIRE(s.complete);
    CHECK(s.head.status == 200);
    auto lines = sse_lines(s.head.body);
    REQUIRE(lines.size() == 6);  // 4 tokens, the final chunk, [DONE]
    CHECK(lines.back() == "data: [DONE]");

    // Both answers count for the model file (not for an "admin" pseudo-model).
    auto perf = r.gw->call("GET", "/api/v2/models/m.gguf", management_key);
    REQUIRE(perf.status == 200);
    CHECK(json::parse(perf.body).at("performance").at("tokens_processed").to_number<int>() == 3 + 4);
  }

  TEST_CASE("/v1 inference is routed by model; /v1/models lists the instances") {
    rig r;
    const std::string body =
        R"({"model":"m.gguf","messages":[{"role":"user","content":"hi"}],"max_tokens":2})";
    CHECK(r.post("/v1/chat/completions", body, inference_key).status == 404);  // nothing serves m.gguf yet
    r.start_admin();
    auto missing = r.post("/v1/chat/completions", R"({"messages":[]})", inference_key);
    CHECK(missing.status == 400);
    CHECK(json::parse(missing.body).at("error").at("type").as_string() == "invalid_request_error");
    CHECK(r.post("/v1/chat/completions", R"({"model":"nope","messages":[]})", inference_key).status == 404);

    auto res = r.post("/v1/chat/completions", body, inference_key);
    REQUIRE(res.status == 200);
    CHECK(json::parse(res.body).at("usage").at("completion_tokens").as_int64() == 2);
    auto emb = r.post("/v1/embeddings", R"({"model":"admin","input":"hello"})", inference_key);
    // Routed by instance name; llama-server's own 501 (no --embeddings) passes through.
    CHECK(emb.status == 501);
    CHECK(json::parse(emb.body).at("error").at("type").as_string() == "not_supported_error");

    auto models = r.gw->call("GET", "/v1/models", inference_key);
    REQUIRE(models.status == 200);
    auto data = json::parse(models.body).at("data").as_array();
    REQUIRE(data.size() == 1);
    CHECK(data[0].at("id").as_string() == "m.gguf");
    CHECK(data[0].at("object").as_string() == "model");

    CHECK(r.post("/api/admin/llm/stop", "").status == 200);
    auto after = r.post("/v1/chat/completions", R"({"model":"admin","messages":[]})", inference_key);
    CHECK_MESSAGE(after.status == 503, after.body);
    CHECK(json::parse(after.body).at("error").at("code").as_int64() == 503);
  }

  TEST_CASE("llama-server ending its keep-alive connections every 100 requests costs no request") {
    rig r("0");
    r.start_admin();
    keep_alive_client c("127.0.0.1", r.gw->port());
    const std::string body =
        R"({"model":"m.gguf","messages":[{"role":"user","content":"hi"}],"max_tokens":2})";
    const header_list headers{{"Content-Type", "application/json"},
                              {"Authorization", std::string("Bearer ") + inference_key}};
    for (int i = 1; i <= 250; ++i) {  // upstream: the fake closes after its 100th and 200th
      auto res = c.request("POST", "/v1/chat/completions", body, headers);
      REQUIRE_MESSAGE(res.status == 200, "request ", i, ": ", res.body);
      CHECK(json::parse(res.body).at("usage").at("completion_tokens").as_int64() == 2);
      CHECK(res.header("Connection") != "close");  // the client's connection stays open
    }
  }

  TEST_CASE("raw instance proxy: prefix stripped, query and body forwarded, management key only") {
    rig r;
    CHECK(r.gw->call("GET", "/api/v1/instances/admin/proxy/health", management_key).status == 503);
    CHECK(r.gw->call("GET", "/api/v1/instances/ghost/proxy/health", management_key).status == 404);
    r.start_admin();
    auto health = r.gw->call("GET", "/api/v1/instances/admin/proxy/health", management_key);
    CHECK(health.status == 200);
    CHECK(json::parse(health.body).at("status").as_string() == "ok");
    auto props = r.gw->call("GET", "/api/v1/instances/admin/proxy/props?x=1", management_key);
    CHECK(props.status == 200);
    std::string text(64 * 1024, 'a');
    auto tok = r.post("/api/v1/instances/admin/proxy/tokenize", R"({"content":")" + text + R"("})");
    REQUIRE(tok.status == 200);
    CHECK(json::parse(tok.body).at("tokens").as_array().size() == text.size());
    CHECK(r.gw->call("GET", "/api/v1/instances/admin/proxy/health", inference_key).status == 403);
  }

  TEST_CASE("client gone: llama-server's slot frees at once, streamed and non-streamed") {
    rig r("1000");  // one token a second: a write-only check would take seconds to notice
    r.start_admin(R"(,"slots":true,"parallel":1)");
    CHECK_FALSE(r.slot_busy());

    // Streamed: the client reads the first token and closes.
    const std::string streamed =
        R"({"model":"m.gguf","messages":[{"role":"user","content":"hi"}],"max_tokens":30,"stream":true})";
    stream_callbacks stop_at_first;
    stop_at_first.on_piece = [](std::string_view) { return false; };
    auto s = request_stream("127.0.0.1", r.gw->port(), "POST", "/v1/chat/completions", streamed,
                            {{"Content-Type", "application/json"}, {"X-API-Key", inference_key}},
                            stop_at_first, 10s);
    REQUIRE(s.stopped);
    auto left = std::chrono::steady_clock::now();
    REQUIRE(poll_until([&] { return !r.slot_busy(); }, 5s));
    CHECK(std::chrono::steady_clock::now() - left < 700ms);

    // Non-streamed: nothing is written before the end, so only the watch can tell.
    const std::string whole =
        R"({"model":"m.gguf","messages":[{"role":"user","content":"hi"}],"max_tokens":30})";
    raw_client c(r.gw->port());
    c.send(std::string("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-API-Key: ") + inference_key +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(whole.size()) +
           "\r\n\r\n" + whole);
    REQUIRE(poll_until([&] { return r.slot_busy(); }, 5s));
    c.close();
    left = std::chrono::steady_clock::now();
    REQUIRE(poll_until([&] { return !r.slot_busy(); }, 5s));
    CHECK(std::chrono::steady_clock::now() - left < 700ms);
  }

  TEST_CASE("200 concurrent streams all complete") {
    rig r("10");
    r.start_admin(R"(,"parallel":200,"ctx_size":51200)");  // 256 context tokens per slot
    constexpr int streams = 200;
    const std::string body =
        R"({"model":"m.gguf","messages":[{"role":"user","content":"hi"}],"max_tokens":8,"stream":true})";
    std::atomic<int> complete{0};
    std::mutex mutex;
    std::string first_failure;
    std::vector<std::thread> clients;
    for (int i = 0; i < streams; ++i) {
      clients.emplace_back([&] {
        std::string failure;
        try {
          auto s =
              request_stream("127.0.0.1", r.gw->port(), "POST", "/v1/chat/completions", body,
                             {{"Content-Type", "application/json"}, {"X-API-Key", inference_key}}, {}, 20s);
          auto lines = sse_lines(s.head.body);
          if (s.complete && s.head.status == 200 && lines.size() == 10 && lines.back() == "data: [DONE]") {
            ++complete;
            return;
          }
          failure = std::to_string(s.head.status) + " " + s.head.body;
        } catch (const std::exception& e) {
          failure = e.what();
        }
        std::lock_guard lock(mutex);
        if (first_failure.empty()) first_failure = failure;
      });
    }
    for (auto& t : clients) t.join();
    CHECK_MESSAGE(complete == streams, first_failure);
  }

}  // TEST_SUITE
