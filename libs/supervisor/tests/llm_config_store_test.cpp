// llm_config_store: defaults, persistence, the corrupt-file fallback, hidden keys.
#include "studio/supervisor/llm_config_store.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

#include <unistd.h>
#include <fstream>

using namespace studio::supervisor;
namespace fs = std::filesystem;

namespace {
struct scratch {
  fs::path dir = fs::temp_directory_path() / ("supervisor-config-" + std::to_string(::getpid()));
  scratch() { fs::remove_all(dir); }
  ~scratch() { fs::remove_all(dir); }
  fs::path file() const { return dir / "llm" / "config.json"; }
};
}  // namespace

TEST_CASE("defaults, update, reload") {
  scratch s;
  llm_config_store store(s.file());
  CHECK_FALSE(store.load());
  CHECK(store.config().at("ctx_size").as_int64() == 8192);
  store.update(boost::json::parse(R"({"ctx_size":16384,"temp":0.8,"_note":"x"})").as_object());
  CHECK_FALSE(fs::exists(s.file().string() + ".tmp"));
  llm_config_store again(s.file());
  CHECK_FALSE(again.load());
  CHECK(again.config().at("ctx_size").as_int64() == 16384);
  CHECK(again.config().at("top_k").as_int64() == 40);
  CHECK(again.config().contains("_note"));
  CHECK_FALSE(again.visible().contains("_note"));
}

TEST_CASE("a corrupt file is set aside and defaults are used") {
  scratch s;
  fs::create_directories(s.file().parent_path());
  std::ofstream(s.file()) << "{not json";
  llm_config_store store(s.file());
  auto warning = store.load();
  REQUIRE(warning);
  CHECK(warning->find("not valid JSON") != std::string::npos);
  CHECK(store.config().at("ctx_size").as_int64() == 8192);
  CHECK_FALSE(fs::exists(s.file()));
  int aside = 0;
  for (const auto& e : fs::directory_iterator(s.file().parent_path())) {
    aside += e.path().filename().string().starts_with("config.json.bad-");
  }
  CHECK(aside == 1);
}
