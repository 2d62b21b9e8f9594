// scripts/entrypoint.sh (the container's entrypoint) against the built gateway:
// it prepares STUDIO_DIR, announces the first-run key, and execs the gateway,
// which then receives SIGTERM directly and exits 0.
#include "gateway_process.hpp"
#include "studio/test/free_port.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <csignal>
#include <fstream>

using namespace studio::test;
using namespace std::chrono_literals;

TEST_SUITE("entrypoint") {

TEST_CASE("entrypoint prepares STUDIO_DIR and execs the gateway") {
  temp_dir dir;
  auto studio = dir.path() / "studio";
  auto port = free_port();
  env_list env = clean_gateway_env();
  env.insert(env.end(), {{"STUDIO_DIR", studio.string()},
                         {"STUDIO_PORT", std::to_string(port)},
                         {"STUDIO_HOST", "127.0.0.1"},
                         {"STUDIO_GATEWAY_BIN", bin_path("studio-gateway").string()},
                         {"LLAMA_SERVER_BIN", bin_path("fake-llama-server").string()},
                         {"STUDIO_PRELOAD", ""},
                         {"STUDIO_AUTOSTART_MODEL", ""}});
  child_process p("/bin/sh", process_options{{std::string(STUDIO_SOURCE_DIR) + "/scripts/entrypoint.sh"}, env, {}});
  REQUIRE_MESSAGE(p.wait_for_line(std::regex("listening on http://127.0.0.1:" + std::to_string(port)), 15s),
                  p.output());
  CHECK(p.output().find("first run: no STUDIO_API_KEY set") != std::string::npos);
  struct stat st {};
  REQUIRE(::stat((studio / "secrets").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK(std::filesystem::is_directory(studio / "logs"));
  CHECK(request("127.0.0.1", port, "GET", "/api/v2/health").status == 200);
  auto status = p.terminate(SIGTERM, 10s);
  REQUIRE(status.has_value());
  CHECK(status->exited_with(0));  // the shell exec'd: the gateway itself got SIGTERM
  CHECK(p.output().find("shutdown complete") != std::string::npos);
}

TEST_CASE("entrypoint queues STUDIO_PRELOAD downloads and starts STUDIO_AUTOSTART_MODEL once it is on disk") {
  temp_dir dir;
  auto studio = dir.path() / "studio";
  std::filesystem::create_directories(studio / "llm" / "models");
  std::ofstream(studio / "llm" / "models" / "tiny.gguf") << "GGUF";  // the fake only needs the file
  auto ports = free_ports(2);
  auto port = ports[0];
  auto llm_port = ports[1];
  env_list env = clean_gateway_env();
  env.insert(env.end(), {{"STUDIO_DIR", studio.string()},
                         {"STUDIO_PORT", std::to_string(port)},
                         {"STUDIO_HOST", "127.0.0.1"},
                         {"STUDIO_API_KEY", management_key},
                         {"STUDIO_LLM_PORT", std::to_string(llm_port)},
                         {"STUDIO_INSTANCE_PORTS", std::to_string(llm_port + 1) + "-" + std::to_string(llm_port + 1)},
                         {"HF_ENDPOINT", "http://127.0.0.1:9"},  // nothing listens: the download fails locally
                         {"STUDIO_GATEWAY_BIN", bin_path("studio-gateway").string()},
                         {"LLAMA_SERVER_BIN", bin_path("fake-llama-server").string()},
                         {"STUDIO_PRELOAD", "qwen2.5-0.5b-instruct-q4_k_m.gguf"},
                         {"STUDIO_AUTOSTART_MODEL", "tiny.gguf"}});
  child_process p("/bin/sh", process_options{{std::string(STUDIO_SOURCE_DIR) + "/scripts/entrypoint.sh"}, env, {}});
  REQUIRE_MESSAGE(p.wait_for_line(std::regex("queue download qwen2.5-0.5b-instruct-q4_k_m.gguf: HTTP 200"), 20s),
                  p.output());
  REQUIRE_MESSAGE(p.wait_for_line(std::regex("entrypoint: started tiny.gguf"), 20s), p.output());
  auto status = request("127.0.0.1", port, "GET", "/api/admin/llm/status", "", {{"X-API-Key", management_key}});
  CHECK(status.status == 200);
  CHECK(status.body.find("\"active_model\":\"tiny.gguf\"") != std::string::npos);
  CHECK(p.output().find(management_key) == std::string::npos);
  auto exit = p.terminate(SIGTERM, 15s);  // the gateway stops its llama-server child, then exits 0
  REQUIRE(exit.has_value());
  CHECK(exit->exited_with(0));
}

TEST_CASE("entrypoint refuses an unwritable STUDIO_DIR with a clear message") {
  env_list env = clean_gateway_env();
  env.insert(env.end(), {{"STUDIO_DIR", "/proc/studio-cannot-exist"},
                         {"STUDIO_GATEWAY_BIN", bin_path("studio-gateway").string()}});
  child_process p("/bin/sh", process_options{{std::string(STUDIO_SOURCE_DIR) + "/scripts/entrypoint.sh"}, env, {}});
  auto status = p.wait_exit(10s);
  REQUIRE(status.has_value());
  CHECK(status->exited_with(1));
  CHECK(p.output().find("cannot create /proc/studio-cannot-exist") != std::string::npos);
}

}  // TEST_SUITE
