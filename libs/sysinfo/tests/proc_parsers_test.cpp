// /proc parsers on sample text.
#include "studio/sysinfo/proc_parsers.hpp"

#include <doctest/doctest.h>

using namespace studio::sysinfo;

TEST_CASE("/proc/stat aggregate line and utilisation") {
  auto a = parse_proc_stat("cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\n");
  REQUIRE(a.has_value());
  CHECK(a->total == 1000);
  CHECK(a->idle == 800);
  auto b = parse_proc_stat("cpu  400 0 100 800 100 0 0 0 0 0\n");
  REQUIRE(b.has_value());
  CHECK(cpu_utilization(*a, *b) == doctest::Approx(75.0));
  CHECK(cpu_utilization(*b, *b) == 0);
  CHECK_FALSE(parse_proc_stat("intr 1 2 3\n").has_value());
  CHECK_FALSE(parse_proc_stat("cpu  a b c d\n").has_value());
}

TEST_CASE("/proc/meminfo") {
  auto m = parse_meminfo("MemTotal:       32768000 kB\nMemFree:  1000 kB\nMemAvailable:   24576000 kB\n");
  REQUIRE(m.has_value());
  CHECK(m->total == 32768000);
  CHECK(m->available == 24576000);
  auto old = parse_meminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 200 kB\n");
  REQUIRE(old.has_value());
  CHECK(old->available == 350);
  CHECK_FALSE(parse_meminfo("nothing here").has_value());
}

TEST_CASE("/proc/cpuinfo cores and frequency") {
  const char* text =
      "processor\t: 0\nphysical id\t: 0\ncore id\t\t: 0\ncpu MHz\t\t: 3600.125\n\n"
      "processor\t: 1\nphysical id\t: 0\ncore id\t\t: 0\ncpu MHz\t\t: 3500\n\n"
      "processor\t: 2\nphysical id\t: 0\ncore id\t\t: 1\n\n"
      "processor\t: 3\nphysical id\t: 0\ncore id\t\t: 1\n";
  auto c = parse_cpuinfo(text);
  CHECK(c.logical == 4);
  CHECK(c.physical == 2);
  CHECK(c.mhz == doctest::Approx(3600.125));
  auto vm = parse_cpuinfo("processor : 0\nprocessor : 1\n");
  CHECK(vm.physical == 2);
  CHECK(parse_khz_as_mhz("4100000\n") == doctest::Approx(4100.0));
  CHECK_FALSE(parse_khz_as_mhz("n/a").has_value());
}
