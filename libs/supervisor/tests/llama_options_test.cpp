// The option table: validation messages and the option -> argv mapping.
#include "studio/supervisor/llama_options.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

using namespace studio::supervisor;

namespace {
boost::json::object obj(const char* text) { return boost::json::parse(text).as_object(); }
}  // namespace

TEST_CASE("seed-000 keys map to llama-server flags in table order") {
  launch_spec spec{"/m/model.gguf", "127.0.0.1", 8080, "secret",
                   obj(R"({"top_k":40,"temp":0.7,"n_gpu_layers":99,"ctx_size":8192,"threads":4,
                           "top_p":0.9,"repeat_penalty":1.1,"auto_restart":true,"_internal":1})")};
  auto argv = build_argv(spec);
  std::vector<std::string> expected{"-m",
                                    "/m/model.gguf",
                                    "--host",
                                    "127.0.0.1",
                                    "--port",
                                    "8080",
                                    "--api-key",
                                    "secret",
                                    "--n-gpu-layers",
                                    "99",
                                    "--ctx-size",
                                    "8192",
                                    "--threads",
                                    "4",
                                    "--temp",
                                    "0.7",
                                    "--top-p",
                                    "0.9",
                                    "--top-k",
                                    "40",
                                    "--repeat-penalty",
                                    "1.1"};
  CHECK(argv == expected);
}

TEST_CASE("integer-valued numbers print without a fraction; absent keys add nothing") {
  launch_spec spec{"/m.gguf", "127.0.0.1", 1, "", obj(R"({"temp":1})")};
  auto argv = build_argv(spec);
  CHECK(argv ==
        std::vector<std::string>{"-m", "/m.gguf", "--host", "127.0.0.1", "--port", "1", "--temp", "1"});
}

TEST_CASE("validation names the field") {
  CHECK_FALSE(validate_options(obj(R"({"ctx_size":4096,"temp":0.5,"auto_restart":false})")));
  CHECK(*validate_options(obj(R"({"ctx_size":"big"})")) == "field 'ctx_size' must be an integer");
  CHECK(*validate_options(obj(R"({"ctx_size":1.5})")) == "field 'ctx_size' must be an integer");
  CHECK(*validate_options(obj(R"({"temp":"hot"})")) == "field 'temp' must be a number");
  CHECK(*validate_options(obj(R"({"top_p":2})")) == "field 'top_p' must be between 0 and 1");
  CHECK(*validate_options(obj(R"({"auto_restart":1})")) == "field 'auto_restart' must be a boolean");
  CHECK(*validate_options(obj(R"({"bogus":1})")) == "unknown field 'bogus'");
  CHECK_FALSE(validate_options(obj(R"({"_hidden":"anything"})")));
}

TEST_CASE("every table row is well-formed and the defaults validate") {
  for (const auto& row : option_table()) {
    CHECK(!row.key.empty());
    CHECK(find_option(row.key) == &row);
    if (!row.flag.empty()) CHECK(row.flag.starts_with("-"));
  }
  CHECK_FALSE(validate_options(default_llm_config()));
}

TEST_CASE("the api key is redacted for logs") {
  auto argv = redact_argv({"-m", "x", "--api-key", "secret", "--port", "1"});
  CHECK(argv == std::vector<std::string>{"-m", "x", "--api-key", "***", "--port", "1"});
}

TEST_CASE("the child environment withholds the gateway's secrets") {
  const char* env[] = {"PATH=/bin",       "STUDIO_API_KEY=k",
                       "HF_TOKEN=t",      "FAKE_LLAMA_LOAD_DELAY_MS=5",
                       "LLAMA_API_KEY=x", nullptr};
  CHECK(child_environment(env) == std::vector<std::string>{"PATH=/bin", "FAKE_LLAMA_LOAD_DELAY_MS=5"});
}
