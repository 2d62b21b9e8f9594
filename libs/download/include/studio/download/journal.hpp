// The persisted download queue ($STUDIO_DIR/llm/downloads.json): pending and running
// downloads with the byte ranges already on disk, so a restarted gateway resumes them.
#pragma once

#include "studio/download/decisions.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace studio::download {

struct journal_entry {
  std::string file;                       // catalog file name
  bool force = false;                     // re-download over a present file
  std::optional<saved_progress> progress;  // none until the upstream file was resolved
  friend bool operator==(const journal_entry& a, const journal_entry& b) {
    return a.file == b.file && a.force == b.force && a.progress.has_value() == b.progress.has_value() &&
           (!a.progress || (a.progress->etag == b.progress->etag && a.progress->size == b.progress->size &&
                            a.progress->segments == b.progress->segments));
  }
};

// JSON text <-> entries. Pure. parse skips malformed entries and returns an empty list for bad JSON.
std::string serialize_journal(const std::vector<journal_entry>& entries);
std::vector<journal_entry> parse_journal(std::string_view text);

// Atomic write (temp file + rename); false (logged) on failure. `durable`: the temp file is
// fsynced before the rename (queue changes). The once-a-second progress saves are not: on ext4
// (data=ordered) an fsync while a download writes also flushes the download's data, which
// took 0.2-0.8 s each time on the development VM and stalled the I/O thread's writes for as
// long; a killed gateway finds the renamed file in the page cache all the same.
bool save_journal(const std::filesystem::path& path, const std::vector<journal_entry>& entries, bool durable = true);
std::vector<journal_entry> load_journal(const std::filesystem::path& path);

}  // namespace studio::download
