// The line ring and the rotating log file.
#include "studio/supervisor/instance_log.hpp"

#include <doctest/doctest.h>

#include <unistd.h>
#include <fstream>

using namespace studio::supervisor;
namespace fs = std::filesystem;

TEST_CASE("the ring keeps the last lines and cuts long ones") {
  line_ring ring(3, 4);
  for (auto s : {"a", "b", "c", "d"}) ring.push(s);
  CHECK(ring.size() == 3);
  CHECK(ring.tail(2) == std::vector<std::string>{"c", "d"});
  CHECK(ring.tail(10) == std::vector<std::string>{"b", "c", "d"});
  ring.push("123456789");
  CHECK(ring.tail(1).front() == "1234");
}

TEST_CASE("the log file rotates at its size limit") {
  auto dir = fs::temp_directory_path() / ("supervisor-log-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  {
    rotating_log log(dir / "logs" / "admin.log", 20);
    log.write_line("0123456789");  // 11 bytes
    log.write_line("abcdefghij");  // would pass 20: rotate first
    CHECK(log.error().empty());
  }
  auto read = [](const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  CHECK(read(dir / "logs" / "admin.log.1") == "0123456789\n");
  CHECK(read(dir / "logs" / "admin.log") == "abcdefghij\n");
  fs::remove_all(dir);
}
