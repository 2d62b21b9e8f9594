// GGUF metadata: valid files of both versions, skipped arrays, and hostile input.
#include "gguf_writer.hpp"
#include "studio/gguf/metadata.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

using namespace studio::gguf;
using test::gguf_writer;

namespace {
read_result parse(const std::string& bytes) {
  memory_source src(bytes);
  return read_metadata(src);
}
const metadata& ok(const read_result& r) {
  if (auto* e = std::get_if<parse_error>(&r)) FAIL("unexpected parse error: " << e->message);
  return std::get<metadata>(r);
}
std::string error_of(const read_result& r) {
  REQUIRE(std::holds_alternative<parse_error>(r));
  return std::get<parse_error>(r).message;
}
}  // namespace

TEST_CASE("a complete v3 file") {
  auto r = parse(test::sample_llama_file());
  const auto& md = ok(r);
  CHECK(md.version == 3);
  CHECK(md.architecture == "llama");
  CHECK(md.name == "Tiny Llama");
  CHECK(md.file_type == 15u);
  CHECK(file_type_name(*md.file_type) == "Q4_K_M");
  CHECK(md.context_length == 4096u);
  CHECK(md.embedding_length == 2048u);
  CHECK(md.block_count == 22u);
  CHECK(md.head_count == 32u);
  CHECK_FALSE(md.head_count_kv.has_value());
  CHECK(md.kv_count == 8);
  CHECK(md.tensor_count == 2);
  CHECK(md.parameter_count == 2048u * 32000u + 2048u);
}

TEST_CASE("v2 files and architecture keys before general.architecture") {
  gguf_writer w(2);
  w.counts(0, 3).kv_u64("qwen2.context_length", 32768).kv_u32("llama.context_length", 1).kv_string(
      "general.architecture", "qwen2");
  const metadata md = ok(parse(w.bytes()));
  CHECK(md.version == 2);
  CHECK(md.context_length == 32768u);
  CHECK_FALSE(md.parameter_count.has_value());
}

TEST_CASE("large arrays are skipped") {
  gguf_writer w;
  std::vector<std::string> tokens(5000, "tok");
  w.counts(0, 3).kv_string_array("tokenizer.ggml.tokens", tokens).kv_i32_array("tokenizer.ggml.token_type", 100000)
      .kv_string("general.architecture", "llama");
  CHECK(ok(parse(w.bytes())).architecture == "llama");
}

TEST_CASE("files that are not GGUF, or of other versions") {
  CHECK(error_of(parse("")).find("shorter than its header") != std::string::npos);
  CHECK(error_of(parse("GGML0000000000000000000000")).find("bad magic") != std::string::npos);
  gguf_writer v1(1);
  v1.counts(0, 0);
  CHECK(error_of(parse(v1.bytes())).find("unsupported GGUF version 1") != std::string::npos);
}

TEST_CASE("every truncation of a valid file is an error, never a crash") {
  auto full = test::sample_llama_file();
  for (std::size_t n = 0; n < full.size(); ++n) {
    CAPTURE(n);
    CHECK(std::holds_alternative<parse_error>(parse(full.substr(0, n))));
  }
}

TEST_CASE("hostile lengths and counts are refused before allocation") {
  SUBCASE("huge kv count") {
    gguf_writer w;
    w.counts(0, UINT64_MAX);
    CHECK(error_of(parse(w.bytes())).find("key/value count") != std::string::npos);
  }
  SUBCASE("huge tensor count") {
    gguf_writer w;
    w.counts(UINT64_MAX / 2, 0);
    CHECK(error_of(parse(w.bytes())).find("tensor count") != std::string::npos);
  }
  SUBCASE("huge key length") {
    gguf_writer w;
    w.counts(0, 1).put<std::uint64_t>(UINT64_MAX).raw(std::string(64, 'k'));
    CHECK(error_of(parse(w.bytes())).find("key length") != std::string::npos);
  }
  SUBCASE("huge string value") {
    gguf_writer w;
    w.counts(0, 1).put<std::uint64_t>(20).raw("general.architecture").put<std::uint32_t>(8).put<std::uint64_t>(1ULL << 60);
    CHECK(error_of(parse(w.bytes())).find("runs past the end") != std::string::npos);
  }
  SUBCASE("huge array") {
    gguf_writer w;
    w.counts(0, 1).put<std::uint64_t>(1).raw("a").put<std::uint32_t>(9).put<std::uint32_t>(5).put<std::uint64_t>(1ULL << 62);
    CHECK(error_of(parse(w.bytes())).find("runs past the end") != std::string::npos);
  }
  SUBCASE("deeply nested arrays") {
    gguf_writer w;
    w.counts(0, 1).put<std::uint64_t>(1).raw("a");
    for (int i = 0; i < 10; ++i) w.put<std::uint32_t>(9).put<std::uint32_t>(9).put<std::uint64_t>(1);
    w.raw(std::string(64, '\0'));
    CHECK(std::holds_alternative<parse_error>(parse(w.bytes())));
  }
  SUBCASE("unknown value type") {
    gguf_writer w;
    w.counts(0, 1).put<std::uint64_t>(1).raw("a").put<std::uint32_t>(99).raw(std::string(16, '\0'));
    CHECK(error_of(parse(w.bytes())).find("unknown value type 99") != std::string::npos);
  }
  SUBCASE("too many dimensions") {
    gguf_writer w;
    w.counts(1, 1).kv_string("general.architecture", "llama").put<std::uint64_t>(1).raw("t").put<std::uint32_t>(1000);
    w.raw(std::string(64, '\0'));
    CHECK(error_of(parse(w.bytes())).find("dimensions") != std::string::npos);
  }
  SUBCASE("missing architecture") {
    gguf_writer w;
    w.counts(0, 1).kv_string("general.name", "x");
    CHECK(error_of(parse(w.bytes())) == "missing general.architecture");
  }
}

TEST_CASE("read_metadata_file reads a file and reports a missing one") {
  auto path = std::filesystem::temp_directory_path() / "studio-gguf-test.gguf";
  {
    std::ofstream out(path, std::ios::binary);
    out << test::sample_llama_file();
  }
  CHECK(ok(read_metadata_file(path)).architecture == "llama");
  std::filesystem::remove(path);
  CHECK(error_of(read_metadata_file(path)).find("cannot open") != std::string::npos);
}
