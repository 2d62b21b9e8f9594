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

// Atomic write (temp file + fsync + rename); false (logged) on failure. Small file: fine on the loop.
bool save_journal(const std::filesystem::path& path, const std::vector<journal_entry>& entries);
std::vector<journal_entry> load_journal(const std::filesystem::path& path);

}  // namespace studio::download
