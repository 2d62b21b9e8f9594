// llamactl_store: names, the record's JSON shape, atomic save, load skipping bad files.
#include "../src/llamactl_store.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <fstream>
#include <random>

using namespace studio::api;
namespace fs = std::filesystem;

TEST_CASE("instance names: letters, digits, - _ . and at most 64") {
  CHECK(valid_instance_name("llama-3.1_8b"));
  CHECK(valid_instance_name(std::string(64, 'a')));
  CHECK_FALSE(valid_instance_name(std::string(65, 'a')));
  CHECK_FALSE(valid_instance_name(""));
  CHECK_FALSE(valid_instance_name(".."));
  CHECK_FALSE(valid_instance_name("a/b"));
  CHECK_FALSE(valid_instance_name("a b"));
}

TEST_CASE("save then load round-trips; corrupt and mismatched files are skipped") {
  fs::path dir = fs::temp_directory_path() / ("llamactl-store-" + std::to_string(std::random_device{}()));
  llamactl_store store(dir);
  llamactl_record record{"m1", 1700000000,
                         boost::json::parse(R"({"model":"/x.gguf","ctx_size":4096})").as_object(), true};
  store.save(record);
  store.save({"m2", 5, {}, false});
  std::ofstream(dir / "bad.json") << "{not json";
  std::ofstream(dir / "other.json") << R"({"name":"m9","created":1,"options":{},"running":false})";
  auto loaded = store.load();
  REQUIRE(loaded.size() == 2);
  std::sort(loaded.begin(), loaded.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  CHECK(loaded[0].name == "m1");
  CHECK(loaded[0].created == 1700000000);
  CHECK(loaded[0].options == record.options);
  CHECK(loaded[0].running);
  CHECK_FALSE(loaded[1].running);
  CHECK_FALSE(fs::exists(dir / ".m1.json.tmp"));
  store.erase("m1");
  store.erase("m1");  // already gone: fine
  CHECK_FALSE(fs::exists(dir / "m1.json"));
  fs::remove_all(dir);
}

TEST_CASE("record_from_json names what is wrong") {
  CHECK_THROWS_WITH(record_from_json(boost::json::parse(R"({"name":"a b"})")), "missing or invalid 'name'");
  CHECK_THROWS_WITH(
      record_from_json(boost::json::parse(R"({"name":"a","created":1,"options":[],"running":true})")),
      "missing or invalid 'options'");
}
