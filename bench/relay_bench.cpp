// relay_bench: issue 5's relay numbers. The same blocking client, in
// alternating rounds, talks to fake-llama-server three ways: directly, through
// a Debian nginx (1 worker, proxy_buffering off, HTTP/1.1 upstream keepalive)
// and through the real studio-gateway binary (POST /v1/chat/completions routed
// by "model" to its admin llama-server). Reports medians of time to first SSE
// piece (TTFT), full-stream time, non-streamed requests/s, errors, and the
// gateway's RSS growth per open stream. The client (lean_client) is the same on
// every path: each stream opens its own connection ("Connection: close");
// non-streamed requests run on 32 keep-alive connections ("rate") and, as a
// second figure, on a new connection each ("rate-close"). Not run by ctest.
#include "gateway_process.hpp"
#include "hf_nginx.hpp"  // find_program
#include "lean_client.hpp"
#include "studio/test/free_port.hpp"
#include "studio/test/observe.hpp"

#include <sys/resource.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

using namespace studio::test;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

double us(steady::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

double median(std::vector<double> v) { return quantile(std::move(v), 0.5); }

struct target {
  const char* name;
  unsigned short port;
  header_list headers;
  int relay_pid = 0;             // the process between client and fake (0: none), for its CPU time
  unsigned short fake_port = 0;  // the fake behind it, for its CPU time
};

struct sample {
  double ttft_us, total_us;
  bool ok;
};

std::string chat_body(bool stream, int tokens) {
  return R"({"model":"m.gguf","messages":[{"role":"user","content":"hi"}],"stream":)" +
         std::string(stream ? "true" : "false") + R"(,"max_tokens":)" + std::to_string(tokens) + "}";
}

// One stream on its own connection; `opened` (when given) is counted up at its
// first piece. TTFT and full time are counted from just before the connect.
sample one_stream(const target& t, int tokens, std::atomic<int>* opened = nullptr) {
  const std::string req = studio::bench::request_bytes(t.port, "POST", "/v1/chat/completions", t.headers,
                                                       chat_body(true, tokens), true);
  const auto start = steady::now();
  steady::time_point first{};
  const auto on_body = [&](std::string_view) {
    if (first == steady::time_point{}) {
      first = steady::now();
      if (opened) ++*opened;
    }
  };
  try {
    studio::bench::lean_connection c(t.port, 30s);
    const auto r = c.exchange(req, on_body);
    const auto end = steady::now();
    const auto lines = sse_lines(r.body);
    const bool ok = r.status == 200 && lines.size() == static_cast<std::size_t>(tokens) + 2 &&
                    lines.back() == "data: [DONE]";
    return {us(first - start), us(end - start), ok};
  } catch (const std::exception&) {
    return {0, 0, false};
  }
}

// `clients` threads each run `per_client` streams; returns all samples.
std::vector<sample> streams(const target& t, int clients, int per_client, int tokens,
                            std::atomic<int>* opened = nullptr) {
  std::vector<std::vector<sample>> out(clients);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < per_client; ++i) out[c].push_back(one_stream(t, tokens, opened));
    });
  }
  for (auto& th : threads) th.join();
  std::vector<sample> all;
  for (auto& v : out) all.insert(all.end(), v.begin(), v.end());
  return all;
}

// Non-streamed chat completions (4 tokens) for `length` from `clients` threads,
// each on one keep-alive connection (reconnecting when the server ends it), or
// on a new connection per request.
std::pair<double, int> requests_per_second(const target& t, int clients, std::chrono::milliseconds length,
                                           bool keep_alive) {
  std::atomic<long> done{0};
  std::atomic<int> errors{0};
  const auto stop = steady::now() + length;
  const std::string req = studio::bench::request_bytes(t.port, "POST", "/v1/chat/completions", t.headers,
                                                       chat_body(false, 4), !keep_alive);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      std::unique_ptr<studio::bench::lean_connection> conn;
      while (steady::now() < stop) {
        try {
          if (!conn) conn = std::make_unique<studio::bench::lean_connection>(t.port, 10s);
          const auto r = conn->exchange(req);
          if (r.status == 200)
            ++done;
          else
            ++errors;
          if (!keep_alive || !r.keep_alive) conn.reset();
        } catch (const std::exception&) {
          ++errors;
          conn.reset();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  return {static_cast<double>(done) / std::chrono::duration<double>(length).count(), errors.load()};
}

std::uint64_t rss_bytes(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// Context switches (voluntary + not) of a process's main thread so far.
double context_switches(int pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  double total = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find("ctxt_switches:") != std::string::npos) total += std::stod(line.substr(line.find(':') + 1));
  }
  return total;
}

// The first process whose parent is `parent` (nginx's worker), or 0.
int child_of(int parent) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(text.substr(close + 2));
    std::string state;
    int ppid = 0;
    if (fields >> state >> ppid && ppid == parent) return std::stoi(name);
  }
  return 0;
}

// nginx in the foreground on loopback: 1 worker, no buffering, keep-alive
// upstream connections to the fake, the fake's internal key added.
class relay_nginx {
 public:
  relay_nginx(unsigned short upstream_port, const std::string& key) {
    auto root = dir_.path();
    std::filesystem::create_directories(root / "tmp");
    port_ = free_port();
    std::ofstream c(root / "nginx.conf");
    if (::geteuid() == 0) c << "user root;\n";
    c << "worker_processes 1;\npid " << root.string() << "/nginx.pid;\n"
      << "events { worker_connections 8192; }\nhttp {\n  access_log off;\n"
      << "  client_body_temp_path " << root.string() << "/tmp/body;\n  proxy_temp_path " << root.string()
      << "/tmp/proxy;\n  fastcgi_temp_path " << root.string() << "/tmp/fastcgi;\n  uwsgi_temp_path "
      << root.string() << "/tmp/uwsgi;\n  scgi_temp_path " << root.string() << "/tmp/scgi;\n"
      << "  upstream fake { server 127.0.0.1:" << upstream_port << "; keepalive 64; }\n"
      << "  server {\n    listen 127.0.0.1:" << port_ << ";\n    location / {\n"
      << "      proxy_pass http://fake;\n      proxy_http_version 1.1;\n"
      << "      proxy_set_header Connection \"\";\n      proxy_set_header Authorization \"Bearer " << key
      << "\";\n      proxy_buffering off;\n      proxy_read_timeout 600s;\n    }\n  }\n}\n";
    c.close();
    process_ = std::make_unique<child_process>(
        find_program("nginx"), process_options{{"-p", root.string(), "-c", (root / "nginx.conf").string(),
                                                "-e", (root / "error.log").string(), "-g", "daemon off;"},
                                               {},
                                               root});
    auto probe = [&] {
      try {
        return request("127.0.0.1", port_, "GET", "/health", "", {}, 1s).status == 200;
      } catch (const std::exception&) {
        return false;
      }
    };
    if (!poll_until(probe, 10s))
      throw std::runtime_error("nginx did not start:\n" + slurp(root / "error.log"));
  }
  unsigned short port() const { return port_; }
  int worker_pid() const { return child_of(process_->pid()); }

 private:
  temp_dir dir_;
  unsigned short port_ = 0;
  std::unique_ptr<child_process> process_;
};

// The command line of process `pid` (/proc/PID/cmdline), one entry per argument.
std::vector<std::string> command_line(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::vector<std::string> argv;
  for (std::string arg; std::getline(in, arg, '\0');) argv.push_back(arg);
  return argv;
}

// The value after `flag` in `argv`, or "" when there is none.
std::string argument(const std::vector<std::string>& argv, const std::string& flag) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == flag) return argv[i + 1];
  }
  return {};
}

// The pid of the process started with `--port <port>` (the fake), or 0.
int child_on_port(unsigned short port) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (argument(command_line(std::stoi(name)), "--port") == std::to_string(port)) return std::stoi(name);
  }
  return 0;
}

// The internal key of the child serving `port`, for the direct and nginx
// paths: read from its command line. Not from an argv file: the gateway's
// `--help` probe of the binary may overwrite one.
std::string internal_key(unsigned short port) {
  const int pid = child_on_port(port);
  const std::string key = pid > 0 ? argument(command_line(pid), "--api-key") : "";
  if (key.empty())
    throw std::runtime_error("no child with --port " + std::to_string(port) + " and --api-key found");
  return key;
}

// This process's CPU time so far (every client thread), in seconds.
double own_cpu_seconds() {
  rusage use{};
  ::getrusage(RUSAGE_SELF, &use);
  const auto secs = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return secs(use.ru_utime) + secs(use.ru_stime);
}

// A gateway supervising its own fake (started as the admin instance for m.gguf).
struct supervised_gateway {
  temp_dir dir;
  unsigned short llm_port = free_port();
  std::unique_ptr<gateway_process> gw;

  supervised_gateway(const std::string& token_delay_ms, int slots, const char* binary) {
    dir.write_file("llm/models/m.gguf", "GGUF fake model");
    gateway_options o{
        {"--llama-server", bin_path("fake-llama-server").string(), "--llm-port", std::to_string(llm_port)},
        {{"FAKE_LLAMA_TOKEN_DELAY_MS", token_delay_ms}}};
    // RELAY_BENCH_GATEWAY_THREADS: the gateway's --threads (default: its own default).
    if (const char* threads = std::getenv("RELAY_BENCH_GATEWAY_THREADS")) {
      o.args.insert(o.args.end(), {"--threads", threads});
    }
    if (binary != nullptr) o.binary = binary;
    gw = std::make_unique<gateway_process>(o, &dir);
    // 256 context tokens per slot: the chat prompt and 64 tokens fit.
    const std::string start = R"({"model":"m.gguf","wait":true,"parallel":)" + std::to_string(slots) +
                              R"(,"ctx_size":)" + std::to_string(slots * 256) + "}";
    auto r = gw->call("POST", "/api/admin/llm/start", management_key, start,
                      {{"Content-Type", "application/json"}});
    if (r.status != 200) throw std::runtime_error("start failed: " + r.body);
  }
  target as_target(const char* name) const {
    return {name,
            gw->port(),
            {{"X-API-Key", inference_key}, {"Content-Type", "application/json"}},
            gw->process().pid(),
            llm_port};
  }
};

struct rig {
  // RELAY_BENCH_GATEWAY_BIN: another build's studio-gateway (a Release build,
  // an experiment) measured with this build's client, fake and nginx.
  supervised_gateway main;
  // RELAY_BENCH_BASELINE_BIN: a second gateway build (with its own fake) as
  // one more side, "baseline", alternating with the others in the same run:
  // an A/B of two builds under the same machine load.
  std::unique_ptr<supervised_gateway> baseline;
  std::unique_ptr<relay_nginx> nginx;
  std::string key;

  rig(const std::string& token_delay_ms, int slots)
      : main(token_delay_ms, slots, std::getenv("RELAY_BENCH_GATEWAY_BIN")) {
    if (const char* other = std::getenv("RELAY_BENCH_BASELINE_BIN"))
      baseline = std::make_unique<supervised_gateway>(token_delay_ms, slots, other);
    key = internal_key(main.llm_port);
    nginx = std::make_unique<relay_nginx>(main.llm_port, key);
  }
  gateway_process& gateway() const { return *main.gw; }
  target gateway_target() const { return main.as_target("gateway"); }
  // Every path; RELAY_BENCH_SIDES (e.g. "gateway", for a profile of one path)
  // keeps only those named, and ratios are then to the first one kept.
  std::vector<target> targets() const {
    std::vector<target> all{{"direct ",
                             main.llm_port,
                             {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}},
                             0,
                             main.llm_port},
                            {"nginx  ",
                             nginx->port(),
                             {{"Content-Type", "application/json"}},
                             nginx->worker_pid(),
                             main.llm_port},
                            gateway_target()};
    if (baseline) all.push_back(baseline->as_target("baseline"));
    const char* sides = std::getenv("RELAY_BENCH_SIDES");
    if (!sides || !*sides) return all;
    std::vector<target> kept;
    for (auto& t : all) {
      std::string name(t.name);
      name.erase(name.find_last_not_of(' ') + 1);
      if (("," + std::string(sides) + ",").find("," + name + ",") != std::string::npos) kept.push_back(t);
    }
    return kept;
  }
};

void stream_scenario(const char* name, const rig& r, int clients, int per_client, int tokens, int rounds) {
  const auto ts = r.targets();
  std::vector<std::vector<double>> ttft(ts.size()), total(ts.size());
  std::vector<int> errors(ts.size());
  std::vector<double> cpu(ts.size());
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t side = 0; side < ts.size(); ++side) {
      const double cpu_before = cpu_seconds(ts[side].relay_pid);
      const auto samples = streams(ts[side], clients, per_client, tokens);
      cpu[side] += cpu_seconds(ts[side].relay_pid) - cpu_before;
      for (auto& s : samples) {
        if (!s.ok) {
          ++errors[side];
          continue;
        }
        ttft[side].push_back(s.ttft_us);
        total[side].push_back(s.total_us);
      }
    }
  }
  std::printf("%s (%d rounds)\n", name, rounds);
  const double t0 = median(ttft[0]), f0 = median(total[0]);
  for (std::size_t side = 0; side < ts.size(); ++side) {
    const double t = median(ttft[side]), f = median(total[side]);
    std::printf("  %s: TTFT %9.0f us (+%7.0f, %.2fx; p10 %.0f, p90 %.0f)  full %10.0f us (%.3fx)  errors %d",
                ts[side].name, t, t - t0, t / t0, quantile(ttft[side], 0.1), quantile(ttft[side], 0.9), f,
                f / f0, errors[side]);
    if (ts[side].relay_pid > 0)
      std::printf("  relay CPU %.0f us/stream", 1e6 * cpu[side] / (rounds * clients * per_client));
    std::printf("\n");
  }
  std::fflush(stdout);
}

void rate_scenario(const rig& r, int clients, int rounds, bool keep_alive) {
  const auto ts = r.targets();
  std::vector<std::vector<double>> rps(ts.size());
  std::vector<int> errors(ts.size());
  std::vector<double> cpu(ts.size()), user(ts.size()), done(ts.size()), switches(ts.size());
  std::vector<double> fake_cpu(ts.size()), client_cpu(ts.size());
  std::vector<int> fake_pids;
  for (const auto& t : ts) fake_pids.push_back(child_on_port(t.fake_port));
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t side = 0; side < ts.size(); ++side) {
      const int fake_pid = fake_pids[side];
      const double fake_before = fake_pid > 0 ? cpu_seconds(fake_pid) : 0;
      const double client_before = own_cpu_seconds();
      const double cpu_before = cpu_seconds(ts[side].relay_pid);
      const double user_before = cpu_seconds(ts[side].relay_pid, true);
      const double switches_before = context_switches(ts[side].relay_pid);
      auto [rate, errs] = requests_per_second(ts[side], clients, 1s, keep_alive);
      switches[side] += context_switches(ts[side].relay_pid) - switches_before;
      cpu[side] += cpu_seconds(ts[side].relay_pid) - cpu_before;
      user[side] += cpu_seconds(ts[side].relay_pid, true) - user_before;
      if (fake_pid > 0) fake_cpu[side] += cpu_seconds(fake_pid) - fake_before;
      client_cpu[side] += own_cpu_seconds() - client_before;
      done[side] += rate;
      rps[side].push_back(rate);
      errors[side] += errs;
    }
  }
  std::printf("non-streamed chat (4 tokens), %d clients, %s (%d rounds of 1 s)\n", clients,
              keep_alive ? "one keep-alive connection each" : "a new connection per request", rounds);
  for (std::size_t side = 0; side < ts.size(); ++side) {
    std::printf("  %s: %8.0f req/s (%.2fx direct)  errors %d", ts[side].name, median(rps[side]),
                median(rps[side]) / median(rps[0]), errors[side]);
    if (ts[side].relay_pid > 0 && done[side] > 0) {
      std::printf("  relay CPU %.0f us/request (user %.0f), %.2f context switches/request",
                  1e6 * cpu[side] / done[side], 1e6 * user[side] / done[side], switches[side] / done[side]);
    }
    if (done[side] > 0) {
      std::printf("\n           fake CPU %.0f us/request, client CPU %.0f us/request",
                  1e6 * fake_cpu[side] / done[side], 1e6 * client_cpu[side] / done[side]);
    }
    std::printf("\n");
  }
  std::fflush(stdout);
}

// `n` streams held open at once through the gateway (long token delay); the
// gateway's RSS before and once every stream has its first piece.
void open_streams_scenario(const rig& r, int n, int tokens) {
  const target gw = r.gateway_target();
  const int pid = r.gateway().process().pid();
  // Warm up: the pool, the allocator's arenas, a few streams.
  streams(gw, 8, 1, 1);
  const auto before = rss_bytes(pid);
  std::atomic<int> opened{0};
  std::uint64_t peak = 0;
  std::thread sampler([&] {
    poll_until([&] { return opened >= n; }, 60s);
    peak = rss_bytes(pid);
  });
  auto samples = streams(gw, n, 1, tokens, &opened);
  sampler.join();
  int errors = 0;
  for (auto& s : samples) errors += s.ok ? 0 : 1;
  std::printf(
      "%d open streams through the gateway (%d tokens each)\n  opened %d, errors %d, RSS %.1f -> %.1f MiB: "
      "%.1f KiB per open stream\n",
      n, tokens, opened.load(), errors, before / 1048576.0, peak / 1048576.0,
      (static_cast<double>(peak) - static_cast<double>(before)) / 1024.0 / n);
  std::fflush(stdout);
}

}  // namespace

// RELAY_BENCH_ONLY (e.g. "ttft,rate") runs a subset: ttft, rate, rate-close, s64, s256, open.
bool wanted(const char* scenario) {
  const char* only = std::getenv("RELAY_BENCH_ONLY");
  if (!only || !*only) return true;
  const std::string list = std::string(",") + only + ",";
  return list.find(std::string(",") + scenario + ",") != std::string::npos;
}

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  if (wanted("ttft") || wanted("rate") || wanted("rate-close")) {
    rig r("0", 64);
    // Six times the rounds: one connection's TTFT is bimodal on a 2-core box
    // (see bench/README.md), and a round of 40 streams takes only ~40 ms.
    if (wanted("ttft")) stream_scenario("1 connection, 64 tokens, no token delay", r, 1, 40, 64, 6 * rounds);
    if (wanted("rate")) rate_scenario(r, 32, rounds, true);
    if (wanted("rate-close")) rate_scenario(r, 32, rounds, false);
  }
  if (wanted("s64") || wanted("s256")) {
    rig r("2", 300);
    if (wanted("s64"))
      stream_scenario("64 concurrent streams, 64 tokens at 2 ms/token", r, 64, 2, 64, rounds);
    if (wanted("s256")) {
      stream_scenario("256 concurrent streams, 64 tokens at 2 ms/token", r, 256, 1, 64,
                      std::max(1, rounds / 2));
    }
  }
  if (wanted("open")) {
    rig r("1000", 1100);
    open_streams_scenario(r, 1000, 3);
  }
  return 0;
}
