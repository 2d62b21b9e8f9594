// The studio-gateway binary end to end: startup, health, auth over the wire,
// configuration precedence and errors, key generation, limits, shutdown.
#include "gateway_process.hpp"

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <csignal>
#include <fstream>

using namespace studio::test;
using namespace std::chrono_literals;

namespace {

boost::json::value json_of(const http_result& r) { return boost::json::parse(r.body); }

// Runs the gateway expecting it to exit at once (help, version, bad config).
struct quick_run {
  exit_status status;
  std::string output;
};
quick_run run_and_wait(std::vector<std::string> args, env_list env = {}) {
  env_list full = clean_gateway_env();
  full.insert(full.end(), env.begin(), env.end());
  child_process p(bin_path("studio-gateway"), process_options{std::move(args), full, {}});
  auto status = p.wait_exit(10s);
  REQUIRE(status.has_value());
  REQUIRE(p.wait_output_end(5s));
  return {*status, p.output()};
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_SUITE("gateway") {

TEST_CASE("starts, answers health publicly and versions with a key") {
  gateway_process gw;
  auto health = gw.call("GET", "/api/v2/health");
  CHECK(health.status == 200);
  auto body = json_of(health);
  CHECK(body.at("status").as_string() == "healthy");
  CHECK(body.at("version").is_string());
  CHECK(body.at("uptime").is_string());
  CHECK(body.at("last_error").is_null());
  CHECK(gw.call("GET", "/health").status == 200);

  auto version = gw.call("GET", "/api/v1/version", management_key);
  CHECK(version.status == 200);
  CHECK(version.body.find("Version: ") == 0);
  CHECK(version.body.find("Commit: ") != std::string::npos);
  CHECK(version.header("Content-Type")->starts_with("text/plain"));
}

TEST_CASE("auth over the wire: 401 and 403 in each prefix's error shape") {
  gateway_process gw;
  auto r = gw.call("GET", "/api/v1/version");
  CHECK(r.status == 401);
  CHECK(json_of(r).at("error").is_string());
  r = gw.call("GET", "/api/v1/version", inference_key);
  CHECK(r.status == 403);
  CHECK(json_of(r).at("error").is_string());
  r = gw.call("GET", "/v1/models", "wrong-key");
  CHECK(r.status == 401);
  CHECK(json_of(r).at("error").at("type").as_string() == "authentication_error");
  r = request("127.0.0.1", gw.port(), "GET", "/v1/models", "", {{"Authorization", "Bearer " + std::string(inference_key)}});
  CHECK(r.status == 200);
  CHECK(json_of(r).at("object").as_string() == "list");
  r = gw.call("GET", "/v1/models", management_key);
  CHECK(r.status == 200);
}

TEST_CASE("unknown paths and wrong methods") {
  gateway_process gw;
  auto r = gw.call("GET", "/api/admin/llm/nothing", management_key);
  CHECK(r.status == 404);
  CHECK(json_of(r).at("error").is_string());
  r = gw.call("POST", "/api/v2/health");
  CHECK(r.status == 405);
  CHECK(r.header("Allow") == "GET");
  r = gw.call("GET", "/v1/nothing", management_key);
  CHECK(r.status == 404);
  CHECK(json_of(r).at("error").at("code").as_int64() == 404);
}

TEST_CASE("request limits come from the configuration") {
  gateway_process gw({.args = {"--max-body-bytes", "100", "--max-header-bytes", "1024"}});
  auto r = gw.call("POST", "/v1/models", management_key, std::string(500, 'x'));
  CHECK(r.status == 413);
  CHECK(json_of(r).at("error").at("type").as_string() == "invalid_request_error");
  r = gw.call("GET", "/api/v1/version", management_key, "", {{"X-Filler", std::string(4000, 'y')}});
  CHECK(r.status == 431);
  CHECK(json_of(r).at("error").is_string());
}

TEST_CASE("precedence: flag > environment > config file > default") {
  temp_dir files;
  auto config = files.write_file("gateway.json", R"({"host": "127.0.0.3", "log_level": "debug"})");
  SUBCASE("the config file beats the default") {
    gateway_process gw({.args = {"--config", config.string()}, .default_host = false});
    CHECK(gw.host() == "127.0.0.3");
  }
  SUBCASE("the environment beats the config file") {
    gateway_process gw({.args = {"--config", config.string()}, .env = {{"STUDIO_HOST", "127.0.0.2"}}, .default_host = false});
    CHECK(gw.host() == "127.0.0.2");
  }
  SUBCASE("a flag beats the environment") {
    gateway_process gw({.args = {"--config", config.string(), "--host", "127.0.0.1"}, .env = {{"STUDIO_HOST", "127.0.0.2"}}, .default_host = false});
    CHECK(gw.host() == "127.0.0.1");
  }
  SUBCASE("STUDIO_CONFIG names the file") {
    gateway_process gw({.env = {{"STUDIO_CONFIG", config.string()}}, .default_host = false});
    CHECK(gw.host() == "127.0.0.3");
  }
}

TEST_CASE("bad configuration exits non-zero with one line naming the setting") {
  auto r = run_and_wait({"--port", "70000"});
  CHECK_FALSE(r.status.exited_with(0));
  CHECK(r.output.find("--port") != std::string::npos);
  r = run_and_wait({}, {{"STUDIO_PORT", "abc"}});
  CHECK_FALSE(r.status.exited_with(0));
  CHECK(r.output.find("STUDIO_PORT") != std::string::npos);
  r = run_and_wait({"--no-such-flag"});
  CHECK_FALSE(r.status.exited_with(0));
  CHECK(r.output.find("no-such-flag") != std::string::npos);
  r = run_and_wait({"--config", "/nonexistent/studio.json"});
  CHECK_FALSE(r.status.exited_with(0));
  CHECK(r.output.find("/nonexistent/studio.json") != std::string::npos);
  temp_dir files;
  auto bad = files.write_file("bad.json", R"({"prot": 1})");
  r = run_and_wait({"--config", bad.string()});
  CHECK_FALSE(r.status.exited_with(0));
  CHECK(r.output.find("prot") != std::string::npos);
}

TEST_CASE("--help documents every setting; --version names the commit") {
  auto r = run_and_wait({"--help"});
  CHECK(r.status.exited_with(0));
  for (const char* s : {"--host", "STUDIO_HOST", "--port", "STUDIO_PORT", "--studio-dir", "STUDIO_DIR", "--api-key",
                        "STUDIO_API_KEY", "--inference-key", "STUDIO_INFERENCE_KEY", "--llama-server",
                        "LLAMA_SERVER_BIN", "--llm-port", "STUDIO_LLM_PORT", "--instance-ports",
                        "STUDIO_INSTANCE_PORTS", "--catalog", "STUDIO_CATALOG", "--models-dir", "STUDIO_MODELS_DIR",
                        "HF_ENDPOINT", "HF_TOKEN", "--ca-bundle", "STUDIO_CA_BUNDLE", "--log-level", "--config"}) {
    CAPTURE(s);
    CHECK(r.output.find(s) != std::string::npos);
  }
  r = run_and_wait({"--version"});
  CHECK(r.status.exited_with(0));
  CHECK(r.output.find("studio-gateway") != std::string::npos);
  CHECK(r.output.find("commit") != std::string::npos);
}

TEST_CASE("without a configured key one is generated once, stored 0600, and never logged") {
  temp_dir dir;
  std::string key;
  {
    gateway_process gw({.with_keys = false}, &dir);
    auto key_file = dir.path() / "secrets" / "api-key";
    REQUIRE(std::filesystem::exists(key_file));
    struct stat st {};
    REQUIRE(::stat(key_file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    key = read_file(key_file);
    while (!key.empty() && (key.back() == '\n' || key.back() == ' ')) key.pop_back();
    CHECK(key.size() >= 32);
    CHECK(gw.call("GET", "/api/v1/version", key).status == 200);
    CHECK(gw.call("GET", "/api/v1/version").status == 401);
    CHECK(gw.process().output().find(key_file.string()) != std::string::npos);
    CHECK(gw.process().output().find(key) == std::string::npos);
  }
  gateway_process again({.with_keys = false}, &dir);
  CHECK(again.call("GET", "/api/v1/version", key).status == 200);
  CHECK(again.process().output().find(key) == std::string::npos);
}

TEST_CASE("SIGTERM drains and exits 0") {
  gateway_process gw;
  CHECK(gw.call("GET", "/health").status == 200);
  auto status = gw.process().terminate(SIGTERM, 5s);
  if (!status) MESSAGE("gateway output:\n" << gw.process().output());
  REQUIRE(status.has_value());
  CHECK(status->exited_with(0));
  CHECK(gw.process().output().find("shutdown complete") != std::string::npos);
}

TEST_CASE("several I/O threads serve requests") {
  gateway_process gw({.args = {"--threads", "4"}});
  for (int i = 0; i < 20; ++i) CHECK(gw.call("GET", "/health").status == 200);
  auto status = gw.process().terminate(SIGINT, 5s);
  if (!status) MESSAGE("gateway output:\n" << gw.process().output());
  REQUIRE(status.has_value());
  CHECK(status->exited_with(0));
}

}  // TEST_SUITE
