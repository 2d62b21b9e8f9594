// catalog_store: source choice, reload on change, last good catalog kept on a bad file.
#include "studio/catalog/catalog_store.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <random>

using namespace studio::catalog;
namespace fs = std::filesystem;

namespace {

struct scratch_dir {
  fs::path path = fs::temp_directory_path() / ("catalog-store-" + std::to_string(std::random_device{}()));
  scratch_dir() { fs::create_directories(path / "llm"); }
  ~scratch_dir() { fs::remove_all(path); }
};

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::trunc) << text; }

std::string one_model(const std::string& file) {
  return R"({"categories":[{"id":"c","models":[{"name":"M","file":")" + file + R"(","hf_repo":"o/r"}]}]})";
}

}  // namespace

TEST_CASE("without files the built-in catalog is in force") {
  scratch_dir dir;
  catalog_store store(std::nullopt, dir.path);
  CHECK(store.source().empty());
  CHECK(model_count(*store.current()) >= 10);
}

TEST_CASE("studio_dir/llm/catalog.json is used, re-read on change, and a bad edit keeps the last good one") {
  scratch_dir dir;
  auto file = dir.path / "llm" / "catalog.json";
  write(file, one_model("a.gguf"));
  catalog_store store(std::nullopt, dir.path);
  CHECK(store.source() == file);
  CHECK(find_model(*store.current(), "a.gguf") != nullptr);

  write(file, one_model("bb.gguf"));  // a different size: seen as a change even within one mtime tick
  CHECK(find_model(*store.current(), "bb.gguf") != nullptr);

  write(file, one_model("../evil.gguf"));
  auto kept = store.current();
  CHECK(find_model(*kept, "bb.gguf") != nullptr);
  CHECK(store.last_error().find("\"file\"") != std::string::npos);
}

TEST_CASE("--catalog wins over studio_dir/llm/catalog.json") {
  scratch_dir dir;
  write(dir.path / "llm" / "catalog.json", one_model("a.gguf"));
  write(dir.path / "mine.json", one_model("mine.gguf"));
  catalog_store store(dir.path / "mine.json", dir.path);
  CHECK(find_model(*store.current(), "mine.gguf") != nullptr);
  CHECK(find_model(*store.current(), "a.gguf") == nullptr);
}
