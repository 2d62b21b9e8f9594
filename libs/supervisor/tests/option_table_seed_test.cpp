// The option table against seed 002: every property of llamactl.CreateInstanceOptions
// has a row of a compatible type, and a sample of each kind maps to the right argv.
#include "studio/supervisor/llama_options.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

using namespace studio::supervisor;

namespace {

boost::json::object obj(const char* text) { return boost::json::parse(text).as_object(); }

// The seed is swagger YAML flattened to one line: "properties: alias: type: string
// control_vector: items: type: string type: array ... type: object llamactl.Instance:".
// Returns property -> its (last) type.
std::map<std::string, std::string> seed_properties() {
  std::filesystem::path dir = STUDIO_SEEDS_DIR;
  std::string text;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with("002_")) {
      std::ifstream in(entry.path());
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
  }
  REQUIRE(!text.empty());
  auto begin = text.find("llamactl.CreateInstanceOptions: properties:");
  auto end = text.find("type: object llamactl.Instance:");
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  std::istringstream words(text.substr(begin, end - begin));
  std::map<std::string, std::string> out;
  std::string word, current, previous;
  words >> word >> word;  // the definition name and "properties:"
  while (words >> word) {
    if (previous == "type:") {
      if (!current.empty()) out[current] = word;
    } else if (word.ends_with(':') && word != "type:" && word != "items:" && word != "description:") {
      current = word.substr(0, word.size() - 1);
      out[current];
    }
    previous = word;
  }
  return out;
}

bool compatible(const std::string& seed_type, option_kind kind) {
  if (seed_type == "boolean") return kind == option_kind::boolean;
  if (seed_type == "string") return kind == option_kind::string;
  if (seed_type == "array") return kind == option_kind::string_list;
  if (seed_type == "number") return kind == option_kind::number;
  if (seed_type == "integer") return kind == option_kind::integer || kind == option_kind::number;
  return false;
}

std::vector<std::string> argv_for(const char* options) {
  auto argv = build_argv({"", "127.0.0.1", 1, "", obj(options)});
  return {argv.begin() + 4, argv.end()};  // drop --host/--port
}

}  // namespace

TEST_CASE("every property of seed 002's CreateInstanceOptions is in the table") {
  auto properties = seed_properties();
  CHECK(properties.size() > 150);
  for (const auto& [key, type] : properties) {
    CAPTURE(key);
    CAPTURE(type);
    const option_spec* row = find_option(key);
    REQUIRE(row != nullptr);
    CHECK(compatible(type, row->kind));
    if (row->owner == option_owner::child) CHECK(row->flag.starts_with("--"));
  }
  for (const char* key : {"on_demand_start", "idle_timeout", "environment", "auto_restart", "max_restarts",
                          "restart_delay_seconds"}) {
    CAPTURE(key);
    REQUIRE(find_option(key) != nullptr);
    CHECK(find_option(key)->flag.empty());
  }
}

TEST_CASE("argv for each kind: bare booleans, values, repeated lists, split pairs") {
  CHECK(argv_for(R"({"flash_attn":true,"no_mmap":false})") == std::vector<std::string>{"--flash-attn"});
  CHECK(argv_for(R"({"ctx_size_draft":2048,"batch_size":512})") ==
        std::vector<std::string>{"--batch-size", "512", "--ctx-size-draft", "2048"});
  CHECK(argv_for(R"({"min_p":0.05,"rope_freq_base":10000.5})") ==
        std::vector<std::string>{"--min-p", "0.05", "--rope-freq-base", "10000.5"});
  CHECK(argv_for(R"({"hf_repo":"org/model-GGUF","hf_file":"m.gguf","alias":"x"})") ==
        std::vector<std::string>{"--alias", "x", "--hf-file", "m.gguf", "--hf-repo", "org/model-GGUF"});
  CHECK(argv_for(R"({"lora":["a.gguf","b.gguf"]})") ==
        std::vector<std::string>{"--lora", "a.gguf", "--lora", "b.gguf"});
  CHECK(
      argv_for(R"({"lora_scaled":["a.gguf 0.5"],"control_vector_layer_range":"1 10"})") ==
      std::vector<std::string>{"--control-vector-layer-range", "1", "10", "--lora-scaled", "a.gguf", "0.5"});
  CHECK(argv_for(R"({"fim_qwen_1_5b_default":true,"predict":128,"priority":2})") ==
        std::vector<std::string>{"--fim-qwen-1.5b-default", "--predict", "128", "--prio", "2"});
  CHECK(argv_for(R"({"auto_restart":true,"idle_timeout":5,"on_demand_start":true,
                    "environment":{"A":"1"},"model":"/m.gguf"})")
            .empty());
}

TEST_CASE("new kinds validate and name the key; gateway-owned keys are refused") {
  CHECK_FALSE(validate_options(obj(R"({"lora":["a"],"environment":{"CUDA_VISIBLE_DEVICES":"0"},
                                       "model":"/m.gguf","on_demand_start":true,"idle_timeout":10})")));
  CHECK(*validate_options(obj(R"({"lora":"a"})")) == "field 'lora' must be an array of strings");
  CHECK(*validate_options(obj(R"({"lora":[1]})")) == "field 'lora' must be an array of strings");
  CHECK(*validate_options(obj(R"({"environment":{"A":1}})")) ==
        "field 'environment' must be an object of strings");
  CHECK(*validate_options(obj(R"({"flash_attn":"yes"})")) == "field 'flash_attn' must be a boolean");
  CHECK(*validate_options(obj(R"({"port":9000})")) == "field 'port' is set by the gateway");
  CHECK(*validate_options(obj(R"({"api_key":"k"})")) == "field 'api_key' is set by the gateway");
}

TEST_CASE("environment adds to and overrides the child's environment, never the withheld keys") {
  const char* env[] = {"PATH=/bin", "A=old", nullptr};
  auto options = obj(R"({"environment":{"A":"new","CUDA_VISIBLE_DEVICES":"1","LLAMA_API_KEY":"x"}})");
  CHECK(child_environment(env, &options) ==
        std::vector<std::string>{"PATH=/bin", "A=new", "CUDA_VISIBLE_DEVICES=1"});
  CHECK(redact_argv({"--hf-token", "t"}) == std::vector<std::string>{"--hf-token", "***"});
}
