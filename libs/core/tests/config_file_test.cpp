// Tests of the config file: JSON parsing into a layer, key and type checks, reading errors.
#include "studio/core/config.hpp"

#include "test_support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

namespace studio {
namespace {

config_layer parsed(std::string_view text) {
  auto result = parse_config_json(text, "config file \"c.json\"");
  if (auto* error = std::get_if<config_error>(&result))
    FAIL("unexpected error: " << error->message);
  return std::get<config_layer>(result);
}

std::string error_of(std::string_view text) {
  auto result = parse_config_json(text, "config file \"c.json\"");
  REQUIRE(std::holds_alternative<config_error>(result));
  return std::get<config_error>(result).message;
}

TEST_CASE("a config file with every kind of value") {
  const auto layer = parsed(R"({
    // comments and trailing commas are allowed
    "host": "127.0.0.1",
    "port": 9000,
    "api_key": ["a", "b,c"],
    "inference_key": "i",
    "max_body_bytes": 1024,
    "instance_ports": "9001-9009",
  })");
  CHECK(layer.at("host") == std::vector<std::string>{"127.0.0.1"});
  CHECK(layer.at("port") == std::vector<std::string>{"9000"});
  CHECK(layer.at("api_key") == std::vector<std::string>{"a", "b,c"});
  CHECK(layer.at("inference_key") == std::vector<std::string>{"i"});
  CHECK(layer.at("max_body_bytes") == std::vector<std::string>{"1024"});
  CHECK(layer.size() == 6);
  CHECK(parsed("{}").empty());
}

TEST_CASE("an unknown key is an error naming the key") {
  CHECK(error_of(R"({"host": "h", "prot": 1})") == "config file \"c.json\": unknown key \"prot\"");
  CHECK(error_of(R"({"config": "other.json"})") ==
        "config file \"c.json\": key \"config\" is not allowed in a config file");
}

TEST_CASE("a value of the wrong type is an error naming the key") {
  CHECK(error_of(R"({"port": "8000"})") ==
        "config file \"c.json\": key \"port\" must be an integer, not a string");
  CHECK(error_of(R"({"port": 80.5})") ==
        "config file \"c.json\": key \"port\" must be an integer, not a non-integer number");
  CHECK(error_of(R"({"host": 1})") ==
        "config file \"c.json\": key \"host\" must be a string, not an integer");
  CHECK(error_of(R"({"api_key": [1]})") ==
        "config file \"c.json\": key \"api_key\" must be a string or an array of strings, not an "
        "array");
  CHECK(error_of(R"({"log_level": null})").find("key \"log_level\"") != std::string::npos);
  CHECK(error_of(R"({"threads": true})").find("key \"threads\"") != std::string::npos);
  CHECK(error_of(R"({"metrics_public": 1})") ==
        "config file \"c.json\": key \"metrics_public\" must be a boolean, not an integer");
}

TEST_CASE("invalid JSON names the file and the position") {
  const auto message = error_of("{\n  \"host\": \"h\"\n  \"port\": 1\n}");
  CHECK(message.starts_with("config file \"c.json\": invalid JSON at line 3"));
  CHECK(error_of("").starts_with("config file \"c.json\": invalid JSON"));
  CHECK(error_of("[1, 2]") == "config file \"c.json\": must be a JSON object");
}

TEST_CASE("negative numbers reach the setting's parser") {
  CHECK(parsed(R"({"port": -1})").at("port") == std::vector<std::string>{"-1"});
}

TEST_CASE("load_config_file: missing, not a file, and a good file") {
  test::temp_dir dir;
  const auto missing = dir.path() / "missing.json";
  auto result = load_config_file(missing, "--config");
  REQUIRE(std::holds_alternative<config_error>(result));
  CHECK(std::get<config_error>(result).message ==
        "cannot read config file \"" + missing.string() +
            "\" (from --config): No such file or directory");

  result = load_config_file(dir.path(), "STUDIO_CONFIG");
  REQUIRE(std::holds_alternative<config_error>(result));
  CHECK(std::get<config_error>(result).message.find("(from STUDIO_CONFIG): not a regular file") !=
        std::string::npos);

  const auto good = dir.write("good.json", R"({"port": 1234})");
  result = load_config_file(good, "--config");
  REQUIRE(std::holds_alternative<config_layer>(result));
  CHECK(std::get<config_layer>(result).at("port") == std::vector<std::string>{"1234"});

  const auto bad = dir.write("bad.json", R"({"port": 1234, "nope": 1})");
  result = load_config_file(bad, "--config");
  REQUIRE(std::holds_alternative<config_error>(result));
  CHECK(std::get<config_error>(result).message ==
        "config file \"" + bad.string() + "\": unknown key \"nope\"");
}

TEST_CASE("load_config_file: a file without read permission") {
  if (::geteuid() == 0) return;  // root reads everything; the other tests cover the path
  test::temp_dir dir;
  const auto file = dir.write("locked.json", "{}");
  REQUIRE(::chmod(file.c_str(), 0) == 0);
  auto result = load_config_file(file, "--config");
  REQUIRE(std::holds_alternative<config_error>(result));
  CHECK(std::get<config_error>(result).message.find("Permission denied") != std::string::npos);
}

}  // namespace
}  // namespace studio
