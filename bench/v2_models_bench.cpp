// Issue 7's numbers: GET /api/v2/models over N (default 200) GGUF files, each
// with a real 150k-entry tokenizer (tokens as strings, scores f32, token types
// i32) and a 291-tensor table in its header, the rest of the file sparse.
//   cold: the first listing after the gateway starts (its metadata cache empty;
//         the OS page cache holds the files, as they were just written);
//   warm: later listings (cache hit by path, size and mtime: stat only).
// Measured twice: in process (list_available_models with a metadata_cache,
// whose parse counter proves a warm listing reads no file), and end to end
// through the real gateway over HTTP, where strace (when installed) counts the
// syscalls that open or read model files during warm listings.
// Usage: v2_models_bench [runs] [files]   (not run by ctest)
#include "../tests/integration/gateway_process.hpp"
#include "gguf_writer.hpp"
#include "studio/api/v2_models.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

using namespace studio::test;
using clk = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

double ms(clk::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// CPU time of this thread, in ms: separates the work from waiting for a shared CPU.
double thread_cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void report(const char* what, const std::vector<double>& v, double per = 1) {
  auto s = v;
  std::sort(s.begin(), s.end());
  std::printf("%-52s median %8.3f ms   min %8.3f   max %8.3f   (n=%zu)\n", what, median(s) / per, s.front() / per,
              s.back() / per, s.size());
}

// A llama-7B-shaped header: 27 key/values incl. a 150k-entry tokenizer, 291 tensor infos.
std::string model_header(std::size_t vocab) {
  std::vector<std::string> tokens;
  tokens.reserve(vocab);
  for (std::size_t i = 0; i < vocab; ++i) tokens.push_back("tok" + std::to_string(i * 7919 % 1000003));
  studio::gguf::test::gguf_writer w;
  w.counts(291, 13)
      .kv_string("general.architecture", "llama")
      .kv_string("general.name", "bench model")
      .kv_u32("general.file_type", 15)
      .kv_u32("llama.context_length", 4096)
      .kv_u32("llama.embedding_length", 4096)
      .kv_u32("llama.block_count", 32)
      .kv_u32("llama.attention.head_count", 32)
      .kv_u32("llama.attention.head_count_kv", 8)
      .kv_u32("llama.feed_forward_length", 11008)
      .kv_string("tokenizer.ggml.model", "gpt2")
      .kv_string_array("tokenizer.ggml.tokens", tokens)
      .kv_i32_array("tokenizer.ggml.token_type", vocab);
  // tokenizer.ggml.scores: f32 array, written by hand (the writer has no f32 array).
  const std::string key = "tokenizer.ggml.scores";
  w.put<std::uint64_t>(key.size()).raw(key).put<std::uint32_t>(9).put<std::uint32_t>(6).put<std::uint64_t>(vocab);
  for (std::size_t i = 0; i < vocab; ++i) w.put(static_cast<float>(i) * -0.5f);
  w.tensor("token_embd.weight", {4096, vocab});
  for (int layer = 0; layer < 32; ++layer) {
    for (const char* t : {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down", "attn_norm",
                          "ffn_norm"}) {
      w.tensor("blk." + std::to_string(layer) + "." + t + ".weight", {4096, 4096});
    }
  }
  w.tensor("output_norm.weight", {4096});
  w.tensor("output.weight", {4096, vocab});
  return w.bytes();
}

// Writes `files` copies of the header, each extended (sparse) to 1 GiB.
void write_models(const fs::path& dir, std::size_t files, const std::string& header) {
  fs::create_directories(dir);
  for (std::size_t i = 0; i < files; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "model-%03zu.gguf", i);
    auto path = dir / name;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ::write(fd, header.data(), header.size()) != static_cast<ssize_t>(header.size()) ||
        ::ftruncate(fd, 1LL << 30) != 0) {
      throw std::runtime_error("cannot write " + path.string());
    }
    ::close(fd);
  }
}

// Checks a listing: every file there, with parsed llama metadata and no error.
void check_listing(const boost::json::array& models, std::size_t files) {
  if (models.size() != files) throw std::runtime_error("listing has " + std::to_string(models.size()) + " models");
  for (const auto& m : models) {
    const auto& md = m.at("metadata").as_object();
    if (md.contains("error") || md.at("model_type") != "llama" ||
        md.at("parameters").at("block_count").to_number<int>() != 32) {
      throw std::runtime_error("bad metadata: " + boost::json::serialize(m));
    }
  }
}

std::uint64_t proc_io(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/io");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(field + ":")) return std::stoull(line.substr(field.size() + 1));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 5;
  const std::size_t files = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 200;
  constexpr std::size_t vocab = 150000;
  constexpr int warm_requests = 20;

  temp_dir dir;
  const auto models_dir = dir.path() / "llm/models";
  auto header = model_header(vocab);
  write_models(models_dir, files, header);
  std::printf("%zu files, header %.2f MiB each (150k-entry tokenizer), 1 GiB sparse each\n", files,
              static_cast<double>(header.size()) / (1 << 20));

  // In process: the library call the route makes, on this thread.
  std::vector<double> lib_cold, lib_warm, lib_cold_cpu, lib_warm_cpu;
  std::size_t warm_parses = 0;
  for (int run = 0; run < runs; ++run) {
    studio::gguf::metadata_cache cache;
    auto t0 = clk::now();
    auto c0 = thread_cpu_ms();
    auto listing = studio::api::list_available_models(models_dir, cache);
    lib_cold_cpu.push_back(thread_cpu_ms() - c0);
    lib_cold.push_back(ms(clk::now() - t0));
    check_listing(listing, files);
    const auto parsed = cache.parses();
    for (int i = 0; i < warm_requests; ++i) {
      auto t1 = clk::now();
      auto c1 = thread_cpu_ms();
      auto again = studio::api::list_available_models(models_dir, cache);
      lib_warm_cpu.push_back(thread_cpu_ms() - c1);
      lib_warm.push_back(ms(clk::now() - t1));
    }
    warm_parses += cache.parses() - parsed;
  }
  report("in process: cold listing, per file", lib_cold, static_cast<double>(files));
  report("in process: cold listing, total", lib_cold);
  report("in process: cold listing, per file, thread CPU time", lib_cold_cpu, static_cast<double>(files));
  report("in process: warm listing, total", lib_warm);
  report("in process: warm listing, total, thread CPU time", lib_warm_cpu);
  std::printf("in process: files parsed during %d warm listings: %zu\n", runs * warm_requests, warm_parses);

  // End to end: the real gateway, restarted for every cold sample.
  std::vector<double> http_cold, http_warm;
  for (int run = 0; run < runs; ++run) {
    gateway_process gw({}, &dir);
    auto t0 = clk::now();
    auto first = gw.call("GET", "/api/v2/models", management_key);
    http_cold.push_back(ms(clk::now() - t0));
    if (first.status != 200) throw std::runtime_error("status " + std::to_string(first.status));
    check_listing(boost::json::parse(first.body).at("available_models").as_array(), files);
    for (int i = 0; i < warm_requests; ++i) {
      auto t1 = clk::now();
      auto r = gw.call("GET", "/api/v2/models", management_key);
      http_warm.push_back(ms(clk::now() - t1));
      if (r.status != 200) throw std::runtime_error("status " + std::to_string(r.status));
    }
  }
  report("HTTP: cold listing (first after start), per file", http_cold, static_cast<double>(files));
  report("HTTP: cold listing (first after start), total", http_cold);
  report("HTTP: warm listing, total", http_warm);

  // What a warm listing touches: strace on every gateway thread, else /proc/<pid>/io.
  {
    gateway_process gw({}, &dir);
    gw.call("GET", "/api/v2/models", management_key);  // fills the cache
    const auto log = dir.path() / "strace.log";
    const pid_t pid = gw.process().pid();
    const auto rchar0 = proc_io(pid, "rchar");
    const auto syscr0 = proc_io(pid, "syscr");
    std::optional<child_process> tracer;
    if (fs::exists("/usr/bin/strace")) {
      tracer.emplace("/usr/bin/strace",
                     process_options{{"-f", "-e", "trace=open,openat,read,pread64,readv,mmap,stat,newfstatat,statx",
                                      "-o", log.string(), "-p", std::to_string(pid)},
                                     {},
                                     {}});
      if (!tracer->wait_for_line(std::regex("attached"), std::chrono::seconds(5)))
        throw std::runtime_error("strace did not attach: " + tracer->output());
    }
    for (int i = 0; i < warm_requests; ++i) gw.call("GET", "/api/v2/models", management_key);
    const auto rchar = proc_io(pid, "rchar") - rchar0;
    const auto syscr = proc_io(pid, "syscr") - syscr0;
    if (tracer) {
      tracer->send_signal(SIGINT);
      tracer->wait_output_end(std::chrono::seconds(5));
      std::ifstream in(log);
      std::size_t opens = 0, reads = 0, stats = 0;
      for (std::string line; std::getline(in, line);) {
        const bool model_file = line.find(".gguf") != std::string::npos;
        if (line.find("open") != std::string::npos && model_file) ++opens;
        if (line.find("stat") != std::string::npos && model_file) ++stats;
        if (line.find("pread64(") != std::string::npos || line.find("mmap(") != std::string::npos) ++reads;
      }
      std::printf("warm (strace, %d listings of %zu files): opens of .gguf files %zu, pread64/mmap calls %zu, "
                  "stat calls on .gguf paths %zu\n",
                  warm_requests, files, opens, reads, stats);
    } else {
      std::printf("warm: strace not installed, /proc/<pid>/io only\n");
    }
    std::printf("warm (/proc/<pid>/io, %d listings): %llu bytes read by read-like syscalls (%llu calls; sockets "
                "and the 1 s /proc sampler included)\n",
                warm_requests, static_cast<unsigned long long>(rchar), static_cast<unsigned long long>(syscr));
  }
  return 0;
}
