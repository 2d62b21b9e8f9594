// relay_bench: compares, in alternating rounds, a client talking to
// fake-llama-server directly with the same client going through the real
// studio-gateway binary (raw instance proxy to its admin llama-server).
// Reports medians of time to first SSE event (TTFT), full-stream time and
// non-streamed requests/s. Each request opens its own connection (the test
// client sends "Connection: close"), on both paths alike.
#include "gateway_process.hpp"
#include "studio/test/free_port.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace studio::test;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

double us(steady::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct target {
  unsigned short port;
  std::string prefix;  // "" direct, "/api/v1/instances/admin/proxy" via the gateway
  header_list headers;
};

struct sample {
  double ttft_us, total_us;
  bool ok;
};

sample one_stream(const target& t, int tokens) {
  const std::string body = R"({"messages":[{"role":"user","content":"hi"}],"stream":true,"max_tokens":)" +
                           std::to_string(tokens) + "}";
  const auto start = steady::now();
  steady::time_point first{};
  stream_callbacks cb;
  cb.on_piece = [&](std::string_view) {
    if (first == steady::time_point{}) first = steady::now();
    return true;
  };
  auto r = request_stream("127.0.0.1", t.port, "POST", t.prefix + "/v1/chat/completions", body, t.headers, cb,
                          10s);
  const auto end = steady::now();
  const auto lines = sse_lines(r.head.body);
  const bool ok = r.complete && r.head.status == 200 && !lines.empty() && lines.back() == "data: [DONE]";
  return {us(first - start), us(end - start), ok};
}

// `clients` threads each run `per_client` streams; returns all samples.
std::vector<sample> streams(const target& t, int clients, int per_client, int tokens) {
  std::vector<std::vector<sample>> out(clients);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < per_client; ++i) out[c].push_back(one_stream(t, tokens));
    });
  }
  for (auto& th : threads) th.join();
  std::vector<sample> all;
  for (auto& v : out) all.insert(all.end(), v.begin(), v.end());
  return all;
}

double requests_per_second(const target& t, int clients, std::chrono::milliseconds length) {
  std::atomic<long> done{0};
  const auto stop = steady::now() + length;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      while (steady::now() < stop) {
        auto r = request("127.0.0.1", t.port, "GET", t.prefix + "/props", "", t.headers);
        if (r.status == 200) ++done;
      }
    });
  }
  for (auto& th : threads) th.join();
  return static_cast<double>(done) / std::chrono::duration<double>(length).count();
}

struct rig {
  temp_dir dir;
  unsigned short llm_port = free_port();
  std::unique_ptr<gateway_process> gw;
  explicit rig(const std::string& token_delay_ms) {
    dir.write_file("llm/models/m.gguf", "GGUF fake model");
    gateway_options o{
        {"--llama-server", bin_path("fake-llama-server").string(), "--llm-port", std::to_string(llm_port)},
        {{"FAKE_LLAMA_TOKEN_DELAY_MS", token_delay_ms},
         {"LLAMA_ARG_N_PARALLEL", "64"},
         {"FAKE_LLAMA_ARGV_FILE", (dir.path() / "argv").string()}}};
    gw = std::make_unique<gateway_process>(o, &dir);
    auto r = gw->call("POST", "/api/admin/llm/start", management_key, R"({"model":"m.gguf","wait":true})",
                      {{"Content-Type", "application/json"}});
    if (r.status != 200) throw std::runtime_error("start failed: " + r.body);
    // The child's internal key, for the direct path (the fake records its argv).
    std::ifstream in(dir.path() / "argv");
    for (std::string arg; std::getline(in, arg);) {
      if (arg == "--api-key") std::getline(in, key);
    }
  }
  std::string key;
  target direct() const { return {llm_port, "", {{"Authorization", "Bearer " + key}}}; }
  target via_gateway() const {
    return {gw->port(), "/api/v1/instances/admin/proxy", {{"X-API-Key", management_key}}};
  }
};

void stream_scenario(const char* name, const rig& r, int clients, int per_client, int tokens, int rounds) {
  std::vector<double> ttft[2], total[2];
  int errors[2] = {0, 0};
  for (int round = 0; round < rounds; ++round) {
    for (int side = 0; side < 2; ++side) {
      auto samples = streams(side == 0 ? r.direct() : r.via_gateway(), clients, per_client, tokens);
      for (auto& s : samples) {
        if (!s.ok) ++errors[side];
        ttft[side].push_back(s.ttft_us);
        total[side].push_back(s.total_us);
      }
    }
  }
  std::printf("%s\n  direct : TTFT %8.0f us  full %9.0f us  errors %d\n", name, median(ttft[0]),
              median(total[0]), errors[0]);
  std::printf("  gateway: TTFT %8.0f us  full %9.0f us  errors %d  (TTFT %.2fx, full %.3fx direct)\n",
              median(ttft[1]), median(total[1]), errors[1], median(ttft[1]) / median(ttft[0]),
              median(total[1]) / median(total[0]));
}

}  // namespace

int main() {
  {
    rig r("0");
    stream_scenario("1 connection, 64 tokens, no token delay", r, 1, 50, 64, 5);
    double rps[2] = {0, 0};
    for (int round = 0; round < 3; ++round) {
      rps[0] += requests_per_second(r.direct(), 32, 1s) / 3;
      rps[1] += requests_per_second(r.via_gateway(), 32, 1s) / 3;
    }
    std::printf(
        "non-streamed GET /props, 32 clients\n  direct : %8.0f req/s\n  gateway: %8.0f req/s (%.2fx)\n",
        rps[0], rps[1], rps[1] / rps[0]);
  }
  {
    rig r("2");
    stream_scenario("64 concurrent streams, 64 tokens at 2 ms/token", r, 64, 2, 64, 3);
  }
  return 0;
}
