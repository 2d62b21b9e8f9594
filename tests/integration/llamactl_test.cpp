// The llamactl instance API end to end: the real gateway supervising
// fake-llama-server instances; seed 001's "Complete Instance Lifecycle", the
// 400/404/409 paths, options reaching argv, persistence across a restart, and
// /api/v1/server/{help,version,devices}, options refused when the binary's
// --help lacks their flag, the live log stream, and /swagger/.
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
#include <atomic>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
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

// Whether 127.0.0.1:port can be bound now (nothing listens or connects from it).
bool port_bindable(unsigned port) {
  if (port > 65535) return false;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<unsigned short>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// The first of `count` consecutive ports that were all free a moment ago (free_port()
// vouches for the first only; other tests on the machine use ephemeral ports too).
unsigned short free_range(unsigned count) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto first = free_port();
    bool all = true;
    for (unsigned i = 1; i < count && all; ++i) all = port_bindable(first + i);
    if (all) return first;
  }
  FAIL("no " << count << " consecutive free ports");
  return 0;
}

// A gateway over `dir` whose named instances use `ports` ports from a free one.
std::unique_ptr<gateway_process> start_gateway(const temp_dir& dir, unsigned ports, env_list env = {},
                                               std::string binary = bin_path("fake-llama-server").string()) {
  auto first = free_range(ports);
  std::string range = std::to_string(first) + "-" + std::to_string(first + ports - 1);
  gateway_options options{
      {"--llama-server", binary, "--llm-port", std::to_string(free_port()), "--instance-ports", range},
      std::move(env)};
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

// Sockets of this machine on local port `port` in state CLOSE_WAIT: the peer closed,
// the owner (the gateway) has not yet. From /proc/net/tcp (IPv4 loopback).
int close_wait_sockets(unsigned short port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  int n = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    auto colon = local.find(':');
    if (colon == std::string::npos) continue;
    if (std::stoul(local.substr(colon + 1), nullptr, 16) == port && state == "08") ++n;
  }
  return n;
}

// Pids of the live processes whose parent is `parent` (from /proc/<pid>/stat).
std::vector<int> children_of(pid_t parent) {
  std::vector<int> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto stat = read_text(entry.path() / "stat");
    auto close = stat.rfind(')');  // "pid (comm) state ppid ..."; comm may hold spaces
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 1));
    char state = 0;
    int ppid = 0;
    fields >> state >> ppid;
    if (ppid == parent && state != 'Z') found.push_back(std::stoi(name));
  }
  return found;
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

  TEST_CASE("with 4 I/O threads, server runs under concurrent requests all answer and leave no process") {
    // Each run forks the gateway while other threads serve requests. A fork
    // against the shared io_context left children hung before exec (or running a
    // copy of the gateway): their requests failed, and they outlived the run.
    temp_dir dir;
    gateway_options options{{"--llama-server", bin_path("fake-llama-server").string(), "--llm-port",
                             std::to_string(free_port()), "--threads", "4"},
                            {}};
    gateway_process gw(options, &dir);
    std::mutex mutex;
    std::map<std::string, int> outcomes;  // "<path> <status>" -> count
    auto hammer = [&](const std::string& path, int times) {
      for (int i = 0; i < times; ++i) {
        std::string outcome;
        try {
          outcome = path + " " + std::to_string(send(gw, "GET", path).status);
        } catch (const std::exception& e) {
          outcome = path + " " + e.what();
        }
        std::lock_guard lock(mutex);
        ++outcomes[outcome];
      }
    };
    std::vector<std::thread> clients;
    for (int i = 0; i < 6; ++i) clients.emplace_back(hammer, "/api/v1/server/version", 25);
    for (int i = 0; i < 2; ++i) clients.emplace_back(hammer, "/api/v1/instances", 150);
    for (auto& t : clients) t.join();
    CHECK(outcomes["/api/v1/server/version 200"] == 150);
    CHECK(outcomes["/api/v1/instances 200"] == 300);
    for (const auto& [outcome, count] : outcomes) MESSAGE(outcome << ": " << count);
    CHECK(children_of(gw.process().pid()).empty());
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

  TEST_CASE("seed 001's Complete Instance Lifecycle, as written (Bearer keys, absolute model path)") {
    temp_dir dir;
    auto model = dir.write_file("models/llama-2-7b.gguf", "GGUF fake model");  // outside the models dir
    auto gw = start_gateway(dir, 1);
    auto curl = [&](const std::string& method, const std::string& path, const std::string& key,
                    const std::string& body = "") {
      header_list headers{{"Content-Type", "application/json"}, {"Authorization", "Bearer " + key}};
      return request("127.0.0.1", gw->port(), method, path, body, headers);
    };
    auto created = curl("POST", "/api/v1/instances/my-model", management_key,
                        R"({"model": ")" + model.string() + R"("})");
    REQUIRE(created.status == 201);
    CHECK(json::parse(created.body).at("name") == "my-model");
    auto status = curl("GET", "/api/v1/instances/my-model", management_key);
    REQUIRE(status.status == 200);
    CHECK(json::parse(status.body).at("created").is_int64());
    wait_status(*gw, "my-model", "running");
    auto logs = curl("GET", "/api/v1/instances/my-model/logs?lines=50", management_key);
    CHECK(logs.status == 200);
    CHECK(logs.body.find("listening") != std::string::npos);
    auto chat = curl(
        "POST", "/v1/chat/completions", inference_key,
        R"({"model": "my-model", "messages": [{"role": "user", "content": "Hello!"}], "max_tokens": 100})");
    REQUIRE(chat.status == 200);
    CHECK(json::parse(chat.body).at("choices").as_array().size() == 1);
    CHECK(curl("POST", "/api/v1/instances/my-model/stop", inference_key).status == 403);
    auto stopped = curl("POST", "/api/v1/instances/my-model/stop", management_key);
    REQUIRE(stopped.status == 200);
    CHECK(json::parse(stopped.body).at("status") == "stopped");
    CHECK(curl("DELETE", "/api/v1/instances/my-model", management_key).status == 204);
    CHECK(curl("GET", "/api/v1/instances/my-model", management_key).status == 404);
  }

  // A child that prints a lot around readiness: the output is read in batches,
  // and the "listening" line makes the health poll look at once, so without
  // care the instance would be running before its last lines were read, and
  // its logs would lack them.
  TEST_CASE("an instance reports running only once its start-up output is in its log") {
    temp_dir dir;
    auto model = dir.write_file("llm/models/m.gguf", "GGUF fake model");
    auto gw = start_gateway(dir, 1);
    json::object body{{"model", model.string()},
                      {"environment", json::object{{"FAKE_LLAMA_LOAD_LOG_LINES", "800"}}}};  // ~800 KB
    REQUIRE(send(*gw, "POST", "/api/v1/instances/chatty", json::serialize(body)).status == 201);
    wait_status(*gw, "chatty", "running");
    auto logs = send(*gw, "GET", "/api/v1/instances/chatty/logs?lines=20");
    REQUIRE(logs.status == 200);
    CHECK(logs.body.find("tensor    799:") != std::string::npos);  // the last of the burst
    CHECK(logs.body.find("all slots are idle") != std::string::npos);
  }

  TEST_CASE("options whose flag the binary's --help does not list are refused with 400") {
    temp_dir dir;
    dir.write_file("llm/models/m.gguf", "GGUF fake model");
    auto fake = bin_path("fake-llama-server").string();
    auto gw = start_gateway(dir, 2, {{"FAKE_LLAMA_HELP_OMIT", "--flash-attn,--mlock"}});
    auto error_of = [](const http_result& r) {
      return std::string(json::parse(r.body).at("error").as_string());
    };
    auto refused = send(*gw, "POST", "/api/v1/instances/x", R"({"model":"m.gguf","flash_attn":true})");
    CHECK(refused.status == 400);
    CHECK(error_of(refused) == "option 'flash_attn' (flag --flash-attn) is not supported by " + fake);
    CHECK(send(*gw, "GET", "/api/v1/instances/x").status == 404);  // nothing was created
    // false passes no flag; listed flags pass.
    auto created =
        send(*gw, "POST", "/api/v1/instances/x",
             R"({"model":"m.gguf","flash_attn":false,"ctx_size":2048,"jinja":true,"auto_start":false})");
    CHECK(created.status == 201);
    auto update = send(*gw, "PUT", "/api/v1/instances/x", R"({"model":"m.gguf","mlock":true})");
    CHECK(update.status == 400);
    CHECK(error_of(update) == "option 'mlock' (flag --mlock) is not supported by " + fake);
    auto load = send(*gw, "POST", "/api/v2/models/m.gguf/load", R"({"use_mlock":true,"force":true})");
    CHECK(load.status == 400);
    CHECK(error_of(load).find("(flag --mlock) is not supported") != std::string::npos);

    // A binary whose --help cannot be read refuses nothing (and says so in the log).
    temp_dir other;
    other.write_file("llm/models/m.gguf", "GGUF fake model");
    auto blind = start_gateway(other, 1, {}, "/bin/false");
    CHECK(send(*blind, "POST", "/api/v1/instances/y",
               R"({"model":"m.gguf","flash_attn":true,"auto_start":false})")
              .status == 201);
    CHECK(poll_until([&] {
      return blind->process().output().find("no instance option is refused") != std::string::npos;
    }));
  }

  TEST_CASE("live log stream: recent lines first, then new ones; 404/400/401") {
    temp_dir dir;
    dir.write_file("llm/models/m.gguf", "GGUF fake model");
    auto gw = start_gateway(dir, 1);
    REQUIRE(send(*gw, "POST", "/api/v1/instances/s", R"({"model":"m.gguf"})").status == 201);
    wait_status(*gw, "s", "running");

    std::mutex mutex;
    std::string received;
    std::atomic<bool> first_piece{false};
    auto count = [&](std::string_view needle) {
      std::lock_guard lock(mutex);
      std::size_t n = 0;
      for (auto at = received.find(needle); at != std::string::npos; at = received.find(needle, at + 1)) ++n;
      return n;
    };
    stream_result result;
    std::thread reader([&] {
      stream_callbacks callbacks;
      callbacks.on_piece = [&](std::string_view piece) {
        std::lock_guard lock(mutex);
        received += piece;
        first_piece = true;
        // Stop once a second child's "starting the main loop" line has come: that line is new.
        std::size_t n = 0;
        for (auto at = received.find("starting the main loop"); at != std::string::npos;
             at = received.find("starting the main loop", at + 1))
          ++n;
        return n < 2;
      };
      header_list headers{{"X-API-Key", management_key}};
      result = request_stream("127.0.0.1", gw->port(), "GET", "/api/v1/instances/s/logs/stream", "", headers,
                              callbacks);
    });
    CHECK(poll_until([&] { return first_piece.load(); }));
    CHECK(count("starting the main loop") == 1);  // the ring's recent lines came first
    CHECK(send(*gw, "POST", "/api/v1/instances/s/restart").status == 200);  // a new child logs anew
    reader.join();
    CHECK(result.head.status == 200);
    CHECK(result.head.header("Content-Type").value_or("").starts_with("text/event-stream"));
    CHECK(result.stopped);
    CHECK(count("starting the main loop") >= 2);
    CHECK(received.find("data: ") != std::string::npos);
    CHECK(poll_until([&] { return close_wait_sockets(gw->port()) == 0; }, 5s));

    // A client that leaves a quiet stream: the handler notices the closed connection
    // within a second (not at its next write, a keep-alive 15 s away) and the gateway
    // closes its side of the socket.
    stream_callbacks leave_at_once;
    leave_at_once.on_piece = [](std::string_view) { return false; };
    auto left = request_stream("127.0.0.1", gw->port(), "GET", "/api/v1/instances/s/logs/stream?lines=1", "",
                               {{"X-API-Key", management_key}}, leave_at_once);
    CHECK(left.stopped);
    CHECK(poll_until([&] { return close_wait_sockets(gw->port()) == 0; }, 5s));

    CHECK(send(*gw, "GET", "/api/v1/instances/nope/logs/stream").status == 404);
    CHECK(send(*gw, "GET", "/api/v1/instances/s/logs/stream?lines=x").status == 400);
    CHECK(gw->call("GET", "/api/v1/instances/s/logs/stream").status == 401);
  }

  TEST_CASE("swagger: the OpenAPI document and the Swagger UI page are public") {
    temp_dir dir;
    auto gw = start_gateway(dir, 1);
    auto doc = gw->call("GET", "/swagger/doc.json");
    REQUIRE(doc.status == 200);
    CHECK(doc.body == read_text(std::filesystem::path(STUDIO_SOURCE_DIR) / "docs" / "openapi.json"));
    auto parsed = json::parse(doc.body).as_object();
    CHECK(parsed.at("openapi").as_string().starts_with("3."));
    CHECK(parsed.at("paths").as_object().contains("/api/v1/instances/{name}/logs/stream"));
    auto page = gw->call("GET", "/swagger/");
    CHECK(page.status == 200);
    CHECK(page.header("Content-Type").value_or("").starts_with("text/html"));
    CHECK(page.body.find("swagger-ui-bundle.js") != std::string::npos);
    CHECK(gw->call("GET", "/swagger").status == 301);
    CHECK(gw->call("GET", "/swagger/nope.js").status == 404);
    auto bundle = gw->call("GET", "/swagger/swagger-ui-bundle.js");
    if (std::filesystem::exists(bin_path("studio-gateway").parent_path().parent_path() / "share" /
                                "studio-gateway" / "swagger-ui" / "swagger-ui-bundle.js")) {
      CHECK(bundle.status == 200);
      CHECK(bundle.body.find("SwaggerUIBundle") != std::string::npos);
    } else {  // built without npm: the page still answers, the asset says what is missing
      MESSAGE("Swagger UI assets not built (no npm): checking the 404 instead");
      CHECK(bundle.status == 404);
      CHECK(bundle.body.find("missing") != std::string::npos);
    }
  }
}
