// Tests of parse_command_line: flags, --help, --version, config file and end-to-end precedence.
#include "studio/core/cli.hpp"
#include "studio/core/settings.hpp"
#include "studio/core/version.hpp"

#include "test_support.hpp"

#include <doctest/doctest.h>

namespace studio {
namespace {

using test::fake_env;
using test::fake_probe;

std::variant<gateway_config, cli_exit> parse(std::vector<std::string> args,
                                             std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), "studio-gateway");
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data(), fake_env(std::move(env)),
                            fake_probe());
}

gateway_config config_of(std::vector<std::string> args,
                         std::map<std::string, std::string> env = {}) {
  auto result = parse(std::move(args), std::move(env));
  if (auto* exit = std::get_if<cli_exit>(&result)) FAIL("unexpected exit: " << exit->output);
  return std::get<gateway_config>(result);
}

cli_exit exit_of(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  auto result = parse(std::move(args), std::move(env));
  REQUIRE(std::holds_alternative<cli_exit>(result));
  return std::get<cli_exit>(result);
}

TEST_CASE("no arguments gives the defaults") {
  const auto config = config_of({});
  CHECK(config.port == 8000);
  CHECK(config.models_dir == "./studio/llm/models");
  CHECK(!config.config_file);
}

TEST_CASE("--help lists every flag, env var, default and the precedence rule") {
  const auto exit = exit_of({"--help"});
  CHECK(exit.code == 0);
  for (const auto& spec : settings()) {
    CAPTURE(spec.key);
    CHECK(exit.output.find(std::string{spec.flag} + " " + std::string{spec.value_name}) !=
          std::string::npos);
    CHECK(exit.output.find("[env " + std::string{spec.env}) != std::string::npos);
    CHECK(exit.output.find("default " + std::string{spec.default_text} + "]") != std::string::npos);
  }
  CHECK(exit.output.find("--version") != std::string::npos);
  CHECK(exit.output.find("command-line flag > environment variable > config file") !=
        std::string::npos);
  CHECK(exit_of({"-h"}).code == 0);
}

TEST_CASE("--version prints version, commit and build time") {
  const auto exit = exit_of({"--version"});
  CHECK(exit.code == 0);
  CHECK(exit.output == "studio-gateway " + std::string{version()} + " (commit " +
                           std::string{git_commit()} + ", built " + std::string{build_time()} +
                           ")\n");
}

TEST_CASE("an unknown flag or a missing value is a one-line error with code 2") {
  auto exit = exit_of({"--prot", "1"});
  CHECK(exit.code == 2);
  CHECK(exit.output.find("--prot") != std::string::npos);
  CHECK(exit.output.find('\n') == std::string::npos);
  exit = exit_of({"--port"});
  CHECK(exit.code == 2);
  CHECK(exit.output.find("--port") != std::string::npos);
  exit = exit_of({"extra"});
  CHECK(exit.code == 2);
  CHECK(exit.output.find("extra") != std::string::npos);
}

TEST_CASE("a bad value exits 2 with one line naming the setting and its source") {
  auto exit = exit_of({}, {{"STUDIO_PORT", "70000"}});
  CHECK(exit.code == 2);
  CHECK(exit.output ==
        "studio-gateway: invalid value \"70000\" for --port (from STUDIO_PORT): must be an integer "
        "in 0..65535");
  exit = exit_of({"--threads=0"});
  CHECK(exit.code == 2);
  CHECK(exit.output.find("for --threads (from the command line)") != std::string::npos);
}

TEST_CASE("flags: repeated keys accumulate, scalars take the last, --flag=value works") {
  const auto config = config_of(
      {"--api-key", "a,b", "--api-key=c", "--port", "1", "--port=2", "--inference-key", "i"});
  CHECK(config.api_keys == std::vector<std::string>{"a", "b", "c"});
  CHECK(config.inference_keys == std::vector<std::string>{"i"});
  CHECK(config.port == 2);
}

TEST_CASE("a boolean setting: bare flag, --flag=false, env words, config-file true") {
  test::temp_dir dir;
  const auto file = dir.write("b.json", R"({"metrics_public": true})");
  CHECK(!config_of({}).metrics_public);
  CHECK(config_of({"--metrics-public"}).metrics_public);
  CHECK(!config_of({"--metrics-public=false"}, {{"STUDIO_METRICS_PUBLIC", "1"}}).metrics_public);
  CHECK(config_of({}, {{"STUDIO_METRICS_PUBLIC", "yes"}}).metrics_public);
  CHECK(config_of({"--config", file.string()}).metrics_public);
  CHECK(!config_of({"--config", file.string()}, {{"STUDIO_METRICS_PUBLIC", "off"}}).metrics_public);
  CHECK(!config_of({}).download_buffered_io);
  CHECK(config_of({}, {{"STUDIO_DOWNLOAD_BUFFERED_IO", "true"}}).download_buffered_io);
  const auto bad = exit_of({}, {{"STUDIO_METRICS_PUBLIC", "maybe"}});
  CHECK(bad.code == 2);
  CHECK(bad.output.find("STUDIO_METRICS_PUBLIC") != std::string::npos);
}

TEST_CASE("flag > env > config file > default, end to end") {
  test::temp_dir dir;
  const auto file = dir.write("c.json", R"({"port": 3, "host": "file-host", "log_level": "warn",
                                           "threads": 4, "studio_dir": "/from-file"})");
  const auto config = config_of({"--config", file.string(), "--port", "1"},
                                {{"STUDIO_PORT", "2"}, {"STUDIO_HOST", "env-host"}});
  CHECK(config.port == 1);
  CHECK(config.host == "env-host");
  CHECK(config.log_level == "warn");
  CHECK(config.threads == 4);
  CHECK(config.models_dir == "/from-file/llm/models");
  CHECK(config.idle_timeout == std::chrono::milliseconds{75000});
  CHECK(config.config_file == file);
}

TEST_CASE("the config path comes from --config before STUDIO_CONFIG") {
  test::temp_dir dir;
  const auto a = dir.write("a.json", R"({"port": 11})");
  const auto b = dir.write("b.json", R"({"port": 22})");
  CHECK(config_of({}, {{"STUDIO_CONFIG", b.string()}}).port == 22);
  CHECK(config_of({"--config", a.string()}, {{"STUDIO_CONFIG", b.string()}}).port == 11);
}

TEST_CASE("config file errors exit 2 naming the file, the source and the key") {
  test::temp_dir dir;
  const auto missing = (dir.path() / "missing.json").string();
  auto exit = exit_of({}, {{"STUDIO_CONFIG", missing}});
  CHECK(exit.code == 2);
  CHECK(exit.output == "studio-gateway: cannot read config file \"" + missing +
                           "\" (from STUDIO_CONFIG): No such file or directory");
  const auto unknown = dir.write("u.json", R"({"bogus": 1})");
  exit = exit_of({"--config", unknown.string()});
  CHECK(exit.code == 2);
  CHECK(exit.output.find("unknown key \"bogus\"") != std::string::npos);
  const auto bad_value = dir.write("v.json", R"({"port": 70000})");
  exit = exit_of({"--config", bad_value.string()});
  CHECK(exit.output.find("for --port (from config file \"" + bad_value.string() +
                         "\", key \"port\")") != std::string::npos);
  exit = exit_of({"--config", ""});
  CHECK(exit.code == 2);
  CHECK(exit.output.find("--config") != std::string::npos);
}

}  // namespace
}  // namespace studio
