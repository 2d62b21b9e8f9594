// Waiting on observable state in integration tests: bounded polling, file
// contents, and which processes are alive.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace studio::test {

// Checks `done` every 10 ms until it holds or `limit` passes; returns its last value.
// (A polling interval on observable state, not a sleep standing in for an event.)
bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(10));

// A whole file, or "" when it cannot be read.
std::string slurp(const std::filesystem::path& path);

// Whether a pid is alive (a zombie counts as gone).
bool pid_alive(int pid);

// CPU seconds (user + system, or user only) a process has used so far, from /proc; with
// `tid`, one of its threads. 0 when it cannot be read.
double cpu_seconds(int pid, bool user_only = false, int tid = 0);

// Seconds a process (or, with `tid`, one of its threads) has waited on a run queue for a CPU
// while runnable, from /proc/.../schedstat. 0 when it cannot be read.
double run_queue_seconds(int pid, int tid = 0);

// Live processes whose command line holds "--port <port>".
int processes_on_port(unsigned short port);

}  // namespace studio::test
