// Download throughput of the gateway against a local nginx (the test stand-in for Hugging
// Face, over TLS on loopback) for a large file, in alternating rounds so that both sides of
// each comparison see the same machine load: the gateway's single connection vs `curl -o`,
// with and without the checksum (the cost of hashing inline), and under an nginx
// cap per connection (50 and 20 MiB/s) the parallel Range mode vs one connection, twice: with
// nginx's `limit_rate`, which caps each request (each 32 MiB chunk), and with a relay that caps
// each connection across its requests (nginx stream `proxy_download_rate`). Prints every round
// and the medians. All files (nginx's, curl's, the gateway's models) live under $TMPDIR
// (default /tmp): TMPDIR=/dev/shm measures the engine without the disk.
// Usage: download_bench [MiB (default 1024)] [rounds (default 3)] [single|parallel] (the last:
// only curl and the single-connection cases, for quicker A/B runs; or only the 4-connection
// ones, for their timelines with DOWNLOAD_BENCH_LOG=1) or hashcost (hashed vs unhashed behind
// a 50 MiB/s cap per connection: the cost of hashing when the network is the limit).
#include "gateway_process.hpp"
#include "hf_nginx.hpp"
#include "studio/test/observe.hpp"

#include <boost/json.hpp>
#include <linux/magic.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

using namespace studio::test;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Seconds from POST to "present" for `file` on a fresh gateway with `extra` flags: resolve,
// fetch, verify, fsync and rename included. The end is seen on the SSE feed (no polling
// that would cost the gateway CPU while it downloads).
struct timed {
  double seconds = 0;
  double io_cpu = 0;     // CPU seconds of the I/O thread (TLS, copies, writes)
  double other_cpu = 0;  // of the other threads (hashing, writeback), and start-up
  double io_waiting = 0; // seconds the I/O thread was runnable but waited for a CPU
};

timed gateway_seconds(const hf_nginx& hub, const fs::path& catalog, const std::string& file,
                      std::vector<std::string> extra) {
  gateway_options o;
  o.args = {"--hf-endpoint", hub.endpoint(), "--ca-bundle", hub.ca_bundle().string(), "--catalog", catalog.string(),
            "--threads", "1"};
  o.args.insert(o.args.end(), extra.begin(), extra.end());
  gateway_process gw(o);
  std::atomic<bool> connected = false;
  std::chrono::steady_clock::time_point end;
  std::string seen;
  std::thread reader([&] {
    stream_callbacks cb;
    cb.on_headers = [&](const http_result&) { connected = true; };
    cb.on_piece = [&](std::string_view piece) {
      seen += piece;
      bool over = seen.find("\"status\":\"present\"") != std::string::npos ||
                  seen.find("\"status\":\"failed\"") != std::string::npos;
      if (over) end = std::chrono::steady_clock::now();
      return !over;
    };
    request_stream("127.0.0.1", gw.port(), "GET", "/api/admin/llm/downloads/events", "",
                   {{"X-API-Key", management_key}}, cb, 600s);
  });
  if (!poll_until([&] { return connected.load(); }, 10s)) {
    reader.join();
    throw std::runtime_error("no SSE feed");
  }
  auto start = std::chrono::steady_clock::now();
  gw.call("POST", "/api/admin/llm/models/download/" + file, management_key);
  reader.join();
  if (seen.find("\"status\":\"present\"") == std::string::npos)
    throw std::runtime_error(file + " did not become present\n" + seen + gw.process().output());
  if (std::getenv("DOWNLOAD_BENCH_LOG")) {  // the gateway's download log lines, for timelines
    std::istringstream lines(gw.process().output());
    for (std::string line; std::getline(lines, line);)
      if (line.find("download ") != std::string::npos || line.find("listening") != std::string::npos)
        std::printf("    %s\n", line.c_str());
  }
  const int pid = gw.process().pid();
  const double io = cpu_seconds(pid, false, pid);
  return {std::chrono::duration<double>(end - start).count(), io, cpu_seconds(pid) - io, run_queue_seconds(pid, pid)};
}

// "tmpfs", "ext4" or the magic number of the file system holding `p`.
std::string file_system_of(const fs::path& p) {
  struct statfs st {};
  if (::statfs(p.c_str(), &st) != 0) return "unknown";
  if (st.f_type == TMPFS_MAGIC) return "tmpfs";
  if (st.f_type == EXT4_SUPER_MAGIC) return "ext4";
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(st.f_type));
  return hex;
}

double children_cpu_seconds() {
  struct rusage u {};
  ::getrusage(RUSAGE_CHILDREN, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

// `curl -o FILE` of a CDN path (one connection, no checksum, no fsync): seconds, and its
// CPU seconds (reaped children's, so only curl's: the gateways are reaped elsewhere).
timed curl_seconds(const hf_nginx& hub, const std::string& path) {
  temp_dir dir;
  const double cpu = children_cpu_seconds();
  auto t = std::chrono::steady_clock::now();
  run_tool("curl", {"-s", "-o", (dir.path() / "out").string(), "--cacert", hub.ca_bundle().string(), hub.cdn_url(path)});
  return {seconds_since(t), children_cpu_seconds() - cpu, 0};
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t mib = argc > 1 ? std::stoul(argv[1]) : 1024;
  int rounds = argc > 2 ? std::stoi(argv[2]) : 3;
  const bool single_only = argc > 3 && std::string(argv[3]) == "single";
  const bool parallel_only = argc > 3 && std::string(argv[3]) == "parallel";  // 4 connections only, for timelines
  // Only the cost of hashing under a network cap (50 MiB/s per connection, as from a CDN):
  // hashed against unhashed, on 1 and on 4 connections.
  const bool hashcost_only = argc > 3 && std::string(argv[3]) == "hashcost";
  std::size_t size = mib << 20;
  // Capped per connection by the stand-in's relay: the cap, the file, 1- and 4-connection seconds.
  struct relay_case {
    const char* cap;
    const char* file;
    std::vector<double> one, four;
  };
  relay_case relay_cases[] = {{"50m", "conn50.gguf", {}, {}}, {"20m", "conn20.gguf", {}, {}}};
  std::vector<hf_file> files = {{"hashed.gguf", size},
                                {"unhashed.gguf", size, hf_file::kind::lfs, "files", "not-a-sha256"},
                                {"capped.gguf", size, hf_file::kind::lfs, "capped"},
                                {"capped20.gguf", size, hf_file::kind::lfs, "capped20"}};
  for (const auto& rc : relay_cases) files.push_back({rc.file, size, hf_file::kind::lfs, "files", "", rc.cap});
  if (hashcost_only) files.push_back({"conn50u.gguf", size, hf_file::kind::lfs, "files", "not-a-sha256", "50m"});
  std::cout << "generating " << files.size() << " files of " << mib << " MiB..." << std::endl;
  hf_nginx hub(files);
  // The generated files are dirty in the page cache; on a disk the kernel would write them back
  // (6 GiB) during the first rounds. Write them now, outside the timings.
  const auto sync_start = std::chrono::steady_clock::now();
  ::sync();
  std::printf("generated files synced in %.1f s\n", seconds_since(sync_start));
  temp_dir cat_dir;
  json::array models;
  for (const auto& f : files)
    models.push_back(json::object{{"name", f.name}, {"file", f.name}, {"size_gb", 1}, {"hf_repo", "org/models"}});
  auto catalog = cat_dir.write_file(
      "catalog.json", json::serialize(json::object{
                          {"categories", json::array{json::object{{"id", "b"}, {"name", "B"}, {"models", models}}}}}));
  const std::vector<std::string> single = {"--download-parallel-min-bytes", std::to_string(1ULL << 50)};
  const std::vector<std::string> parallel = {"--download-parallel-min-bytes", "1048576", "--download-connections", "4"};
  auto rate = [&](double s) { return static_cast<double>(size) / s / (1 << 20); };

  std::vector<double> curl_s, hashed_s, unhashed_s, capped1_s, capped4_s, slow1_s, slow4_s;
  std::vector<double> curl_cpu, hashed_io, hashed_other, unhashed_io, unhashed_other, hashed_wait, unhashed_wait;
  std::printf("file: %zu MiB, nginx over TLS on loopback, %d rounds; files on %s (%s)\n", mib, rounds,
              fs::temp_directory_path().c_str(), file_system_of(cat_dir.path()).c_str());
  if (parallel_only) {
    for (int r = 0; r < rounds; ++r) {
      const double fast = gateway_seconds(hub, catalog, "capped.gguf", parallel).seconds;
      const double slow = gateway_seconds(hub, catalog, "capped20.gguf", parallel).seconds;
      std::printf("round %d: 4 connections, limit_rate 50m %.2f s, 20m %.2f s", r + 1, fast, slow);
      for (const auto& rc : relay_cases)
        std::printf("; %s per connection %.2f s", rc.cap, gateway_seconds(hub, catalog, rc.file, parallel).seconds);
      std::printf("\n");
      std::fflush(stdout);
    }
    return 0;
  }
  if (hashcost_only) {
    std::vector<double> h1, u1, h4, u4;
    for (int r = 0; r < rounds; ++r) {
      h1.push_back(gateway_seconds(hub, catalog, "conn50.gguf", single).seconds);
      u1.push_back(gateway_seconds(hub, catalog, "conn50u.gguf", single).seconds);
      h4.push_back(gateway_seconds(hub, catalog, "conn50.gguf", parallel).seconds);
      u4.push_back(gateway_seconds(hub, catalog, "conn50u.gguf", parallel).seconds);
      std::printf("round %d: 50m cap per connection: 1 connection sha256 %.2f s, no hash %.2f s; 4 connections "
                  "sha256 %.2f s, no hash %.2f s\n", r + 1, h1.back(), u1.back(), h4.back(), u4.back());
      std::fflush(stdout);
    }
    const double a = median(h1), b = median(u1), c = median(h4), d = median(u4);
    std::printf("medians: 1 connection sha256 %.2f s, no hash %.2f s (hashing costs %.1f%%); 4 connections sha256 "
                "%.2f s, no hash %.2f s (hashing costs %.1f%%)\n", a, b, 100 * (a - b) / a, c, d, 100 * (c - d) / c);
    return 0;
  }
  // Untimed: the first curl after the files were generated was 1.3-2x slower than the later
  // ones in every run (on tmpfs too, its CPU time as much higher), which flattered the
  // gateway's share in round 1.
  curl_seconds(hub, "files/hashed.gguf");
  for (int r = 0; r < rounds; ++r) {
    const timed c = curl_seconds(hub, "files/hashed.gguf");
    const timed h = gateway_seconds(hub, catalog, "hashed.gguf", single);
    const timed u = gateway_seconds(hub, catalog, "unhashed.gguf", single);
    curl_s.push_back(c.seconds);
    curl_cpu.push_back(c.io_cpu);
    hashed_s.push_back(h.seconds);
    hashed_io.push_back(h.io_cpu);
    hashed_other.push_back(h.other_cpu);
    unhashed_s.push_back(u.seconds);
    unhashed_io.push_back(u.io_cpu);
    unhashed_other.push_back(u.other_cpu);
    hashed_wait.push_back(h.io_waiting);
    unhashed_wait.push_back(u.io_waiting);
    std::printf("round %d: curl %.2f s, gateway sha256 %.2f s (%.0f%%), gateway no hash %.2f s; CPU s: curl %.2f, "
                "sha256 I/O thread %.2f (waited for a CPU %.2f) + other %.2f, no hash %.2f (%.2f) + %.2f\n",
                r + 1, c.seconds, h.seconds, 100 * c.seconds / h.seconds, u.seconds, c.io_cpu, h.io_cpu, h.io_waiting,
                h.other_cpu, u.io_cpu, u.io_waiting, u.other_cpu);
    std::fflush(stdout);
  }
  if (single_only) {
    double c = median(curl_s), h = median(hashed_s), u = median(unhashed_s);
    std::printf("medians: curl %.2f s %.1f MiB/s; gateway sha256 %.2f s %.1f MiB/s (%.0f%% of curl); "
                "no hash %.2f s %.1f MiB/s (hashing costs %.1f%%)\n",
                c, rate(c), h, rate(h), 100 * c / h, u, rate(u), 100 * (h - u) / h);
    std::printf("CPU medians: curl %.2f s; gateway sha256: I/O thread %.2f s (waited for a CPU %.2f s), other "
                "threads %.2f s; no hash: %.2f s (%.2f s), %.2f s\n",
                median(curl_cpu), median(hashed_io), median(hashed_wait), median(hashed_other), median(unhashed_io),
                median(unhashed_wait), median(unhashed_other));
    return 0;
  }
  for (int r = 0; r < rounds; ++r) {
    capped1_s.push_back(gateway_seconds(hub, catalog, "capped.gguf", single).seconds);
    capped4_s.push_back(gateway_seconds(hub, catalog, "capped.gguf", parallel).seconds);
    std::printf("round %d: limit_rate 50m (per request): 1 connection %.2f s, 4 connections %.2f s (%.2fx)\n", r + 1,
                capped1_s.back(), capped4_s.back(), capped1_s.back() / capped4_s.back());
    std::fflush(stdout);
  }
  for (int r = 0; r < rounds; ++r) {
    slow1_s.push_back(gateway_seconds(hub, catalog, "capped20.gguf", single).seconds);
    slow4_s.push_back(gateway_seconds(hub, catalog, "capped20.gguf", parallel).seconds);
    std::printf("round %d: limit_rate 20m (per request): 1 connection %.2f s, 4 connections %.2f s (%.2fx)\n", r + 1,
                slow1_s.back(), slow4_s.back(), slow1_s.back() / slow4_s.back());
    std::fflush(stdout);
  }
  for (auto& rc : relay_cases) {
    for (int r = 0; r < rounds; ++r) {
      rc.one.push_back(gateway_seconds(hub, catalog, rc.file, single).seconds);
      rc.four.push_back(gateway_seconds(hub, catalog, rc.file, parallel).seconds);
      std::printf("round %d: %s cap per connection (stream relay): 1 connection %.2f s, 4 connections %.2f s "
                  "(%.2fx)\n", r + 1, rc.cap, rc.one.back(), rc.four.back(), rc.one.back() / rc.four.back());
      std::fflush(stdout);
    }
  }
  double c = median(curl_s), h = median(hashed_s), u = median(unhashed_s), c1 = median(capped1_s), c4 = median(capped4_s);
  std::printf("medians:\n");
  std::printf("curl -o FILE                      %7.2f s  %8.1f MiB/s\n", c, rate(c));
  std::printf("gateway, 1 connection, sha256    %7.2f s  %8.1f MiB/s  (%.0f%% of curl)\n", h, rate(h), 100 * c / h);
  std::printf("gateway, 1 connection, no hash   %7.2f s  %8.1f MiB/s  (hashing costs %.1f%%)\n", u, rate(u),
              100 * (h - u) / h);
  std::printf("limit_rate 50m (per request), 1   %7.2f s  %8.1f MiB/s\n", c1, rate(c1));
  std::printf("limit_rate 50m (per request), 4   %7.2f s  %8.1f MiB/s  (%.2fx)\n", c4, rate(c4), c1 / c4);
  double s1 = median(slow1_s), s4 = median(slow4_s);
  std::printf("limit_rate 20m (per request), 1   %7.2f s  %8.1f MiB/s\n", s1, rate(s1));
  std::printf("limit_rate 20m (per request), 4   %7.2f s  %8.1f MiB/s  (%.2fx)\n", s4, rate(s4), s1 / s4);
  for (const auto& rc : relay_cases) {
    double a = median(rc.one), b = median(rc.four);
    std::printf("%s per connection (relay), 1     %7.2f s  %8.1f MiB/s\n", rc.cap, a, rate(a));
    std::printf("%s per connection (relay), 4     %7.2f s  %8.1f MiB/s  (%.2fx)\n", rc.cap, b, rate(b), a / b);
  }
  return 0;
}
