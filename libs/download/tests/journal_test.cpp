// The journal's JSON form round-trips and tolerates damage.
#include "studio/download/journal.hpp"

#include <doctest/doctest.h>

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
