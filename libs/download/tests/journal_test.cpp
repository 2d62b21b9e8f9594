// The journal's JSON form round-trips and tolerates damage; saved files load back.
#include "studio/download/journal.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

using namespace studio::download;

TEST_CASE("journal round trip") {
  std::vector<journal_entry> entries{
      {"a.gguf", false, saved_progress{"etag1", 1000, {{0, 500, 100}, {500, 1000, 0}}}},
      {"b.gguf", true, std::nullopt},
  };
  CHECK(parse_journal(serialize_journal(entries)) == entries);
}

TEST_CASE("a damaged journal gives what it can") {
  CHECK(parse_journal("not json").empty());
  CHECK(parse_journal(R"({"downloads":[{"nofile":1},{"file":"x.gguf"}]})").size() == 1);
  auto bad_segments = parse_journal(R"({"downloads":[{"file":"x","etag":"e","size":1,"segments":[["a"]]}]})");
  REQUIRE(bad_segments.size() == 1);
  CHECK_FALSE(bad_segments[0].progress);
}

TEST_CASE("saved and loaded back, durable or not; the temp file does not stay") {
  const auto dir = std::filesystem::temp_directory_path() / ("journal-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  REQUIRE(std::filesystem::create_directories(dir));
  const auto path = dir / "downloads.json";
  std::vector<journal_entry> first{{"a.gguf", false, saved_progress{"e", 10, {{0, 10, 4}}}}};
  std::vector<journal_entry> second{{"a.gguf", false, saved_progress{"e", 10, {{0, 10, 9}}}}, {"b.gguf", true, {}}};
  CHECK(save_journal(path, first, true));
  CHECK(load_journal(path) == first);
  CHECK(save_journal(path, second, false));  // the once-a-second progress save
  CHECK(load_journal(path) == second);
  CHECK_FALSE(std::filesystem::exists(dir / "downloads.json.tmp"));
  CHECK_FALSE(save_journal(dir / "missing" / "downloads.json", first, false));
  std::filesystem::remove_all(dir);
}
