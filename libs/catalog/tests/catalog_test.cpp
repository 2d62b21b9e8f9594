// parse_catalog, the safe-name rule and lookup; and the shipped catalog itself.
#include "studio/catalog/catalog.hpp"
#include "studio/catalog/catalog_store.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace studio::catalog;

namespace {

std::string with_model(const std::string& model_fields) {
  return R"({"version":1,"date":"d","categories":[{"id":"general","name":"General","models":[{)" + model_fields +
         "}]}]}";
}

std::string error_of(const std::string& json) {
  auto parsed = parse_catalog(json);
  REQUIRE(std::holds_alternative<catalog_error>(parsed));
  return std::get<catalog_error>(parsed).message;
}

const std::string good = R"("name":"M","file":"m.gguf","size_gb":1.5,"hf_repo":"o/r")";

}  // namespace

TEST_CASE("a valid entry parses with defaults filled in") {
  auto parsed = parse_catalog(with_model(good + R"(,"tags":["a"],"companions":["p.gguf"])"));
  REQUIRE(std::holds_alternative<catalog>(parsed));
  const auto& cat = std::get<catalog>(parsed);
  CHECK(cat.version == 1);
  REQUIRE(model_count(cat) == 1);
  const auto& m = cat.categories[0].models[0];
  CHECK(m.dest == ".");
  CHECK(m.source == "huggingface");
  CHECK(m.hf_file == "m.gguf");
  CHECK(m.hf_revision == "main");
  CHECK(m.tags == std::vector<std::string>{"a"});
  REQUIRE(m.companions.size() == 1);
  CHECK(m.companions[0].hf_file == "p.gguf");
  CHECK(find_model(cat, "m.gguf") == &m);
  CHECK(find_model(cat, "p.gguf") == &m);
  CHECK(find_model(cat, "x.gguf") == nullptr);
}

TEST_CASE("errors name the entry and the field") {
  CHECK(error_of(with_model(R"("name":"M","hf_repo":"o/r")")).find("\"file\" is missing") != std::string::npos);
  auto msg = error_of(with_model(R"("name":"M","file":"m.gguf","hf_repo":"nope")"));
  CHECK(msg.find("category \"general\", model 0 (\"m.gguf\")") != std::string::npos);
  CHECK(msg.find("\"hf_repo\"") != std::string::npos);
  CHECK(error_of(with_model(good + R"(,"sha256":"XYZ")")).find("\"sha256\"") != std::string::npos);
  CHECK(error_of(with_model(good + R"(,"size_gb":"big")")).find("\"size_gb\" must be a number") != std::string::npos);
  CHECK(error_of(with_model(good + R"(,"source":"ftp")")).find("\"source\"") != std::string::npos);
  CHECK(error_of(with_model(R"("name":"M","file":"m.gguf","source":"url")")).find("\"url\" is missing") !=
        std::string::npos);
  CHECK(error_of("{").find("invalid JSON") != std::string::npos);
  CHECK(error_of(R"({"categories":{}})").find("\"categories\" must be an array") != std::string::npos);
}

TEST_CASE("a url entry's companions need their own url") {
  const std::string url_model = R"("name":"M","file":"m.gguf","source":"url","url":"https://example.org/m.gguf")";
  auto msg = error_of(with_model(url_model + R"(,"companions":["p.gguf"])"));
  CHECK(msg.find("companion 0: field \"url\" is required") != std::string::npos);
  CHECK(error_of(with_model(url_model + R"(,"companions":[{"file":"p.gguf","url":"ftp://x"}])")).find("\"url\"") !=
        std::string::npos);
  auto parsed = parse_catalog(with_model(url_model + R"(,"companions":[{"file":"p.gguf","url":"https://e.org/p"}])"));
  REQUIRE(std::holds_alternative<catalog>(parsed));
  CHECK(std::get<catalog>(parsed).categories[0].models[0].companions[0].url == "https://e.org/p");
}

TEST_CASE("unsafe file and dest values are rejected") {
  for (const char* file : {"/etc/passwd", "../x.gguf", "a/b.gguf", "a\\\\b.gguf", "x..gguf", "", "a\\u0000b"}) {
    auto msg = error_of(with_model(std::string(R"("name":"M","hf_repo":"o/r","file":")") + file + "\""));
    INFO(msg);
    CHECK(msg.find("\"file\"") != std::string::npos);
  }
  for (const char* dest : {"/abs", "..", "a/../b", "a\\\\b", "a//b"}) {
    auto msg = error_of(with_model(good + R"(,"dest":")" + dest + "\""));
    CHECK(msg.find("\"dest\"") != std::string::npos);
  }
  CHECK(std::holds_alternative<catalog>(parse_catalog(with_model(good + R"(,"dest":"embedding/small")"))));
}

TEST_CASE("duplicate files across the catalog are rejected") {
  auto json = R"({"categories":[{"id":"a","models":[{"name":"M","file":"m.gguf","hf_repo":"o/r"}]},)"
              R"({"id":"b","models":[{"name":"N","file":"m.gguf","hf_repo":"o/r"}]}]})";
  CHECK(error_of(json).find("more than once") != std::string::npos);
}

TEST_CASE("is_safe_relative_name") {
  CHECK(is_safe_relative_name("model.gguf", false));
  CHECK_FALSE(is_safe_relative_name("dir/model.gguf", false));
  CHECK(is_safe_relative_name("dir/model.gguf", true));
  CHECK_FALSE(is_safe_relative_name("./model.gguf", true));
  CHECK_FALSE(is_safe_relative_name(std::string_view("a\0b", 3), false));
  CHECK_FALSE(is_safe_relative_name("a\nb", false));
}

TEST_CASE("the shipped catalog parses, has 10+ models in instruct, coding and embedding categories") {
  auto parsed = parse_catalog(builtin_catalog_json());
  if (auto* err = std::get_if<catalog_error>(&parsed)) FAIL(err->message);
  const auto& cat = std::get<catalog>(parsed);
  CHECK(model_count(cat) >= 10);
  std::set<std::string> ids;
  for (const auto& c : cat.categories) {
    ids.insert(c.id);
    for (const auto& m : c.models) {
      CAPTURE(m.file);
      CHECK(m.file.ends_with(".gguf"));
      CHECK(m.size_gb > 0);
    }
  }
  CHECK(ids.count("general") == 1);
  CHECK(ids.count("coding") == 1);
  CHECK(ids.count("embedding") == 1);
}
