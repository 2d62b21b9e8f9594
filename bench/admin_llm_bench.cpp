// Issue 4's numbers: the gateway supervising fake-llama-server (load delay 0).
//   start request -> "running" in status; child /health 200 -> gateway "running";
//   stop request (child honours SIGTERM) -> response.
// Usage: admin_llm_bench [rounds]   (prints medians and p90 in milliseconds)
#include "../tests/integration/gateway_process.hpp"
#include "studio/test/free_port.hpp"

#include <boost/json/parse.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

using namespace studio::test;
using clk = std::chrono::steady_clock;

namespace {

double ms(clk::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void report(const char* what, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::printf("%-44s median %7.2f ms   p90 %7.2f ms   max %7.2f ms   (n=%zu)\n", what, v[v.size() / 2],
              v[v.size() * 9 / 10], v.back(), v.size());
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 30;
  temp_dir dir;
  dir.write_file("llm/models/m.gguf", "GGUF bench model");
  auto llm_port = free_port();
  gateway_process gw(
      {{"--llama-server", bin_path("fake-llama-server").string(), "--llm-port", std::to_string(llm_port)}},
      &dir);
  auto state = [&] {
    auto r = gw.call("GET", "/api/admin/llm/status", management_key);
    return std::string(boost::json::parse(r.body).at("state").as_string());
  };
  std::vector<double> start_to_running, health_to_running, stop_time;
  for (int i = 0; i < rounds; ++i) {
    // A watcher polls the child's /health as fast as it can, to time its first 200.
    std::atomic<bool> done{false};
    clk::time_point child_ok{};
    std::thread watcher([&] {
      while (!done) {
        try {
          if (request("127.0.0.1", llm_port, "GET", "/health", "", {}, std::chrono::milliseconds(200))
                  .status == 200) {
            child_ok = clk::now();
            return;
          }
        } catch (const std::exception&) {
        }
      }
    });
    auto t0 = clk::now();
    gw.call("POST", "/api/admin/llm/start", management_key, R"({"model":"m.gguf"})");
    while (state() != "running") {
    }
    auto t_running = clk::now();
    done = true;
    watcher.join();
    start_to_running.push_back(ms(t_running - t0));
    if (child_ok != clk::time_point{}) health_to_running.push_back(ms(t_running - child_ok));

    auto t1 = clk::now();
    gw.call("POST", "/api/admin/llm/stop", management_key);
    stop_time.push_back(ms(clk::now() - t1));
  }
  report("start request -> status running", start_to_running);
  report("child /health 200 -> status running", health_to_running);
  report("stop request -> stopped (SIGTERM honoured)", stop_time);
  return 0;
}
