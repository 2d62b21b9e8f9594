// Pidfiles of supervised children under $STUDIO_DIR/run/, and the clean-up at
// gateway start of children a previous run left behind.
//
// A pidfile <run_dir>/<instance>.pid holds three lines: the pid, the executable
// path and the port. A leftover is killed only when /proc/<pid>/exe is that
// executable and /proc/<pid>/cmdline carries "--port <port>": never a stranger.
#pragma once

#include <sys/types.h>
#include <filesystem>
#include <string>
#include <vector>

namespace studio::supervisor {

struct pidfile_entry {
  pid_t pid = 0;
  std::filesystem::path executable;
  unsigned short port = 0;
};

// Writes the pidfile atomically (temp file + rename). False on failure.
bool write_pidfile(const std::filesystem::path& file, const pidfile_entry& entry);
bool read_pidfile(const std::filesystem::path& file, pidfile_entry& entry);
void remove_pidfile(const std::filesystem::path& file);

// Whether the live process `pid` is the child a pidfile describes (reads /proc).
bool is_our_child(const pidfile_entry& entry);

struct leftover_report {
  std::vector<std::string> killed;   // "instance (pid N)"
  std::vector<std::string> skipped;  // "instance (pid N): why"
};

// For each *.pid in run_dir: SIGKILL the process group of a verified leftover,
// then remove the pidfile (stale or not). Meant for startup, before any launch.
leftover_report kill_leftovers(const std::filesystem::path& run_dir);

}  // namespace studio::supervisor
