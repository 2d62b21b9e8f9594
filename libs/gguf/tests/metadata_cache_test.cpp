// metadata_cache: parses once per (size, mtime), again after a change.
#include "gguf_writer.hpp"
#include "studio/gguf/metadata_cache.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <unistd.h>

using namespace studio::gguf;

TEST_CASE("the cache re-reads a file only when its size or mtime changes") {
  auto path = std::filesystem::temp_directory_path() / ("studio-gguf-cache-" + std::to_string(::getpid()) + ".gguf");
  std::ofstream(path, std::ios::binary) << test::sample_llama_file();
  metadata_cache cache;
  auto stat = [&] { return std::pair{std::filesystem::file_size(path), std::filesystem::last_write_time(path)}; };
  auto [size, mtime] = stat();
  CHECK(std::get<metadata>(cache.get(path, size, mtime)).architecture == "llama");
  CHECK(std::get<metadata>(cache.get(path, size, mtime)).architecture == "llama");
  CHECK(cache.parses() == 1);

  std::ofstream(path, std::ios::binary) << "not gguf";
  std::tie(size, mtime) = stat();
  CHECK(std::holds_alternative<parse_error>(cache.get(path, size, mtime)));
  CHECK(cache.parses() == 2);

  cache.retain_only({});
  CHECK(std::holds_alternative<parse_error>(cache.get(path, size, mtime)));
  CHECK(cache.parses() == 3);
  std::filesystem::remove(path);
}
