// The llamactl instances' persistent records: one JSON file per instance under
// $STUDIO_DIR/instances/<name>.json, written atomically (temp file, fsync, rename).
// Blocking file I/O: call it off the event loop (services::file_work) or at start-up.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace studio::api {

struct llamactl_record {
  std::string name;
  std::int64_t created = 0;     // unix seconds
  boost::json::object options;  // validated instance options (llama_options.hpp)
  bool running = false;         // started by the user (restored as running at gateway start)
};

// Letters, digits, '-', '_', '.'; 1..64 characters; not "." or "..".
bool valid_instance_name(std::string_view name);

boost::json::object to_json(const llamactl_record& record);
// nullopt-like: throws std::invalid_argument naming what is wrong.
llamactl_record record_from_json(const boost::json::value& value);

class llamactl_store {
 public:
  explicit llamactl_store(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Every readable record; a corrupt or unreadable file is logged (warn) and skipped.
  std::vector<llamactl_record> load() const;
  // Writes <name>.json atomically; throws std::system_error on failure.
  void save(const llamactl_record& record) const;
  // Removes <name>.json; a missing file is fine. Throws std::system_error on failure.
  void erase(std::string_view name) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace studio::api
