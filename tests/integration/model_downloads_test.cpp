// The catalog and download queue end to end: the real gateway downloading from a real nginx
// that speaks the Hugging Face resolve protocol over TLS (see hf_nginx.hpp).
#include "gateway_process.hpp"
#include "hf_nginx.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <atomic>
#include <csignal>
#include <sstream>

using namespace studio::test;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

const char* token = "hf_secret_token_1234";

struct catalog_row {
  std::string file, repo = "org/models";
  std::string url;     // set: a `source: "url"` entry
  std::string sha256;  // optional catalog checksum
};

// A catalog of `rows` in one category, written into `dir`.
fs::path write_catalog(const temp_dir& dir, const std::vector<catalog_row>& rows) {
  json::array models;
  for (const auto& r : rows) {
    json::object m{{"name", r.file}, {"file", r.file}, {"size_gb", 0.01}};
    if (r.url.empty()) m["hf_repo"] = r.repo;
    else m["source"] = "url", m["url"] = r.url;
    if (!r.sha256.empty()) m["sha256"] = r.sha256;
    models.push_back(std::move(m));
  }
  json::object cat{{"version", 1},
                   {"date", "2026-01-01 00:00"},
                   {"categories", json::array{json::object{{"id", "test"}, {"name", "Test"}, {"models", models}}}}};
  return dir.write_file("catalog.json", json::serialize(cat));
}

gateway_options options_for(const hf_nginx& hub, const fs::path& catalog, std::vector<std::string> extra = {}) {
  gateway_options o;
  o.args = {"--hf-endpoint", hub.endpoint(), "--ca-bundle", hub.ca_bundle().string(), "--catalog", catalog.string(),
            "--download-retry-base-ms", "50"};
  o.args.insert(o.args.end(), extra.begin(), extra.end());
  return o;
}

// The listing's entry for `file`.
json::object model_entry(const gateway_process& gw, const std::string& file) {
  auto r = gw.call("GET", "/api/admin/llm/models", management_key);
  REQUIRE(r.status == 200);
  auto body = json::parse(r.body);
  for (const auto& c : body.at("categories").as_array())
    for (const auto& m : c.at("models").as_array())
      if (m.at("file").as_string() == file) return m.as_object();
  FAIL("no catalog entry " << file);
  return {};
}

std::string status_of(const gateway_process& gw, const std::string& file) {
  return std::string(model_entry(gw, file).at("status").as_string());
}

// Waits until `file` reaches one of the final states; returns the entry.
json::object wait_settled(const gateway_process& gw, const std::string& file, std::chrono::milliseconds timeout = 30s) {
  json::object entry;
  poll_until(
      [&] {
        entry = model_entry(gw, file);
        auto s = entry.at("status").as_string();
        return s == "present" || s == "failed";
      },
      timeout);
  return entry;
}

void queue(const gateway_process& gw, const std::string& file) {
  auto r = gw.call("POST", "/api/admin/llm/models/download/" + file, management_key);
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body).at("status").as_string() == "queued");
}

std::string sha256_file(const fs::path& p) { return run_tool("openssl", {"dgst", "-sha256", "-r", p.string()}).substr(0, 64); }

// The $msec times of the CDN log lines that hold `needle`.
std::vector<double> log_times(const std::string& log, const std::string& needle) {
  std::vector<double> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos) out.push_back(std::stod(line.substr(line.rfind(' ') + 1)));
  return out;
}

std::uint64_t journal_bytes_done(const fs::path& journal) {
  std::uint64_t done = 0;
  try {
    auto j = json::parse(slurp(journal));
    for (const auto& d : j.at("downloads").as_array())
      if (const auto* segs = d.as_object().if_contains("segments"))
        for (const auto& s : segs->as_array()) done += s.as_array().at(2).to_number<std::uint64_t>();
  } catch (const std::exception&) {
  }
  return done;
}

std::string error_of(const json::object& entry) {
  const auto* d = entry.if_contains("download");
  if (d == nullptr || !d->at("error").is_string()) return "";
  return std::string(d->at("error").as_string());
}

// A gateway left `part` as the .part of `file` (`size` bytes on the hub) and a journal that
// counts it done; a new gateway resumes it, and `file` must end present with the hub's
// checksum. Returns the CDN's access log; `gateway_log`, if given, gets the gateway's output.
std::string resume_partial(const hf_nginx& hub, const temp_dir& studio, const std::string& file, std::uint64_t size,
                           const std::string& part, std::string* gateway_log = nullptr) {
  auto models = studio.path() / "llm" / "models";
  fs::create_directories(models);
  std::ofstream(models / (file + ".part"), std::ios::binary) << part;
  const auto sha = hub.sha256(file);
  const auto n = std::to_string(size);
  studio.write_file("llm/downloads.json", R"({"version":1,"downloads":[{"file":")" + file +
                                              R"(","force":false,"etag":")" + sha + R"(","size":)" + n +
                                              R"(,"segments":[[0,)" + n + "," + std::to_string(part.size()) + "]]}]}");
  temp_dir cat_dir;
  gateway_process gw(options_for(hub, write_catalog(cat_dir, {{file}})), &studio);
  auto entry = wait_settled(gw, file);
  if (gateway_log) *gateway_log = gw.process().output();
  REQUIRE_MESSAGE(entry.at("status").as_string() == "present", error_of(entry));
  CHECK(sha256_file(models / file) == sha);
  return hub.cdn_log();
}

}  // namespace

TEST_SUITE("model_downloads") {

TEST_CASE("302 to the CDN host, checksum verified; the token goes to the hub only") {
  hf_nginx hub({{"big.gguf", 3 << 20}, {"small.gguf", 1000, hf_file::kind::small}});
  temp_dir cat_dir;
  auto catalog = write_catalog(cat_dir, {{"big.gguf"}, {"small.gguf"}, {"other.gguf"}});
  gateway_process gw(options_for(hub, catalog, {"--hf-token", token}));

  CHECK(status_of(gw, "big.gguf") == "missing");
  queue(gw, "big.gguf");
  queue(gw, "small.gguf");
  auto big = wait_settled(gw, "big.gguf");
  REQUIRE_MESSAGE(big.at("status").as_string() == "present", error_of(big));
  CHECK(big.at("on_disk_bytes").as_int64() == 3 << 20);
  CHECK(wait_settled(gw, "small.gguf").at("status").as_string() == "present");
  auto models = gw.studio_dir() / "llm" / "models";
  CHECK(sha256_file(models / "big.gguf") == hub.sha256("big.gguf"));
  CHECK(slurp(models / "small.gguf") == slurp(hub.file("small.gguf")));
  CHECK_FALSE(fs::exists(models / "big.gguf.part"));

  auto listing = gw.call("GET", "/api/admin/llm/models", management_key);
  auto summary = json::parse(listing.body).at("summary");
  CHECK(summary.at("total").as_int64() == 3);
  CHECK(summary.at("present").as_int64() == 2);
  CHECK(listing.body.find(token) == std::string::npos);

  auto again = gw.call("POST", "/api/admin/llm/models/download/big.gguf", management_key);
  CHECK(json::parse(again.body).at("status").as_string() == "present");
  CHECK(gw.call("POST", "/api/admin/llm/models/download/nope.gguf", management_key).status == 404);

  auto hub_log = hub.hub_log(), cdn_log = hub.cdn_log();
  INFO("hub log:\n" << hub_log << "cdn log:\n" << cdn_log);
  CHECK(hub_log.find(std::string("Bearer ") + token) != std::string::npos);
  CHECK(cdn_log.find("GET /files/big.gguf") != std::string::npos);
  CHECK(cdn_log.find("Bearer") == std::string::npos);
  CHECK(gw.process().output().find(token) == std::string::npos);

  auto del = gw.call("DELETE", "/api/admin/llm/models/big.gguf", management_key);
  CHECK(del.status == 200);
  CHECK_FALSE(fs::exists(models / "big.gguf"));
  CHECK(gw.call("DELETE", "/api/admin/llm/models/big.gguf", management_key).status == 404);
}

TEST_CASE("large files are fetched over parallel Range connections") {
  hf_nginx hub({{"big.gguf", 4 << 20}});
  temp_dir cat_dir;
  gateway_process gw(options_for(hub, write_catalog(cat_dir, {{"big.gguf"}}),
                                 {"--download-parallel-min-bytes", "1048576", "--download-connections", "4"}));
  queue(gw, "big.gguf");
  auto entry = wait_settled(gw, "big.gguf");
  REQUIRE_MESSAGE(entry.at("status").as_string() == "present", error_of(entry));
  CHECK(sha256_file(gw.studio_dir() / "llm" / "models" / "big.gguf") == hub.sha256("big.gguf"));
  auto log = hub.cdn_log();
  INFO(log);
  std::size_t ranges = 0;
  for (std::size_t at = log.find(" 206 "); at != std::string::npos; at = log.find(" 206 ", at + 1)) ++ranges;
  CHECK(ranges == 4);
}

TEST_CASE("a stalled connection is retried with a Range request and completes") {
  hf_nginx hub({{"stall.gguf", 3 << 20, hf_file::kind::lfs, "stall"}});
  temp_dir cat_dir;
  gateway_process gw(options_for(hub, write_catalog(cat_dir, {{"stall.gguf"}}), {"--download-stall-seconds", "1"}));
  queue(gw, "stall.gguf");
  auto entry = wait_settled(gw, "stall.gguf");
  REQUIRE_MESSAGE(entry.at("status").as_string() == "present", error_of(entry));
  CHECK(sha256_file(gw.studio_dir() / "llm" / "models" / "stall.gguf") == hub.sha256("stall.gguf"));
  CHECK(gw.process().output().find("stalled: under 1024 bytes/s for 1 s") != std::string::npos);  // our watchdog, not curl's later one
  auto log = hub.cdn_log();
  INFO(log);
  CHECK(log.find("\"bytes=") != std::string::npos);
  CHECK(log.find(" 206 ") != std::string::npos);
}

TEST_CASE("a connection dropped mid-file is resumed with a Range request") {
  hf_nginx hub({{"drop.gguf", 3 << 20, hf_file::kind::lfs, "drop"}});
  temp_dir cat_dir;
  gateway_process gw(options_for(hub, write_catalog(cat_dir, {{"drop.gguf"}})));
  queue(gw, "drop.gguf");
  auto entry = wait_settled(gw, "drop.gguf");
  REQUIRE_MESSAGE(entry.at("status").as_string() == "present", error_of(entry));
  CHECK(sha256_file(gw.studio_dir() / "llm" / "models" / "drop.gguf") == hub.sha256("drop.gguf"));
  auto log = hub.cdn_log();
  INFO(log);
  CHECK(log.find("GET /drop/drop.gguf") != std::string::npos);
  CHECK(log.find("\"bytes=") != std::string::npos);
  CHECK(log.find(" 206 ") != std::string::npos);
  auto output = gw.process().output();
  INFO(output);
  CHECK(output.find("transfer closed with") != std::string::npos);  // curl saw the early close
  CHECK(output.find("resuming at") != std::string::npos);
}

TEST_CASE("a download survives kill -9 of the gateway and resumes from the journal") {
  hf_nginx hub({{"slow.gguf", 4 << 20, hf_file::kind::lfs, "slow"}});
  temp_dir cat_dir, studio;
  auto catalog = write_catalog(cat_dir, {{"slow.gguf"}});
  auto journal = studio.path() / "llm" / "downloads.json";
  auto journal_done = [&] {
    try {
      auto j = json::parse(slurp(journal));
      for (const auto& d : j.at("downloads").as_array())
        if (const auto* segs = d.as_object().if_contains("segments"))
          for (const auto& s : segs->as_array())
            if (s.as_array().at(2).to_number<std::uint64_t>() > 0) return true;
    } catch (const std::exception&) {
    }
    return false;
  };
  {
    gateway_process first(options_for(hub, catalog), &studio);
    queue(first, "slow.gguf");
    REQUIRE(poll_until(journal_done, 10s));
    first.process().send_signal(SIGKILL);
    REQUIRE(first.process().wait_exit(5s));
  }
  CHECK(fs::exists(studio.path() / "llm" / "models" / "slow.gguf.part"));
  gateway_process second(options_for(hub, catalog), &studio);
  auto entry = wait_settled(second, "slow.gguf");
  REQUIRE_MESSAGE(entry.at("status").as_string() == "present", error_of(entry));
  CHECK(sha256_file(studio.path() / "llm" / "models" / "slow.gguf") == hub.sha256("slow.gguf"));
  auto log = hub.cdn_log();
  INFO(log);
  CHECK(log.find("\"bytes=") != std::string::npos);
  CHECK(log.find(" 206 ") != std::string::npos);
}

TEST_CASE("a server that ignores Range: the body is written from byte 0, not appended") {
  hf_nginx hub({{"norange.gguf", 2 << 20, hf_file::kind::lfs, "norange"}});
  temp_dir studio;
  auto log = resume_partial(hub, studio, "norange.gguf", 2 << 20, std::string(1 << 20, 'x'));
  INFO(log);
  CHECK(log.find("\"bytes=1048576-2097151\"") != std::string::npos);
  CHECK(log.find(" 200 ") != std::string::npos);
}

TEST_CASE("a mismatch after resuming from bytes the journal trusted fetches the whole file once more") {
  // As after a crash of the machine: the journal counts 1 MiB that never reached the disk.
  hf_nginx hub({{"trusted.gguf", 2 << 20, hf_file::kind::lfs, "files"}});
  temp_dir studio;
  std::string gateway_log;
  auto log = resume_partial(hub, studio, "trusted.gguf", 2 << 20, std::string(1 << 20, '\0'), &gateway_log);
  INFO(log);
  auto resumed = log.find("\"bytes=1048576-2097151\"");
  REQUIRE(resumed != std::string::npos);
  CHECK(log.find(" 200 ", resumed) != std::string::npos);  // then the whole file, from byte 0
  CHECK(gateway_log.find("checksum mismatch after resuming with 1048576 bytes") != std::string::npos);
}

TEST_CASE("a checksum mismatch fails clearly and leaves no file") {
  hf_nginx hub({{"bad.gguf", 1 << 20, hf_file::kind::lfs, "files", std::string(64, 'a')}});
  temp_dir cat_dir;
  gateway_process gw(options_for(hub, write_catalog(cat_dir, {{"bad.gguf"}})));
  queue(gw, "bad.gguf");
  auto entry = wait_settled(gw, "bad.gguf");
  CHECK(entry.at("status").as_string() == "failed");
  CHECK(error_of(entry).find("checksum mismatch") != std::string::npos);
  auto models = gw.studio_dir() / "llm" / "models";
  CHECK_FALSE(fs::exists(models / "bad.gguf"));
  CHECK_FALSE(fs::exists(models / "bad.gguf.part"));
}

TEST_CASE("gated (401) and missing (404) files fail at once with clear messages") {
  hf_nginx hub({});
  temp_dir cat_dir;
  gateway_process gw(options_for(hub, write_catalog(cat_dir, {{"x.gguf", "gated/llama"}, {"missing.gguf"}})));
  queue(gw, "x.gguf");
  queue(gw, "missing.gguf");
  auto gated = wait_settled(gw, "x.gguf");
  CHECK(gated.at("status").as_string() == "failed");
  CHECK(error_of(gated).find("gated") != std::string::npos);
  CHECK(error_of(gated).find("HF_TOKEN") != std::string::npos);
  CHECK(gated.at("download").at("attempts").as_int64() == 1);
  auto missing = wait_settled(gw, "missing.gguf");
  CHECK(error_of(missing) == "file missing.gguf not found in org/models");
}

TEST_CASE("too little disk space refuses the download and says how much") {
  hf_nginx hub({{"big.gguf", 1 << 20}});
  temp_dir cat_dir;
  gateway_process gw(options_for(hub, write_catalog(cat_dir, {{"big.gguf"}}),
                                 {"--download-disk-reserve-bytes", "1000000000000000000"}));
  queue(gw, "big.gguf");
  auto entry = wait_settled(gw, "big.gguf");
  CHECK(entry.at("status").as_string() == "failed");
  CHECK(error_of(entry).find("not enough disk space: 1.0 MiB still to download") != std::string::npos);
  CHECK(error_of(entry).find("free") != std::string::npos);
}

TEST_CASE("traversal names get 400 and touch nothing") {
  hf_nginx hub({});
  temp_dir cat_dir;
  gateway_process gw(options_for(hub, write_catalog(cat_dir, {{"a.gguf"}})));
  auto victim = gw.studio_dir() / "victim.txt";
  std::ofstream(victim) << "keep me";
  for (const char* name : {"..%2F..%2Fvictim.txt", "..%2Fvictim.txt", "..", "%2Fetc%2Fpasswd", "a%5Cb", "x..gguf"}) {
    CAPTURE(name);
    CHECK(gw.call("DELETE", std::string("/api/admin/llm/models/") + name, management_key).status == 400);
    CHECK(gw.call("POST", std::string("/api/admin/llm/models/download/") + name, management_key).status == 400);
  }
  CHECK(gw.call("DELETE", "/api/admin/llm/models/a%00b", management_key).status == 400);
  CHECK(fs::exists(victim));
  CHECK(gw.call("DELETE", "/api/admin/llm/models/a.gguf", management_key).status == 404);
  CHECK(gw.call("GET", "/api/admin/llm/models").status == 401);
}

TEST_CASE("DELETE cancels a running download and removes its partial file") {
  hf_nginx hub({{"slow.gguf", 8 << 20, hf_file::kind::lfs, "slow"}});
  temp_dir cat_dir;
  gateway_process gw(options_for(hub, write_catalog(cat_dir, {{"slow.gguf"}})));
  queue(gw, "slow.gguf");
  auto models = gw.studio_dir() / "llm" / "models";
  REQUIRE(poll_until(
      [&] {
        auto e = model_entry(gw, "slow.gguf");
        return e.at("status").as_string() == "downloading" &&
               e.at("download").at("downloaded_bytes").to_number<std::uint64_t>() > 0;
      },
      10s));
  auto again = gw.call("POST", "/api/admin/llm/models/download/slow.gguf", management_key);
  CHECK(json::parse(again.body).at("status").as_string() == "already_downloading");
  auto del = gw.call("DELETE", "/api/admin/llm/models/slow.gguf", management_key);
  CHECK(del.status == 200);
  CHECK(json::parse(del.body).at("status").as_string() == "cancelled");
  CHECK(poll_until([&] { return status_of(gw, "slow.gguf") == "missing"; }, 5s));
  CHECK_FALSE(fs::exists(models / "slow.gguf.part"));
  CHECK_FALSE(fs::exists(models / "slow.gguf"));
  CHECK(poll_until([&] { return slurp(gw.studio_dir() / "llm" / "downloads.json").find("slow.gguf") == std::string::npos; }, 5s));
}

TEST_CASE("the SSE feed reports progress and the final state") {
  hf_nginx hub({{"slow.gguf", 2 << 20, hf_file::kind::lfs, "slow"}});
  temp_dir cat_dir;
  gateway_process gw(options_for(hub, write_catalog(cat_dir, {{"slow.gguf"}})));
  std::atomic<bool> connected = false;
  stream_result events;
  std::thread reader([&] {
    stream_callbacks cb;
    cb.on_headers = [&](const http_result&) { connected = true; };
    std::string seen;
    cb.on_piece = [&](std::string_view piece) {
      seen += piece;
      return seen.find("\"status\":\"present\"") == std::string::npos && seen.find("\"status\":\"failed\"") == std::string::npos;
    };
    events = request_stream("127.0.0.1", gw.port(), "GET", "/api/admin/llm/downloads/events", "",
                            {{"X-API-Key", management_key}}, cb, 15s);
  });
  bool up = poll_until([&] { return connected.load(); }, 10s);
  if (up) queue(gw, "slow.gguf");
  reader.join();
  REQUIRE(up);
  CHECK(events.head.status == 200);
  CHECK(events.head.header("Content-Type")->starts_with("text/event-stream"));
  const auto& body = events.head.body;
  CHECK(body.find("event: state\ndata: {\"file\":\"slow.gguf\",\"status\":\"queued\"") != std::string::npos);
  CHECK(body.find("event: progress") != std::string::npos);
  CHECK(body.find("\"status\":\"present\"") != std::string::npos);
}

TEST_CASE("429 with Retry-After is waited out as asked, then the download completes") {
  hf_nginx hub({{"busy.gguf", 1 << 20, hf_file::kind::lfs, "busy"}});
  hub.set_busy(true);
  temp_dir cat_dir;
  gateway_process gw(options_for(hub, write_catalog(cat_dir, {{"busy.gguf"}})));  // backoff base 50 ms
  queue(gw, "busy.gguf");
  json::object entry;
  REQUIRE(poll_until(
      [&] {
        entry = model_entry(gw, "busy.gguf");
        const auto* d = entry.if_contains("download");
        return d != nullptr && d->at("attempts").as_int64() >= 2 && !error_of(entry).empty();
      },
      10s));
  CHECK(entry.at("status").as_string() == "downloading");  // still trying
  CHECK(error_of(entry) == "HTTP 429 from upstream");
  hub.set_busy(false);
  entry = wait_settled(gw, "busy.gguf");
  REQUIRE_MESSAGE(entry.at("status").as_string() == "present", error_of(entry));
  CHECK(sha256_file(gw.studio_dir() / "llm" / "models" / "busy.gguf") == hub.sha256("busy.gguf"));
  auto log = hub.cdn_log();
  INFO(log);
  auto refused = log_times(log, "/busy/busy.gguf?X-Amz-Signature=abc HTTP/1.1\" 429");
  auto served = log_times(log, "/busy/busy.gguf?X-Amz-Signature=abc HTTP/1.1\" 200");
  REQUIRE(refused.size() >= 1);
  REQUIRE(served.size() == 1);
  refused.push_back(served[0]);
  for (std::size_t i = 1; i < refused.size(); ++i) CHECK(refused[i] - refused[i - 1] >= 0.95);  // not 50 ms
}

TEST_CASE("503 on every attempt: exponential backoff, attempts counted, then a clear failure") {
  hf_nginx hub({{"down.gguf", 1 << 20, hf_file::kind::lfs, "down"}});
  temp_dir cat_dir;
  gateway_process gw(options_for(hub, write_catalog(cat_dir, {{"down.gguf"}})));  // backoff base 50 ms
  queue(gw, "down.gguf");
  auto entry = wait_settled(gw, "down.gguf");
  CHECK(entry.at("status").as_string() == "failed");
  CHECK(error_of(entry) == "HTTP 503 from upstream (gave up after 5 failed attempts in a row)");
  CHECK(entry.at("download").at("attempts").as_int64() == 5);
  auto log = hub.cdn_log();
  INFO(log);
  auto times = log_times(log, "/down/down.gguf?X-Amz-Signature=abc HTTP/1.1\" 503");
  REQUIRE(times.size() == 5);
  CHECK(log_times(hub.hub_log(), "/resolve/main/down.gguf").size() == 5);  // each retry resolves again
  for (std::size_t i = 1; i < times.size(); ++i) {
    double wanted = 0.05 * (1 << (i - 1));  // 50, 100, 200, 400 ms
    CHECK(times[i] - times[i - 1] >= wanted - 0.002);
  }
  CHECK(times[4] - times[3] > times[1] - times[0]);
}

TEST_CASE("a source:url entry: size known first, disk check, verified, resumed after kill -9") {
  hf_nginx hub({{"plain.gguf", 4 << 20, hf_file::kind::lfs, "slow"}});
  temp_dir cat_dir, studio;
  auto catalog = write_catalog(cat_dir, {{"plain.gguf", "", hub.cdn_url("slow/plain.gguf"), hub.sha256("plain.gguf")}});
  auto models = studio.path() / "llm" / "models";
  {
    gateway_process refused(options_for(hub, catalog, {"--download-disk-reserve-bytes", "1000000000000000000"}), &studio);
    queue(refused, "plain.gguf");
    auto entry = wait_settled(refused, "plain.gguf");
    CHECK(entry.at("status").as_string() == "failed");
    CHECK(error_of(entry).find("not enough disk space: 4.0 MiB still to download") != std::string::npos);
  }
  {
    gateway_process first(options_for(hub, catalog), &studio);
    queue(first, "plain.gguf");
    REQUIRE(poll_until([&] { return journal_bytes_done(studio.path() / "llm" / "downloads.json") > 0; }, 10s));
    auto entry = model_entry(first, "plain.gguf");
    CHECK(entry.at("download").at("total_bytes").as_int64() == 4 << 20);
    first.process().send_signal(SIGKILL);
    REQUIRE(first.process().wait_exit(5s));
  }
  CHECK(fs::exists(models / "plain.gguf.part"));
  gateway_process second(options_for(hub, catalog), &studio);
  auto entry = wait_settled(second, "plain.gguf");
  REQUIRE_MESSAGE(entry.at("status").as_string() == "present", error_of(entry));
  CHECK(sha256_file(models / "plain.gguf") == hub.sha256("plain.gguf"));
  auto log = hub.cdn_log();
  INFO(log);
  CHECK(log.find("\"HEAD /slow/plain.gguf HTTP/1.1\" 200") != std::string::npos);
  CHECK(log.find("\"GET /slow/plain.gguf HTTP/1.1\" 206") != std::string::npos);  // the resume
  CHECK(log.find("\"bytes=") != std::string::npos);
  CHECK(second.process().output().find("resuming at") != std::string::npos);
}

TEST_CASE("a source:url entry that is missing fails at once, naming the URL without its query") {
  hf_nginx hub({});
  temp_dir cat_dir;
  gateway_process gw(options_for(hub, write_catalog(cat_dir, {{"gone.gguf", "", hub.cdn_url("files/gone.gguf?sig=secret")}})));
  queue(gw, "gone.gguf");
  auto entry = wait_settled(gw, "gone.gguf");
  CHECK(entry.at("status").as_string() == "failed");
  CHECK(error_of(entry) == hub.cdn_url("files/gone.gguf") + " not found (HTTP 404)");
  CHECK(entry.at("download").at("attempts").as_int64() == 1);
}

}  // TEST_SUITE
