// Tests of the baked-in build identity.
#include "studio/core/version.hpp"
#include "studio/core/cli.hpp"

#include <doctest/doctest.h>

namespace studio {
namespace {

TEST_CASE("version values are baked in") {
  CHECK(!version().empty());
  CHECK(version().find('@') == std::string_view::npos);
  CHECK(!git_commit().empty());
  CHECK(build_time().size() == 20);  // 2024-05-01T12:00:00Z
  CHECK(build_time().ends_with('Z'));
  CHECK(version_line().starts_with("studio-gateway " + std::string{version()} + " (commit "));
}

}  // namespace
}  // namespace studio
