// parse_help_flags on a llama-server --help sample (tests/data/llama-server-help.txt,
// written in the layout llama-server prints), and the unsupported-option check.
#include "studio/supervisor/help_flags.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

#include <fstream>
#include <iterator>

using namespace studio::supervisor;

namespace {
std::string sample_help() {
  std::ifstream in(STUDIO_SUPERVISOR_TEST_DATA "/llama-server-help.txt", std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), {}};
}
boost::json::object obj(const char* text) { return boost::json::parse(text).as_object(); }
}  // namespace

TEST_CASE("every name of an option line is a flag; wrapped description lines are not") {
  auto flags = parse_help_flags(sample_help());
  for (const char* f : {"-h",
                        "--help",
                        "--usage",
                        "--version",
                        "-c",
                        "--ctx-size",
                        "-ngl",
                        "--gpu-layers",
                        "--n-gpu-layers",
                        "-hf",
                        "-hfr",
                        "--hf-repo",
                        "--flash-attn",
                        "--no-mmap",
                        "--mlock",
                        "-ot",
                        "--override-tensor",
                        "--chat-template-file",
                        "--slot-prompt-similarity",
                        "--draft-max",
                        "--draft",
                        "--draft-n",
                        "--embedding",
                        "--embeddings",
                        "--temp",
                        "--api-key",
                        "--port",
                        "--host",
                        "--lora-scaled"}) {
    CAPTURE(f);
    CHECK(flags.contains(f));
  }
  // Words in descriptions, placeholders and wrapped lines are not flags.
  for (const char* f : {"--logit-bias 15043+1", "-1", "--threads-batch-x", "-", "--cpu-range\n", "N", "FNAME",
                        "-p", "-sys", "--lora-init", "--no-flash-attn", "--metrics-x"}) {
    CAPTURE(f);
    CHECK_FALSE(flags.contains(f));
  }
  CHECK_FALSE(flags.contains("-p"));  // only in the indented usage examples
  CHECK(flags.contains("--metrics"));
}

TEST_CASE("output that lists no option gives no flags") {
  CHECK(parse_help_flags("").empty());
  CHECK(parse_help_flags("error: unknown argument\n        --help (wrapped text, far right)\n").empty());
  CHECK(parse_help_flags("-\n--\n---\n").empty());
}

TEST_CASE("windows line ends and --flag=VALUE names") {
  auto flags = parse_help_flags("--alpha N\r\n-b, --beta=VALUE   text\r\n");
  CHECK(flags == flag_set{"--alpha", "-b", "--beta"});
  // Older builds indented their option lines by two spaces.
  CHECK(parse_help_flags("usage: server [options]\n  -h, --help            show this help\n") ==
        flag_set{"-h", "--help"});
}

TEST_CASE("options whose flag the binary lacks are refused, naming option, flag and binary") {
  auto flags = parse_help_flags(sample_help());
  CHECK_FALSE(
      unsupported_option(obj(R"({"ctx_size":4096,"flash_attn":true,"n_gpu_layers":99,"temperature":0.5})"),
                         flags, "/opt/llama-server"));
  // --fim-qwen-3b-default is not in the sample.
  CHECK(unsupported_option(obj(R"({"ctx_size":4096,"fim_qwen_3b_default":true})"), flags,
                           "/opt/llama-server") ==
        "option 'fim_qwen_3b_default' (flag --fim-qwen-3b-default) is not supported by /opt/llama-server");
  // false passes no flag: nothing to refuse.
  CHECK_FALSE(unsupported_option(obj(R"({"fim_qwen_3b_default":false})"), flags, "x"));
  // Supervisor settings, gateway keys and the model never reach the check.
  CHECK_FALSE(unsupported_option(
      obj(R"({"auto_restart":true,"idle_timeout":5,"model":"/m.gguf","environment":{"A":"b"},"_x":1})"),
      flag_set{}, "x"));
  CHECK(unsupported_option(obj(R"({"ctx_size":1})"), flag_set{"-c"}, "bin") ==
        "option 'ctx_size' (flag --ctx-size) is not supported by bin");
}
