// /api/v2/models building blocks on generated GGUF files.
#include "gguf_writer.hpp"
#include "studio/api/v2_models.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>

using namespace studio;
namespace fs = std::filesystem;

TEST_CASE("available models: every .gguf under the directory, with metadata or a per-file error") {
  auto dir = fs::temp_directory_path() / ("studio-v2-models-" + std::to_string(::getpid()));
  fs::create_directories(dir / "sub");
  std::ofstream(dir / "tiny.gguf", std::ios::binary) << gguf::test::sample_llama_file();
  std::ofstream(dir / "sub" / "nested.gguf", std::ios::binary) << gguf::test::sample_llama_file();
  std::ofstream(dir / "broken.gguf", std::ios::binary) << "GGUF\x03\0\0\0";
  std::ofstream(dir / "download.gguf.part", std::ios::binary) << "partial";
  std::ofstream(dir / "notes.txt") << "x";

  gguf::metadata_cache cache;
  auto list = api::list_available_models(dir, cache);
  REQUIRE(list.size() == 3);
  CHECK(list[0].at("id").as_string() == "broken.gguf");
  CHECK(list[0].at("metadata").at("error").as_string().find("truncated") != std::string::npos);
  CHECK(list[1].at("id").as_string() == "sub/nested.gguf");
  const auto& tiny = list[2].as_object();
  CHECK(tiny.at("id").as_string() == "tiny.gguf");
  CHECK(tiny.at("size").as_uint64() == gguf::test::sample_llama_file().size());
  CHECK(tiny.at("modified").as_string().size() == 20);
  const auto& md = tiny.at("metadata").as_object();
  CHECK(md.at("model_type").as_string() == "llama");
  CHECK(md.at("quantization").as_string() == "Q4_K_M");
  CHECK(md.at("parameters").at("context_length").as_uint64() == 4096);
  CHECK(md.at("parameters").at("embedding_length").as_uint64() == 2048);
  CHECK(md.at("parameters").at("block_count").as_uint64() == 22);

  auto parses = cache.parses();
  api::list_available_models(dir, cache);
  CHECK(cache.parses() == parses);  // warm: stat only
  fs::remove_all(dir);
}

TEST_CASE("model ids from URLs") {
  CHECK(api::valid_model_id("llama.gguf"));
  CHECK(api::valid_model_id("sub/llama.gguf"));
  CHECK_FALSE(api::valid_model_id(""));
  CHECK_FALSE(api::valid_model_id("/etc/passwd"));
  CHECK_FALSE(api::valid_model_id("../secrets/api-key"));
  CHECK_FALSE(api::valid_model_id("a/../../b.gguf"));
  CHECK_FALSE(api::valid_model_id("a\\b.gguf"));
  CHECK_FALSE(api::valid_model_id(std::string_view("a\0b", 3)));
}
