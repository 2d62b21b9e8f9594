// Download throughput of the gateway against a local nginx (the test stand-in for Hugging
// Face, over TLS on loopback) for a large file: the gateway's single connection vs
// `curl -o`, parallel Range connections vs one under a per-connection rate cap, and the cost
// of hashing inline. Prints one line per measurement. Usage: download_bench [MiB] (default 1024).
#include "gateway_process.hpp"
#include "hf_nginx.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

using namespace studio::test;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string status_of(const gateway_process& gw, const std::string& file) {
  auto body = json::parse(gw.call("GET", "/api/admin/llm/models", management_key).body);
  for (const auto& c : body.at("categories").as_array())
    for (const auto& m : c.at("models").as_array())
      if (m.at("file").as_string() == file) return std::string(m.at("status").as_string());
  return "?";
}

// Seconds from POST to "present" for `file` on a gateway with `extra` flags.
double gateway_seconds(const hf_nginx& hub, const fs::path& catalog, const std::string& file,
                       std::vector<std::string> extra) {
  gateway_options o;
  o.args = {"--hf-endpoint", hub.endpoint(), "--ca-bundle", hub.ca_bundle().string(), "--catalog", catalog.string()};
  o.args.insert(o.args.end(), extra.begin(), extra.end());
  gateway_process gw(o);
  auto start = std::chrono::steady_clock::now();
  gw.call("POST", "/api/admin/llm/models/download/" + file, management_key);
  std::string st;
  poll_until([&] { st = status_of(gw, file); return st == "present" || st == "failed"; }, 600s);
  double s = seconds_since(start);
  if (st != "present") throw std::runtime_error(file + " ended " + st + "\n" + gw.process().output());
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t mib = argc > 1 ? std::stoul(argv[1]) : 1024;
  std::size_t size = mib << 20;
  std::cout << "generating 3 files of " << mib << " MiB...\n";
  hf_nginx hub({{"hashed.gguf", size},
                {"unhashed.gguf", size, hf_file::kind::lfs, "files", "not-a-sha256"},
                {"capped.gguf", size, hf_file::kind::lfs, "capped"}});
  temp_dir cat_dir, curl_dir;
  json::array models;
  for (const char* f : {"hashed.gguf", "unhashed.gguf", "capped.gguf"})
    models.push_back(json::object{{"name", f}, {"file", f}, {"size_gb", 1}, {"hf_repo", "org/models"}});
  auto catalog = cat_dir.write_file(
      "catalog.json", json::serialize(json::object{
                          {"categories", json::array{json::object{{"id", "b"}, {"name", "B"}, {"models", models}}}}}));
  const std::vector<std::string> single = {"--download-parallel-min-bytes", std::to_string(1ULL << 50)};
  const std::vector<std::string> parallel = {"--download-parallel-min-bytes", "1048576", "--download-connections", "4"};

  auto t = std::chrono::steady_clock::now();
  run_tool("curl", {"-s", "-o", (curl_dir.path() / "out").string(), "--cacert", hub.ca_bundle().string(),
                    "https://localhost:" + std::to_string(hub.cdn_port()) + "/files/hashed.gguf"});
  double curl_s = seconds_since(t);
  fs::remove(curl_dir.path() / "out");
  double hashed_s = gateway_seconds(hub, catalog, "hashed.gguf", single);
  double unhashed_s = gateway_seconds(hub, catalog, "unhashed.gguf", single);
  double capped_single_s = gateway_seconds(hub, catalog, "capped.gguf", single);
  double capped_parallel_s = gateway_seconds(hub, catalog, "capped.gguf", parallel);

  auto rate = [&](double s) { return static_cast<double>(size) / s / (1 << 20); };
  std::printf("file: %zu MiB, nginx over TLS on loopback\n", mib);
  std::printf("curl -o FILE                      %7.2f s  %8.1f MiB/s\n", curl_s, rate(curl_s));
  std::printf("gateway, 1 connection, sha256    %7.2f s  %8.1f MiB/s  (%.0f%% of curl)\n", hashed_s, rate(hashed_s),
              100 * curl_s / hashed_s);
  std::printf("gateway, 1 connection, no hash   %7.2f s  %8.1f MiB/s  (hashing costs %.1f%%)\n", unhashed_s,
              rate(unhashed_s), 100 * (hashed_s - unhashed_s) / hashed_s);
  std::printf("50 MB/s cap per connection, 1    %7.2f s  %8.1f MiB/s\n", capped_single_s, rate(capped_single_s));
  std::printf("50 MB/s cap per connection, 4    %7.2f s  %8.1f MiB/s  (%.2fx)\n", capped_parallel_s,
              rate(capped_parallel_s), capped_single_s / capped_parallel_s);
  return 0;
}
