// Tests of resolve_config: precedence, validation messages, derived defaults, cross-field rules.
#include "studio/core/config.hpp"
#include "studio/core/settings.hpp"

#include "test_support.hpp"

#include <doctest/doctest.h>

namespace studio {
namespace {

using test::fake_env;
using test::fake_probe;

config_sources sources(config_layer flags = {}, std::map<std::string, std::string> env = {},
                       config_layer file = {}) {
  config_sources s;
  s.flags = std::move(flags);
  s.env = fake_env(std::move(env));
  s.file = std::move(file);
  s.file_origin = "config file \"test.json\"";
  s.executable_exists = fake_probe();
  return s;
}

gateway_config resolved(const config_sources& s) {
  auto result = resolve_config(s);
  if (auto* error = std::get_if<config_error>(&result))
    FAIL("unexpected error: " << error->message);
  return std::get<gateway_config>(result);
}

std::string error_of(const config_sources& s) {
  auto result = resolve_config(s);
  REQUIRE(std::holds_alternative<config_error>(result));
  return std::get<config_error>(result).message;
}

TEST_CASE("no input gives the documented defaults") {
  const auto config = resolved(sources());
  gateway_config expected;
  expected.models_dir = "./studio/llm/models";
  expected.llama_server_bin = "/opt/llama-server";
  CHECK(config == expected);
  CHECK(config.host == "0.0.0.0");
  CHECK(config.port == 8000);
  CHECK(config.instance_ports == port_range{8081, 8199});
  CHECK(config.header_timeout == std::chrono::milliseconds{10000});
}

TEST_CASE("every literal default in the table parses to the struct's default") {
  const auto defaults = resolved(sources());
  for (const auto& spec : settings()) {
    if (spec.default_text.starts_with("(") || spec.default_text.starts_with("<")) continue;
    CAPTURE(spec.key);
    CHECK(resolved(sources({{std::string{spec.key}, {std::string{spec.default_text}}}})) ==
          defaults);
  }
}

TEST_CASE("the table is consistent: unique keys, flags and env vars, all documented") {
  std::set<std::string_view> keys, flags, envs;
  for (const auto& spec : settings()) {
    CAPTURE(spec.key);
    CHECK(keys.insert(spec.key).second);
    CHECK(flags.insert(spec.flag).second);
    CHECK(envs.insert(spec.env).second);
    CHECK(spec.flag.starts_with("--"));
    CHECK(!spec.help.empty());
    CHECK(!spec.default_text.empty());
    CHECK(find_setting(spec.key) == &spec);
  }
  CHECK(settings().size() == 37);  // 21 foundation + 8 download + metrics_public + swagger_ui_dir + 6 scheduling
  CHECK(find_setting("nope") == nullptr);
}

TEST_CASE("flag beats env beats file beats default, for several settings") {
  struct row {
    std::string key, env, flag_v, env_v, file_v;
    std::function<std::string(const gateway_config&)> get;
  };
  const std::vector<row> rows{
      {"port", "STUDIO_PORT", "1", "2", "3", [](auto& c) { return std::to_string(c.port); }},
      {"host", "STUDIO_HOST", "a", "b", "c", [](auto& c) { return c.host; }},
      {"log_level", "STUDIO_LOG_LEVEL", "trace", "debug", "warn",
       [](auto& c) { return c.log_level; }},
      {"studio_dir", "STUDIO_DIR", "/f", "/e", "/c", [](auto& c) { return c.studio_dir.string(); }},
      {"idle_timeout_ms", "STUDIO_IDLE_TIMEOUT_MS", "11", "22", "33",
       [](auto& c) { return std::to_string(c.idle_timeout.count()); }},
      {"api_key", "STUDIO_API_KEY", "kf", "ke", "kc",
       [](auto& c) { return c.api_keys.empty() ? "" : c.api_keys[0]; }},
      {"hf_token", "HF_TOKEN", "tf", "te", "tc", [](auto& c) { return c.hf_token; }},
      {"llama_server", "LLAMA_SERVER_BIN", "/f", "/e", "/c",
       [](auto& c) { return c.llama_server_bin; }},
  };
  for (const auto& r : rows) {
    CAPTURE(r.key);
    const config_layer flag{{r.key, {r.flag_v}}};
    const config_layer file{{r.key, {r.file_v}}};
    const std::map<std::string, std::string> env{{r.env, r.env_v}};
    CHECK(r.get(resolved(sources(flag, env, file))) == r.flag_v);
    CHECK(r.get(resolved(sources({}, env, file))) == r.env_v);
    CHECK(r.get(resolved(sources({}, {}, file))) == r.file_v);
    CHECK(r.get(resolved(sources())) != r.file_v);
  }
}

TEST_CASE("an empty environment variable counts as unset") {
  const auto config = resolved(sources({}, {{"STUDIO_PORT", ""}}, {{"port", {"9"}}}));
  CHECK(config.port == 9);
}

TEST_CASE("the exact message for a bad port from the environment") {
  CHECK(error_of(sources({}, {{"STUDIO_PORT", "70000"}})) ==
        "invalid value \"70000\" for --port (from STUDIO_PORT): must be an integer in 0..65535");
  CHECK(error_of(sources({{"port", {"x"}}})) ==
        "invalid value \"x\" for --port (from the command line): must be an integer in 0..65535");
  CHECK(error_of(sources({}, {}, {{"port", {"-1"}}})) ==
        "invalid value \"-1\" for --port (from config file \"test.json\", key \"port\"): must be "
        "an integer in 0..65535");
}

TEST_CASE("every validation error names the setting and the source") {
  const std::vector<std::pair<std::string, std::string>> bad{
      {"host", ""},
      {"host", "a b"},
      {"port", "65536"},
      {"port", "80x"},
      {"port", " 80"},
      {"port", "+80"},
      {"studio_dir", ""},
      {"api_key", "a,,b"},
      {"api_key", "has space"},
      {"inference_key", ""},
      {"llama_server", ""},
      {"llm_port", "0"},
      {"instance_ports", "8081"},
      {"catalog", ""},
      {"models_dir", ""},
      {"hf_endpoint", "ftp://x"},
      {"hf_endpoint", "nope"},
      {"hf_endpoint", "https://h/?q=1"},
      {"ca_bundle", ""},
      {"log_level", "verbose"},
      {"threads", "0"},
      {"threads", "65"},
      {"max_header_bytes", "1"},
      {"max_body_bytes", "0"},
      {"header_timeout_ms", "0"},
      {"idle_timeout_ms", "1s"},
      {"shutdown_grace_ms", "3600001"},
      {"config", ""},
  };
  for (const auto& [key, value] : bad) {
    CAPTURE(key);
    CAPTURE(value);
    const auto* spec = find_setting(key);
    REQUIRE(spec != nullptr);
    const std::string flag{spec->flag};
    const std::string env{spec->env};
    const auto from_flag = error_of(sources({{key, {value}}}));
    CHECK(from_flag.find("for " + flag + " (from the command line): ") != std::string::npos);
    if (!value.empty()) {  // an empty environment variable counts as unset
      const auto from_env = error_of(sources({}, {{env, value}}));
      CHECK(from_env.find("for " + flag + " (from " + env + "): ") != std::string::npos);
    }
    if (spec->in_file) {
      const auto from_file = error_of(sources({}, {}, {{key, {value}}}));
      CHECK(from_file.find("(from config file \"test.json\", key \"" + key + "\")") !=
            std::string::npos);
    }
    CHECK(from_flag.find('\n') == std::string::npos);
  }
}

TEST_CASE("secret values are not echoed in messages") {
  const auto message = error_of(sources({{"api_key", {"ok,bad key"}}}));
  CHECK(message.find("bad key") == std::string::npos);
  CHECK(message.find("--api-key") != std::string::npos);
}

TEST_CASE("keys: repeated and comma-separated, trimmed; a higher source replaces the list") {
  auto config = resolved(sources({{"api_key", {"a, b", "c"}}, {"inference_key", {"i1,i2"}}}));
  CHECK(config.api_keys == std::vector<std::string>{"a", "b", "c"});
  CHECK(config.inference_keys == std::vector<std::string>{"i1", "i2"});
  config = resolved(sources({}, {{"STUDIO_API_KEY", "e1,e2"}}, {{"api_key", {"f1", "f2,f3"}}}));
  CHECK(config.api_keys == std::vector<std::string>{"e1", "e2"});
  config = resolved(sources({}, {}, {{"api_key", {"f1", "f2,f3"}}}));
  CHECK(config.api_keys == std::vector<std::string>{"f1", "f2", "f3"});
}

TEST_CASE("a key may not be both a management and an inference key") {
  const auto message =
      error_of(sources({{"api_key", {"k1,k2"}}}, {{"STUDIO_INFERENCE_KEY", "k2"}}));
  CHECK(message.find("--api-key (from the command line)") != std::string::npos);
  CHECK(message.find("--inference-key (from STUDIO_INFERENCE_KEY)") != std::string::npos);
  CHECK(message.find("k2") == std::string::npos);
}

TEST_CASE("instance_ports parsing") {
  const auto ports = [](std::string text) {
    return resolved(sources({{"instance_ports", {text}}})).instance_ports;
  };
  CHECK(ports("9000-9100") == port_range{9000, 9100});
  CHECK(ports("9000-9000") == port_range{9000, 9000});
  CHECK(ports("9000-65535").last == 65535);
  for (const std::string bad : {"9000", "9100-9000", "0-10", "a-b", "9000-70000", "9000-", "-9000",
                                "9000-9100-9200", " 9000-9100", ""}) {
    CAPTURE(bad);
    CHECK(error_of(sources({{"instance_ports", {bad}}})).find("--instance-ports") !=
          std::string::npos);
  }
}

TEST_CASE("instance_ports must not contain llm_port") {
  const auto message = error_of(sources({{"llm_port", {"8100"}}}));
  CHECK(message ==
        "--instance-ports 8081-8199 (from the default) must not contain --llm-port 8100 (from "
        "the command line)");
  CHECK(resolved(sources({{"llm_port", {"8100"}}, {"instance_ports", {"9000-9001"}}})).llm_port ==
        8100);
}

TEST_CASE("models_dir defaults under the resolved studio_dir; an explicit one wins") {
  CHECK(resolved(sources({{"studio_dir", {"/srv/s"}}})).models_dir == "/srv/s/llm/models");
  CHECK(resolved(sources({}, {{"STUDIO_DIR", "/e"}})).models_dir == "/e/llm/models");
  CHECK(resolved(sources({}, {}, {{"studio_dir", {"/c"}}})).models_dir == "/c/llm/models");
  CHECK(resolved(sources({{"studio_dir", {"/srv/s"}}}, {}, {{"models_dir", {"/m"}}})).models_dir ==
        "/m");
}

TEST_CASE("llama_server default: /opt, else PATH (absolute entries), else /opt") {
  auto s = sources({}, {{"PATH", "bin:/usr/bin:/usr/local/bin"}});
  s.executable_exists = fake_probe({"/usr/local/bin/llama-server", "bin/llama-server"});
  CHECK(resolved(s).llama_server_bin == "/usr/local/bin/llama-server");
  s.executable_exists = fake_probe({"/opt/llama-server", "/usr/bin/llama-server"});
  CHECK(resolved(s).llama_server_bin == "/opt/llama-server");
  s.executable_exists = fake_probe({"bin/llama-server"});
  CHECK(resolved(s).llama_server_bin == "/opt/llama-server");
}

TEST_CASE("hf_endpoint: http(s) only, trailing slashes dropped") {
  CHECK(resolved(sources({{"hf_endpoint", {"http://mirror:8080/hf//"}}})).hf_endpoint ==
        "http://mirror:8080/hf");
  CHECK(resolved(sources({{"hf_endpoint", {"https://hf-mirror.com"}}})).hf_endpoint ==
        "https://hf-mirror.com");
}

TEST_CASE("optional paths and numbers are stored") {
  const auto config = resolved(sources({{"catalog", {"/c.json"}},
                                        {"ca_bundle", {"/ca.pem"}},
                                        {"max_body_bytes", {"17179869184"}},
                                        {"shutdown_grace_ms", {"0"}},
                                        {"port", {"0"}},
                                        {"config", {"/x.json"}}}));
  CHECK(config.catalog == std::filesystem::path{"/c.json"});
  CHECK(config.ca_bundle == std::filesystem::path{"/ca.pem"});
  CHECK(config.max_body_bytes == 17179869184ULL);
  CHECK(config.shutdown_grace == std::chrono::milliseconds{0});
  CHECK(config.port == 0);
  CHECK(config.config_file == std::filesystem::path{"/x.json"});
}

}  // namespace
}  // namespace studio
