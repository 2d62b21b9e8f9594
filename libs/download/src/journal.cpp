// The download journal: JSON form, atomic save, tolerant load.
#include "studio/download/journal.hpp"

#include <boost/json.hpp>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace studio::download {
namespace json = boost::json;

std::string serialize_journal(const std::vector<journal_entry>& entries) {
  json::array list;
  for (const auto& e : entries) {
    json::object o{{"file", e.file}, {"force", e.force}};
    if (e.progress) {
      json::array segs;
      for (const auto& s : e.progress->segments) segs.push_back(json::array{s.start, s.end, s.done});
      o["etag"] = e.progress->etag;
      o["size"] = e.progress->size;
      o["segments"] = std::move(segs);
    }
    list.push_back(std::move(o));
  }
  return json::serialize(json::object{{"version", 1}, {"downloads", std::move(list)}});
}

std::vector<journal_entry> parse_journal(std::string_view text) {
  std::vector<journal_entry> out;
  boost::system::error_code ec;
  auto root = json::parse(text, ec);
  if (ec || !root.is_object()) return out;
  const auto* list = root.as_object().if_contains("downloads");
  if (list == nullptr || !list->is_array()) return out;
  for (const auto& v : list->as_array()) {
    const auto* o = v.if_object();
    if (o == nullptr || !o->contains("file") || !o->at("file").is_string()) continue;
    journal_entry e;
    e.file = std::string(o->at("file").as_string());
    if (const auto* f = o->if_contains("force"); f && f->is_bool()) e.force = f->as_bool();
    const auto* segs = o->if_contains("segments");
    if (segs && segs->is_array() && o->contains("etag") && o->contains("size")) {
      try {
        saved_progress p;
        p.etag = std::string(o->at("etag").as_string());
        p.size = o->at("size").to_number<std::uint64_t>();
        for (const auto& s : segs->as_array()) {
          const auto& a = s.as_array();
          p.segments.push_back(segment{a.at(0).to_number<std::uint64_t>(), a.at(1).to_number<std::uint64_t>(),
                                       a.at(2).to_number<std::uint64_t>()});
        }
        e.progress = std::move(p);
      } catch (const std::exception&) {
        e.progress.reset();  // keep the entry, restart its bytes
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

bool save_journal(const std::filesystem::path& path, const std::vector<journal_entry>& entries, bool durable) {
  auto text = serialize_journal(entries);
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            (!durable || ::fsync(fd) == 0);
  if (fd >= 0) ::close(fd);
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, path, ec);
  if (!ok || ec) {
    spdlog::error("cannot write download journal {}", path.string());
    return false;
  }
  return true;
}

std::vector<journal_entry> load_journal(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_journal(text.str());
}

}  // namespace studio::download
