// Tests of random_hex, valid_api_key and the management key file.
#include "studio/core/secrets.hpp"

#include "test_support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace studio {
namespace {

unsigned mode_of(const std::filesystem::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST_CASE("random_hex gives 2n lowercase hex characters, different each time") {
  const auto a = random_hex(32);
  CHECK(a.size() == 64);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(random_hex(32) != a);
  CHECK(random_hex(0).empty());
}

TEST_CASE("valid_api_key") {
  CHECK(valid_api_key("sk-studio-abc"));
  CHECK(valid_api_key("!~"));
  CHECK(!valid_api_key(""));
  CHECK(!valid_api_key("a b"));
  CHECK(!valid_api_key("a\tb"));
  CHECK(!valid_api_key("caf\xc3\xa9"));
  CHECK(!valid_api_key(std::string(4097, 'a')));
}

TEST_CASE("ensure_management_key generates once with mode 0600, then reuses") {
  test::temp_dir dir;
  const auto studio_dir = dir.path() / "nested" / "studio";
  const auto first = ensure_management_key(studio_dir);
  CHECK(first.generated);
  CHECK(first.path == studio_dir / "secrets" / "api-key");
  CHECK(first.key.starts_with("sk-studio-"));
  CHECK(first.key.size() == 10 + 64);
  CHECK(mode_of(first.path) == 0600);
  CHECK(mode_of(studio_dir / "secrets") == 0700);
  CHECK(read_file(first.path) == first.key + "\n");

  const auto second = ensure_management_key(studio_dir);
  CHECK(!second.generated);
  CHECK(second.key == first.key);
  // No temporary files are left behind.
  CHECK(std::distance(std::filesystem::directory_iterator(studio_dir / "secrets"),
                      std::filesystem::directory_iterator{}) == 1);
}

TEST_CASE("an existing key file is trimmed and its mode tightened") {
  test::temp_dir dir;
  std::filesystem::create_directories(dir.path() / "secrets");
  REQUIRE(::chmod((dir.path() / "secrets").c_str(), 0755) == 0);
  const auto file = dir.write("secrets/api-key", "  my-key\n\n");
  REQUIRE(::chmod(file.c_str(), 0644) == 0);
  const auto result = ensure_management_key(dir.path());
  CHECK(!result.generated);
  CHECK(result.key == "my-key");
  CHECK(mode_of(file) == 0600);
  CHECK(mode_of(dir.path() / "secrets") == 0700);
}

TEST_CASE("an empty or invalid key file is an error naming the file") {
  test::temp_dir dir;
  std::filesystem::create_directories(dir.path() / "secrets");
  const auto file = dir.write("secrets/api-key", " \n");
  try {
    ensure_management_key(dir.path());
    FAIL("expected an exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string{e.what()}.find(file.string()) != std::string::npos);
  }
  dir.write("secrets/api-key", "two words");
  CHECK_THROWS_AS(ensure_management_key(dir.path()), std::runtime_error);
}

TEST_CASE("a studio_dir that cannot be created is an error") {
  test::temp_dir dir;
  const auto blocker = dir.write("file", "x");
  CHECK_THROWS_AS(ensure_management_key(blocker / "studio"), std::runtime_error);
}

}  // namespace
}  // namespace studio
