// The admin instance's saved options, $STUDIO_DIR/llm/config.json: loaded once
// at start (a corrupt file is set aside and replaced by defaults), saved
// atomically (temp file, fsync, rename). The in-memory copy is what the next
// start uses and what chat requests take their sampling defaults from.
// Safe to call from several I/O threads (--threads > 1): a small mutex guards the copy.
#pragma once

#include <boost/json/object.hpp>

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

namespace studio::supervisor {

class llm_config_store {
 public:
  explicit llm_config_store(std::filesystem::path file) : file_(std::move(file)) {}

  // Reads the file. Missing: defaults. Unreadable, invalid JSON or invalid options:
  // defaults, the bad file renamed to config.json.bad-<time>, and a warning returned.
  std::optional<std::string> load();
  // Merges `updates` (already validated) into the config and saves it. Throws
  // std::runtime_error naming the file when it cannot be written.
  boost::json::object update(const boost::json::object& updates);

  boost::json::object config() const;
  // The config without internal keys (those starting with '_'), as responses show it.
  boost::json::object visible() const;
  const std::filesystem::path& file() const { return file_; }

 private:
  void save() const;
  mutable std::mutex mutex_;
  std::filesystem::path file_;
  boost::json::object config_;
};

}  // namespace studio::supervisor
