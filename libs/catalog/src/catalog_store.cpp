// catalog_store: choose the catalog source, load it, re-read it when it changes, keep the last good one.
#include "studio/catalog/catalog_store.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

namespace studio::catalog {

catalog_store::catalog_store(std::optional<std::filesystem::path> configured,
                             const std::filesystem::path& studio_dir) {
  std::error_code ec;
  if (configured) {
    source_ = *configured;
  } else if (auto local = studio_dir / "llm" / "catalog.json"; std::filesystem::exists(local, ec)) {
    source_ = local;
  }
  auto builtin = parse_catalog(builtin_catalog_json());
  if (auto* cat = std::get_if<catalog>(&builtin)) current_ = std::make_shared<const catalog>(std::move(*cat));
  else current_ = std::make_shared<const catalog>();
  reload_if_changed();
  if (source_.empty()) spdlog::info("catalog: built-in, {} models", model_count(*current_));
}

std::shared_ptr<const catalog> catalog_store::current() {
  reload_if_changed();
  return current_;
}

void catalog_store::reload_if_changed() {
  if (source_.empty()) return;
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(source_, ec);
  auto size = ec ? 0 : std::filesystem::file_size(source_, ec);
  if (ec) {
    if (last_error_.empty()) spdlog::error("catalog {}: {}; keeping the catalog in force", source_.string(), ec.message());
    last_error_ = "cannot read " + source_.string() + ": " + ec.message();
    return;
  }
  if (mtime == mtime_ && size == size_) return;
  mtime_ = mtime;
  size_ = size;
  std::ifstream in(source_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = parse_catalog(text.str());
  if (auto* err = std::get_if<catalog_error>(&parsed)) {
    last_error_ = source_.string() + ": " + err->message;
    spdlog::error("catalog {}; keeping the catalog in force", last_error_);
    return;
  }
  current_ = std::make_shared<const catalog>(std::move(std::get<catalog>(parsed)));
  last_error_.clear();
  spdlog::info("catalog: {} models from {}", model_count(*current_), source_.string());
}

}  // namespace studio::catalog
