// /api/admin/llm/* end to end: the real gateway supervising fake-llama-server.
// Every wait polls observable state (status, /proc, output) with a hard deadline.
#include "gateway_process.hpp"
#include "studio/test/observe.hpp"
#include "studio/test/free_port.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <csignal>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

using namespace studio::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// A studio dir with a model file, and a gateway on it supervising the fake.
struct rig {
  temp_dir dir;
  unsigned short llm_port = free_port();
  std::unique_ptr<gateway_process> gw;

  explicit rig(env_list env = {}, std::string binary = "") {
    dir.write_file("llm/models/m.gguf", "GGUF fake model");
    start(std::move(env), std::move(binary));
  }
  void start(env_list env = {}, std::string binary = "") {
    if (binary.empty()) binary = bin_path("fake-llama-server").string();
    gateway_options options{{"--llama-server", binary, "--llm-port", std::to_string(llm_port)},
                            std::move(env)};
    gw = std::make_unique<gateway_process>(options, &dir);
  }
  http_result post(const std::string& path, const std::string& body) const {
    return gw->call("POST", "/api/admin/llm/" + path, management_key, body,
                    {{"Content-Type", "application/json"}});
  }
  json::object status() const {
    auto r = gw->call("GET", "/api/admin/llm/status", management_key);
    REQUIRE(r.status == 200);
    return json::parse(r.body).as_object();
  }
  std::string state() const { return std::string(status().at("state").as_string()); }
  bool reaches(const std::string& wanted, std::chrono::milliseconds limit = 10s) const {
    return poll_until([&] { return state() == wanted; }, limit);
  }
  int pid() const {
    auto s = status();
    return s.at("pid").is_null() ? 0 : static_cast<int>(s.at("pid").as_int64());
  }
};

// The socket inodes a process holds ("socket:[N]" links under /proc/PID/fd).
std::set<std::string> socket_inodes(int pid) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code link_ec;
    auto target = std::filesystem::read_symlink(entry.path(), link_ec).string();
    if (!link_ec && target.starts_with("socket:")) out.insert(target);
  }
  return out;
}

}  // namespace

TEST_SUITE("admin_llm") {
  TEST_CASE("a model file in use by the running llama-server cannot be deleted (409) until it stops") {
    rig r;
    REQUIRE(r.post("start", R"({"model": "m.gguf", "wait": true})").status == 200);
    auto del = r.gw->call("DELETE", "/api/admin/llm/models/m.gguf", management_key);
    CHECK(del.status == 409);
    CHECK(json::parse(del.body).at("error").as_string().find("stop it first") != std::string::npos);
    CHECK(std::filesystem::exists(r.dir.path() / "llm/models/m.gguf"));
    REQUIRE(r.post("stop", "").status == 200);
    del = r.gw->call("DELETE", "/api/admin/llm/models/m.gguf", management_key);
    CHECK(del.status == 200);
    CHECK_FALSE(std::filesystem::exists(r.dir.path() / "llm/models/m.gguf"));
  }

  TEST_CASE("the child holds none of the gateway's sockets (listener, client connections)") {
    rig r;
    // The start request's own connection is open while the child is forked.
    REQUIRE(r.post("start", R"({"model":"m.gguf","wait":true})").status == 200);
    const int child = r.pid();
    REQUIRE(child > 0);
    const auto gateway_sockets = socket_inodes(r.gw->process().pid());
    REQUIRE_FALSE(gateway_sockets.empty());
    for (const auto& inode : socket_inodes(child)) {
      INFO("socket shared with the gateway: " << inode);
      CHECK(gateway_sockets.count(inode) == 0);
    }
  }

  TEST_CASE("start -> running with the mapped flags; the internal key stays hidden; stop; stop again") {
    temp_dir scratch;
    auto argv_file = scratch.path() / "argv.txt";
    rig r(env_list{{"FAKE_LLAMA_ARGV_FILE", argv_file.string()}});
    auto before = r.status();
    CHECK(before.at("running") == false);
    CHECK(before.at("binary_exists") == true);
    CHECK(before.at("health").is_null());
    CHECK(before.at("port").as_int64() == r.llm_port);

    auto start = r.post("start", R"({"model":"m.gguf","ctx_size":2048,"temp":0.5})");
    REQUIRE(start.status == 200);
    CHECK(json::parse(start.body).at("status") == "started");
    REQUIRE(r.reaches("running"));
    auto s = r.status();
    CHECK(s.at("running") == true);
    CHECK(s.at("active_model") == "m.gguf");
    CHECK(s.at("health").at("status") == "ok");
    CHECK(s.at("restarts").as_int64() == 0);

    auto argv = slurp(argv_file);
    CHECK(argv.find("--ctx-size\n2048\n") != std::string::npos);
    CHECK(argv.find("--temp\n0.5\n") != std::string::npos);
    CHECK(argv.find("--n-gpu-layers\n99\n") != std::string::npos);
    CHECK(argv.find("--host\n127.0.0.1\n") != std::string::npos);
    auto key_at = argv.find("--api-key\n");
    REQUIRE(key_at != std::string::npos);
    auto key_start = key_at + 10;
    auto key = argv.substr(key_start, argv.find('\n', key_start) - key_start);
    CHECK(key.size() >= 32);
    CHECK(start.body.find(key) == std::string::npos);
    CHECK(json::serialize(s).find(key) == std::string::npos);

    auto stop = r.post("stop", "");
    CHECK(stop.status == 200);
    CHECK(json::parse(stop.body).at("status") == "stopped");
    CHECK(r.state() == "stopped");
    auto again = r.post("stop", "");
    CHECK(again.status == 200);
    CHECK(json::parse(again.body).at("status") == "not_running");
    CHECK(r.gw->process().output().find(key) == std::string::npos);
    CHECK(slurp(r.dir.path() / "logs" / "admin.log").find(key) == std::string::npos);
    CHECK_FALSE(std::filesystem::exists(r.dir.path() / "run" / "admin.pid"));
  }

  TEST_CASE("start validation: 400 invalid JSON / missing model / wrong type, 404 missing file") {
    rig r;
    CHECK(r.post("start", "{nope").status == 400);
    auto missing = r.post("start", R"({"ctx_size":1})");
    CHECK(missing.status == 400);
    CHECK(json::parse(missing.body).at("error") == "missing field 'model'");
    auto typed = r.post("start", R"({"model":"m.gguf","ctx_size":"big"})");
    CHECK(typed.status == 400);
    CHECK(json::parse(typed.body).at("error") == "field 'ctx_size' must be an integer");
    CHECK(r.post("start", R"({"model":"../m.gguf"})").status == 400);
    auto absent = r.post("start", R"({"model":"absent.gguf"})");
    CHECK(absent.status == 404);
    CHECK(r.state() == "stopped");
  }

  TEST_CASE("wait:true returns when running; a second start replaces the child") {
    rig r;
    auto first = r.post("start", R"({"model":"m.gguf","wait":true})");
    REQUIRE(first.status == 200);
    CHECK(json::parse(first.body).at("state") == "running");
    int pid1 = r.pid();
    auto second = r.post("start", R"({"model":"m.gguf","wait":true})");
    REQUIRE(second.status == 200);
    int pid2 = r.pid();
    CHECK(pid2 != pid1);
    CHECK(poll_until([&] { return !pid_alive(pid1); }, 5s));
    CHECK(processes_on_port(r.llm_port) == 1);
  }

  TEST_CASE("a missing binary is reported and gives a clear 500") {
    rig r({}, "/nonexistent/llama-server");
    CHECK(r.status().at("binary_exists") == false);
    auto start = r.post("start", R"({"model":"m.gguf"})");
    CHECK(start.status == 500);
    CHECK(json::parse(start.body).at("error").as_string().find("missing or not executable") !=
          std::string::npos);
    CHECK(r.state() == "failed");
  }

  TEST_CASE("an exit during load marks failed with the log tail; repeated failures cool down with 503") {
    rig r(env_list{{"FAKE_LLAMA_EXIT_DURING_LOAD", "3"}});
    for (int i = 0; i < 3; ++i) {
      auto start = r.post("start", R"({"model":"m.gguf","wait":true})");
      CHECK(start.status == 500);
    }
    auto s = r.status();
    CHECK(s.at("state") == "failed");
    auto error = std::string(s.at("last_error").as_string());
    CHECK(error.find("exited with code 3") != std::string::npos);
    CHECK(error.find("FAKE_LLAMA_EXIT_DURING_LOAD") != std::string::npos);  // the last output lines
    auto refused = r.post("start", R"({"model":"m.gguf"})");
    CHECK(refused.status == 503);
    REQUIRE(refused.header("Retry-After"));
    CHECK(std::stoi(*refused.header("Retry-After")) > 0);
  }

  TEST_CASE("no loading progress past load_timeout_seconds fails the start") {
    rig r(env_list{{"FAKE_LLAMA_LOAD_DELAY_MS", "20000"}});
    auto start = r.post("start", R"({"model":"m.gguf","load_timeout_seconds":0.3,"wait":true})");
    CHECK(start.status == 500);
    CHECK(json::parse(start.body).at("error").as_string().find("load timeout") != std::string::npos);
    CHECK(r.state() == "failed");
    CHECK(processes_on_port(r.llm_port) == 0);
  }

  TEST_CASE("a crash restarts with backoff up to max_restarts, then failed") {
    rig r;
    auto start = r.post(
        "start",
        R"({"model":"m.gguf","auto_restart":true,"max_restarts":2,"restart_delay_seconds":0.05,"wait":true})");
    REQUIRE(start.status == 200);
    for (int round = 1; round <= 2; ++round) {
      int pid = r.pid();
      REQUIRE(pid > 0);
      ::kill(pid, SIGKILL);
      REQUIRE(poll_until([&] {
        auto s = r.status();
        return s.at("restarts").as_int64() == round && s.at("state") == "running";
      }));
      CHECK(r.pid() != pid);
    }
    ::kill(r.pid(), SIGKILL);
    REQUIRE(r.reaches("failed"));
    auto s = r.status();
    CHECK(s.at("restarts").as_int64() == 2);
    CHECK(std::string(s.at("last_error").as_string()).find("signal 9") != std::string::npos);
  }

  TEST_CASE("stop escalates to SIGKILL when the child ignores SIGTERM") {
    temp_dir scratch;
    auto script = scratch.write_file("stubborn-llama.sh", "#!/bin/sh\ntrap '' TERM\n\"" +
                                                              bin_path("fake-llama-server").string() +
                                                              "\" \"$@\" &\nexec sleep 600\n");
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    rig r({}, script.string());
    auto start = r.post("start", R"({"model":"m.gguf","stop_grace_seconds":0.3,"wait":true})");
    REQUIRE(start.status == 200);
    int pid = r.pid();
    auto t0 = std::chrono::steady_clock::now();
    CHECK(r.post("stop", "").status == 200);
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took >= 250ms);
    CHECK(took < 5s);
    CHECK(r.state() == "stopped");
    CHECK_FALSE(pid_alive(pid));
    CHECK(r.gw->process().output().find("ignored SIGTERM") != std::string::npos);
  }

  TEST_CASE("kill -9 of the gateway leaves no child behind") {
    rig r;
    REQUIRE(r.post("start", R"({"model":"m.gguf","wait":true})").status == 200);
    int pid = r.pid();
    REQUIRE(pid_alive(pid));
    ::kill(r.gw->process().pid(), SIGKILL);
    CHECK(poll_until([&] { return !pid_alive(pid); }, 5s));
  }

  TEST_CASE("SIGTERM to the gateway stops the child, then the gateway exits 0") {
    rig r;
    REQUIRE(r.post("start", R"({"model":"m.gguf","wait":true})").status == 200);
    int pid = r.pid();
    auto status = r.gw->process().terminate(SIGTERM, 10s);
    REQUIRE(status.has_value());
    CHECK(status->exited_with(0));
    CHECK_FALSE(pid_alive(pid));
    CHECK(r.gw->process().output().find("stopped (exited with code 134)") != std::string::npos);
  }

  TEST_CASE("a taken port gives a clear start error") {
    rig r;
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(r.llm_port);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 4) == 0);
    auto start = r.post("start", R"({"model":"m.gguf"})");
    ::close(fd);
    CHECK(start.status == 500);
    CHECK(json::parse(start.body).at("error").as_string().find("already in use") != std::string::npos);
    CHECK(r.state() == "failed");
  }

  TEST_CASE("20 concurrent start/stop calls end consistently with at most one child") {
    rig r;
    std::vector<std::thread> callers;
    for (int i = 0; i < 20; ++i) {
      callers.emplace_back([&r, i] {
        if (i % 2 == 0)
          r.post("start", R"({"model":"m.gguf"})");
        else
          r.post("stop", "");
      });
    }
    for (auto& t : callers) t.join();
    REQUIRE(poll_until([&] {
      auto st = r.state();
      return st == "running" || st == "stopped";
    }));
    auto st = r.state();
    CHECK(processes_on_port(r.llm_port) == (st == "running" ? 1 : 0));
    r.post("stop", "");
    CHECK(processes_on_port(r.llm_port) == 0);
  }

  TEST_CASE(
      "config: validated, saved atomically, survives a restart, '_' keys hidden; corrupt file set aside") {
    rig r;
    CHECK(r.post("config", R"({"temp":"hot"})").status == 400);
    CHECK(r.post("config", R"({"model":"m.gguf"})").status == 400);
    auto saved = r.post("config", R"({"ctx_size":16384,"temp":0.8,"_origin":"test"})");
    REQUIRE(saved.status == 200);
    auto body = json::parse(saved.body);
    CHECK(body.at("status") == "saved");
    CHECK(body.at("config").at("ctx_size").as_int64() == 16384);
    CHECK_FALSE(body.at("config").as_object().contains("_origin"));
    auto file = r.dir.path() / "llm" / "config.json";
    CHECK(slurp(file).find("_origin") != std::string::npos);

    r.gw.reset();
    r.start();
    auto config = r.status().at("config").as_object();
    CHECK(config.at("ctx_size").as_int64() == 16384);
    CHECK(config.at("top_k").as_int64() == 40);
    CHECK_FALSE(config.contains("_origin"));

    r.gw.reset();
    std::ofstream(file) << "{broken";
    r.start();
    CHECK(r.status().at("config").at("ctx_size").as_int64() == 8192);
    int aside = 0;
    for (const auto& e : std::filesystem::directory_iterator(file.parent_path())) {
      aside += e.path().filename().string().starts_with("config.json.bad-");
    }
    CHECK(aside == 1);
  }

  TEST_CASE("a child left behind by a previous run is killed at start; a stranger is not") {
    temp_dir dir;
    dir.write_file("llm/models/m.gguf", "GGUF");
    auto port = free_port();
    auto fake = bin_path("fake-llama-server");
    child_process leftover(fake, process_options{{"-m", (dir.path() / "llm/models/m.gguf").string(), "--host",
                                                  "127.0.0.1", "--port", std::to_string(port)}});
    child_process stranger("/bin/sleep", process_options{{"600"}});
    REQUIRE(poll_until([&] { return pid_alive(leftover.pid()); }));
    dir.write_file("run/admin.pid", std::to_string(leftover.pid()) + "\n" + fake.string() + "\n" +
                                        std::to_string(port) + "\n");
    dir.write_file("run/other.pid", std::to_string(stranger.pid()) + "\n" + fake.string() + "\n" +
                                        std::to_string(port) + "\n");
    gateway_process gw({{"--llama-server", fake.string(), "--llm-port", std::to_string(free_port())}}, &dir);
    CHECK(leftover.wait_exit(5s).has_value());
    CHECK(stranger.running());
    CHECK_FALSE(std::filesystem::exists(dir.path() / "run" / "other.pid"));
  }

}  // TEST_SUITE
