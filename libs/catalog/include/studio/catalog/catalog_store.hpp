// Where the catalog comes from and the catalog currently in force: loaded from --catalog, else
// $STUDIO_DIR/llm/catalog.json, else the copy built into the binary. A file that changes on
// disk is re-read on the next current() call; a bad file is logged and the last good catalog
// stays in force.
#pragma once

#include "studio/catalog/catalog.hpp"

#include <filesystem>
#include <memory>
#include <optional>

namespace studio::catalog {

// The catalog/catalog.json shipped with the sources, embedded at build time.
std::string_view builtin_catalog_json();

class catalog_store {
 public:
  // `configured`: --catalog; `studio_dir`: for llm/catalog.json. Loads at once; an invalid
  // file is logged and leaves the built-in catalog in force (the built-in one is checked by a
  // unit test, so it always parses).
  catalog_store(std::optional<std::filesystem::path> configured, const std::filesystem::path& studio_dir);

  // The catalog in force. One stat of the source file per call (re-read when its mtime or size
  // changed). Call from the I/O thread only.
  std::shared_ptr<const catalog> current();

  // The last load error (empty when the source loaded cleanly).
  const std::string& last_error() const { return last_error_; }
  // The file in use, or empty for the built-in catalog.
  const std::filesystem::path& source() const { return source_; }

 private:
  void reload_if_changed();

  std::filesystem::path source_;
  std::filesystem::file_time_type mtime_{};
  std::uintmax_t size_ = 0;
  std::shared_ptr<const catalog> current_;
  std::string last_error_;
};

}  // namespace studio::catalog
