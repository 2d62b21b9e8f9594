// The lifecycle state machine, driven by events with a fake clock.
#include "studio/supervisor/lifecycle.hpp"

#include <doctest/doctest.h>

using namespace studio::supervisor;
using namespace std::chrono_literals;
using s = instance_state;

namespace {
struct fake_clock {
  clock_time t{};
  clock_time operator()() const { return t; }
  void advance(millis d) { t += d; }
};
}  // namespace

TEST_CASE("start, ready, stop: states and timestamps") {
  fake_clock clock;
  lifecycle m;
  CHECK(m.state() == s::stopped);
  CHECK(m.resume({event_kind::start}, clock()).kind == action_kind::launch);
  CHECK(m.state() == s::starting);
  CHECK(m.active());
  clock.advance(100ms);
  m.resume({event_kind::spawned}, clock());
  m.resume({event_kind::ready}, clock());
  CHECK(m.state() == s::running);
  REQUIRE(m.running_since());
  CHECK(*m.running_since() == clock());
  clock.advance(1s);
  CHECK(m.resume({event_kind::stop}, clock()).kind == action_kind::terminate);
  CHECK(m.state() == s::stopping);
  m.resume({event_kind::exited, "exited with code 134"}, clock());
  CHECK(m.state() == s::stopped);  // a requested stop is clean whatever the code
  CHECK_FALSE(m.last_error());
  REQUIRE(m.history().size() == 4);
  CHECK(m.history()[1].from == s::starting);
  CHECK(m.history()[1].to == s::running);
  CHECK(m.history()[1].at == clock_time{} + 100ms);
}

TEST_CASE("exit before ready marks failed with the detail") {
  lifecycle m;
  m.resume({event_kind::start}, {});
  m.resume({event_kind::exited, "exited with code 1; last output: boom"}, {});
  CHECK(m.state() == s::failed);
  CHECK(*m.last_error() == "exited with code 1; last output: boom");
  CHECK_FALSE(m.active());
  // A new start clears the error.
  CHECK(m.resume({event_kind::start}, {}).kind == action_kind::launch);
  CHECK_FALSE(m.last_error());
}

TEST_CASE("spawn failure marks failed") {
  lifecycle m;
  m.resume({event_kind::start}, {});
  m.resume({event_kind::spawn_failed, "port 8080 is already in use"}, {});
  CHECK(m.state() == s::failed);
  CHECK(*m.last_error() == "port 8080 is already in use");
}

TEST_CASE("crash with auto_restart: exponential backoff, capped, up to max_restarts") {
  lifecycle m({.auto_restart = true,
               .restart_delay = 1000ms,
               .max_backoff = 3000ms,
               .max_restarts = 3,
               .cooldown_after = 100});
  fake_clock clock;
  m.resume({event_kind::start}, clock());
  m.resume({event_kind::ready}, clock());
  std::vector<millis> delays;
  for (int i = 0; i < 3; ++i) {
    auto act = m.resume({event_kind::exited, "killed by signal 6"}, clock());
    REQUIRE(act.kind == action_kind::schedule_restart);
    CHECK(m.state() == s::restarting);
    delays.push_back(act.delay);
    CHECK(m.resume({event_kind::restart_due}, clock()).kind == action_kind::launch);
    CHECK(m.state() == s::starting);
    m.resume({event_kind::ready}, clock());
  }
  CHECK(delays == std::vector<millis>{1000ms, 2000ms, 3000ms});
  CHECK(m.restarts() == 3);
  CHECK(m.resume({event_kind::exited, "killed by signal 6"}, clock()).kind == action_kind::none);
  CHECK(m.state() == s::failed);
}

TEST_CASE("stop while restarting cancels the restart; restart_due after that is ignored") {
  lifecycle m({.auto_restart = true});
  m.resume({event_kind::start}, {});
  m.resume({event_kind::ready}, {});
  m.resume({event_kind::exited, "crash"}, {});
  CHECK(m.state() == s::restarting);
  CHECK(m.resume({event_kind::stop}, {}).kind == action_kind::none);
  CHECK(m.state() == s::stopped);
  CHECK(m.resume({event_kind::restart_due}, {}).kind == action_kind::none);
  CHECK(m.state() == s::stopped);
}

TEST_CASE("repeated load failures put the model in a cool-down") {
  lifecycle m({.cooldown_after = 2, .cooldown = 60000ms});
  fake_clock clock;
  for (int i = 0; i < 2; ++i) {
    CHECK(m.resume({event_kind::start}, clock()).kind == action_kind::launch);
    m.resume({event_kind::exited, "exited with code 1"}, clock());
  }
  clock.advance(10s);
  auto refused = m.resume({event_kind::start}, clock());
  CHECK(refused.kind == action_kind::refuse);
  CHECK(refused.delay == 50000ms);
  CHECK(m.state() == s::failed);
  clock.advance(50s);
  CHECK(m.resume({event_kind::start}, clock()).kind == action_kind::launch);
}

TEST_CASE("load timeout stops the child and ends in failed") {
  lifecycle m;
  m.resume({event_kind::start}, {});
  CHECK(m.resume({event_kind::load_timeout, "no loading progress for 1 s"}, {}).kind ==
        action_kind::terminate);
  CHECK(m.state() == s::stopping);
  m.resume({event_kind::exited, "exited with code 134"}, {});
  CHECK(m.state() == s::failed);
  CHECK(*m.last_error() == "no loading progress for 1 s");
}

TEST_CASE("events that do not fit the state change nothing") {
  lifecycle m;
  CHECK(m.resume({event_kind::stop}, {}).kind == action_kind::none);
  CHECK(m.resume({event_kind::ready}, {}).kind == action_kind::none);
  CHECK(m.resume({event_kind::exited, "x"}, {}).kind == action_kind::none);
  CHECK(m.state() == s::stopped);
  m.resume({event_kind::start}, {});
  CHECK(m.resume({event_kind::start}, {}).kind == action_kind::refuse);  // no double launch
  CHECK(m.history().size() == 1);
}

TEST_CASE("backoff doubles and caps") {
  lifecycle m({.restart_delay = 500ms, .max_backoff = 300000ms});
  CHECK(m.backoff(0) == 500ms);
  CHECK(m.backoff(3) == 4000ms);
  CHECK(m.backoff(40) == 300000ms);
}
