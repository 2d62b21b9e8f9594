// The llamactl instance API end to end: the real gateway supervising
// fake-llama-server instances; seed 001's "Complete Instance Lifecycle", the
// 400/404/409 paths, options reaching argv, persistence across a restart, and
// /api/v1/server/{help,version,devices}.
// Waits poll the API with hard deadlines.
#include "gateway_process.hpp"
#include "studio/test/free_port.hpp"
#include "studio/test/observe.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fstream>
#include <iterator>
#include <thread>

using namespace studio::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const header_list json_type{{"Content-Type", "application/json"}};

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A gateway over `dir` whose named instances use `ports` ports from a free one.
std::unique_ptr<gateway_process> start_gateway(const temp_dir& dir, unsigned ports) {
  auto first = free_port();
  std::string range = std::to_string(first) + "-" + std::to_string(first + ports - 1);
  gateway_options options{{"--llama-server", bin_path("fake-llama-server").string(), "--llm-port",
                           std::to_string(free_port()), "--instance-ports", range},
                          {}};
  return std::make_unique<gateway_process>(options, &dir);
}

http_result send(const gateway_process& gw, const std::string& method, const std::string& path,
                 const std::string& body = "") {
  return gw.call(method, path, management_key, body, json_type);
}

// Polls GET /api/v1/instances/{name} until its status is `want` (10 s at most).
json::object wait_status(const gateway_process& gw, const std::string& name, const std::string& want) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  json::object last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = send(gw, "GET", "/api/v1/instances/" + name);
    if (r.status == 200) {
      last = json::parse(r.body).as_object();
      if (last.at("status").as_string() == want) return last;
    }
    std::this_thread::sleep_for(20ms);
  }
  FAIL("instance " << name << " never became " << want << ": " << json::serialize(last));
  return last;
}

}  // namespace

TEST_SUITE("llamactl") {
  TEST_CASE("complete instance lifecycle: create, get, logs, chat, stop, delete; options reach argv") {
    temp_dir dir;
    auto model = dir.write_file("llm/models/m.gguf", "GGUF fake model");
    auto argv_file = dir.path() / "argv.txt";
    auto gw = start_gateway(dir, 1);
    json::object body{{"model", model.string()},
                      {"ctx_size", 2048},
                      {"flash_attn", true},
                      {"lora", json::array{"a.gguf", "b.gguf"}},
                      {"temperature", 0.5},
                      {"environment", json::object{{"FAKE_LLAMA_ARGV_FILE", argv_file.string()}}}};
    auto created = send(*gw, "POST", "/api/v1/instances/llama2-7b", json::serialize(body));
    REQUIRE(created.status == 201);
    auto o = json::parse(created.body).as_object();
    CHECK(o.at("name") == "llama2-7b");
    CHECK(o.at("options").at("ctx_size") == 2048);
    CHECK(o.at("created").as_int64() > 1600000000);

    auto running = wait_status(*gw, "llama2-7b", "running");
    CHECK(running.at("pid").as_int64() > 0);
    CHECK(running.at("restarts") == 0);
    CHECK(running.at("last_error").is_null());

    auto list = send(*gw, "GET", "/api/v1/instances");
    REQUIRE(list.status == 200);
    CHECK(json::parse(list.body).as_array().size() == 1);  // "admin" is not listed

    auto argv = read_text(argv_file);
    CHECK(argv.find("\n--ctx-size\n2048\n") != std::string::npos);
    CHECK(argv.find("\n--flash-attn\n") != std::string::npos);
    CHECK(argv.find("\n--lora\na.gguf\n--lora\nb.gguf\n") != std::string::npos);
    CHECK(argv.find("\n--temp\n0.5\n") != std::string::npos);

    auto logs = send(*gw, "GET", "/api/v1/instances/llama2-7b/logs?lines=5");
    CHECK(logs.status == 200);
    CHECK(!logs.body.empty());
    CHECK(send(*gw, "GET", "/api/v1/instances/llama2-7b/logs?lines=abc").status == 400);
    CHECK(send(*gw, "GET", "/api/v1/instances/llama2-7b/logs?lines=-1").status == 400);

    auto chat = gw->call(
        "POST", "/v1/chat/completions", inference_key,
        R"({"model":"llama2-7b","messages":[{"role":"user","content":"hi"}],"max_tokens":2})", json_type);
    CHECK(chat.status == 200);

    auto stopped = send(*gw, "POST", "/api/v1/instances/llama2-7b/stop");
    REQUIRE(stopped.status == 200);
    CHECK(json::parse(stopped.body).at("status") == "stopped");
    CHECK(std::filesystem::exists(dir.path() / "instances" / "llama2-7b.json"));
    CHECK(send(*gw, "DELETE", "/api/v1/instances/llama2-7b").status == 204);
    CHECK(send(*gw, "GET", "/api/v1/instances/llama2-7b").status == 404);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "instances" / "llama2-7b.json"));
  }

  TEST_CASE("400, 404 and 409 paths") {
    temp_dir dir;
    dir.write_file("llm/models/m.gguf", "GGUF fake model");
    auto gw = start_gateway(dir, 1);
    const std::string ok = R"({"model":"m.gguf","auto_start":false})";
    auto error_of = [](const http_result& r) {
      return std::string(json::parse(r.body).at("error").as_string());
    };
    CHECK(send(*gw, "POST", "/api/v1/instances/bad%20name", ok).status == 400);
    CHECK(send(*gw, "POST", "/api/v1/instances/" + std::string(65, 'a'), ok).status == 400);
    CHECK(send(*gw, "POST", "/api/v1/instances/admin", ok).status == 400);
    auto unknown = send(*gw, "POST", "/api/v1/instances/x", R"({"model":"m.gguf","bogus":1})");
    CHECK(unknown.status == 400);
    CHECK(error_of(unknown) == "unknown field 'bogus'");
    auto typed = send(*gw, "POST", "/api/v1/instances/x", R"({"model":"m.gguf","flash_attn":"yes"})");
    CHECK(error_of(typed) == "field 'flash_attn' must be a boolean");
    CHECK(send(*gw, "POST", "/api/v1/instances/x", R"({"model":"missing.gguf"})").status == 400);
    CHECK(send(*gw, "POST", "/api/v1/instances/x", R"({"model":"../m.gguf"})").status == 400);
    CHECK(send(*gw, "POST", "/api/v1/instances/x", "[1]").status == 400);

    auto created = send(*gw, "POST", "/api/v1/instances/x", ok);
    REQUIRE(created.status == 201);
    CHECK(json::parse(created.body).at("status") == "stopped");
    CHECK(json::parse(created.body).at("pid").is_null());
    CHECK(send(*gw, "POST", "/api/v1/instances/x", ok).status == 409);
    auto full = send(*gw, "POST", "/api/v1/instances/y", ok);  // the port range holds one port
    CHECK(full.status == 409);
    CHECK(error_of(full).find("no free instance port") != std::string::npos);

    auto updated = send(*gw, "PUT", "/api/v1/instances/x", R"({"model":"m.gguf","ctx_size":1024})");
    REQUIRE(updated.status == 200);
    CHECK(json::parse(updated.body).at("options").at("ctx_size") == 1024);
    CHECK(send(*gw, "PUT", "/api/v1/instances/x", R"({"ctx_size":"big"})").status == 400);

    for (const char* path : {"/api/v1/instances/nope", "/api/v1/instances/nope/logs"})
      CHECK(send(*gw, "GET", path).status == 404);
    for (const char* path : {"/api/v1/instances/nope/start", "/api/v1/instances/nope/stop"})
      CHECK(send(*gw, "POST", path).status == 404);
    CHECK(send(*gw, "DELETE", "/api/v1/instances/nope").status == 404);
    CHECK(gw->call("GET", "/api/v1/instances", inference_key).status == 403);
  }

  TEST_CASE("server help, version and devices run the configured binary; 500 JSON when it fails") {
    temp_dir dir;
    auto gw = start_gateway(dir, 1);
    auto help = send(*gw, "GET", "/api/v1/server/help");
    CHECK(help.status == 200);
    CHECK(help.body.find("--ctx-size") != std::string::npos);
    auto version = send(*gw, "GET", "/api/v1/server/version");
    CHECK(version.status == 200);
    CHECK(version.body.find("version:") != std::string::npos);
    auto devices = send(*gw, "GET", "/api/v1/server/devices");
    CHECK(devices.status == 200);
    CHECK(devices.body.find("Available devices") != std::string::npos);
    CHECK(gw->call("GET", "/api/v1/server/help", inference_key).status == 403);

    temp_dir other;
    gateway_options options{{"--llama-server", "/bin/false", "--llm-port", std::to_string(free_port())}, {}};
    gateway_process broken(options, &other);
    auto failed = send(broken, "GET", "/api/v1/server/version");
    CHECK(failed.status == 500);
    CHECK(json::parse(failed.body).at("error").is_string());
  }

  TEST_CASE("instances persist across a gateway restart; a corrupt file is skipped") {
    temp_dir dir;
    dir.write_file("llm/models/m.gguf", "GGUF fake model");
    {
      auto gw = start_gateway(dir, 2);
      REQUIRE(send(*gw, "POST", "/api/v1/instances/up", R"({"model":"m.gguf"})").status == 201);
      REQUIRE(
          send(*gw, "POST", "/api/v1/instances/down", R"({"model":"m.gguf","auto_start":false})").status ==
          201);
      wait_status(*gw, "up", "running");
    }
    dir.write_file("instances/broken.json", "{not json");
    auto gw = start_gateway(dir, 2);
    auto up = wait_status(*gw, "up", "running");
    CHECK(up.at("options").at("model") == "m.gguf");
    auto down = send(*gw, "GET", "/api/v1/instances/down");
    REQUIRE(down.status == 200);
    CHECK(json::parse(down.body).at("status") == "stopped");
    CHECK(json::parse(send(*gw, "GET", "/api/v1/instances").body).as_array().size() == 2);
    CHECK(gw->process().output().find("broken.json") != std::string::npos);
    auto restarted = send(*gw, "POST", "/api/v1/instances/up/restart");
    CHECK(restarted.status == 200);
    CHECK(send(*gw, "POST", "/api/v1/instances/down/start").status == 200);
    wait_status(*gw, "down", "running");
  }
}
