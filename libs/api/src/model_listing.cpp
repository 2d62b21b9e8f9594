// Building the model listing: catalog fields, status from the queue and the disk.
#include "model_listing.hpp"

#include <boost/json/array.hpp>
#include <sys/stat.h>

namespace studio::api {
namespace json = boost::json;
namespace fs = std::filesystem;

fs::path model_path(const fs::path& models_dir, const catalog::model_entry& m, const std::string& file) {
  return m.dest == "." ? models_dir / file : models_dir / m.dest / file;
}

download::download_spec spec_for(const fs::path& models_dir, const catalog::model_entry& m, const std::string& file) {
  download::download_spec s;
  s.file = file;
  s.target = model_path(models_dir, m, file);
  s.source = m.source;
  s.repo = m.hf_repo;
  s.revision = m.hf_revision;
  s.url = m.url;
  if (file == m.file) {
    s.hf_file = m.hf_file;
    s.sha256 = m.sha256;
  } else {
    for (const auto& c : m.companions)
      if (c.file == file) {
        s.hf_file = c.hf_file;
        s.url = c.url;
      }
  }
  return s;
}

json::object download_json(const download::job_view& v) {
  json::object d{{"downloaded_bytes", v.downloaded_bytes},
                 {"total_bytes", v.total_bytes},
                 {"bytes_per_second", v.bytes_per_second},
                 {"attempts", v.attempts}};
  d["eta_seconds"] = v.eta_seconds ? json::value(*v.eta_seconds) : json::value(nullptr);
  d["error"] = v.error.empty() ? json::value(nullptr) : json::value(v.error);
  return d;
}

namespace {

struct file_status {
  std::string status;
  std::optional<std::uint64_t> on_disk;
  std::optional<download::job_view> job;
};

// Queued/downloading wins; then a file on disk; then a failed download; else missing.
file_status status_of(const fs::path& path, const std::string& file, const download::download_queue& queue) {
  file_status st;
  st.job = queue.find(file);
  struct ::stat sb {};  // one stat per file: the listing stays cheap
  bool present = ::stat(path.c_str(), &sb) == 0 && S_ISREG(sb.st_mode);
  if (present) st.on_disk = static_cast<std::uint64_t>(sb.st_size);
  if (st.job && st.job->status != "failed") st.status = st.job->status;
  else if (present) st.status = "present";
  else if (st.job) st.status = "failed";
  else st.status = "missing";
  if (st.status == "present") st.job.reset();
  return st;
}

void put_status(json::object& o, const file_status& st) {
  o["status"] = st.status;
  if (st.status == "present" && st.on_disk) o["on_disk_bytes"] = *st.on_disk;
  if (st.job) o["download"] = download_json(*st.job);
}

}  // namespace

json::object list_models(const catalog::catalog& cat, const fs::path& models_dir,
                         const download::download_queue& queue) {
  std::int64_t total = 0, present = 0, downloading = 0, queued = 0, failed = 0;
  json::array categories;
  for (const auto& c : cat.categories) {
    json::array models;
    for (const auto& m : c.models) {
      json::object o{{"name", m.name}, {"file", m.file}, {"dest", m.dest}, {"size_gb", m.size_gb}, {"source", m.source}};
      if (m.source == "huggingface") o["hf_repo"] = m.hf_repo;
      else o["url"] = m.url;
      if (m.hf_file != m.file && !m.hf_file.empty()) o["hf_file"] = m.hf_file;
      if (m.quant) o["quant"] = *m.quant;
      if (m.params) o["params"] = *m.params;
      if (m.context_default) o["context_default"] = *m.context_default;
      if (!m.tags.empty()) {
        json::array tags;
        for (const auto& t : m.tags) tags.push_back(json::value(t));
        o["tags"] = std::move(tags);
      }
      auto st = status_of(model_path(models_dir, m, m.file), m.file, queue);
      put_status(o, st);
      if (!m.companions.empty()) {
        json::array comps;
        for (const auto& comp : m.companions) {
          json::object co{{"file", comp.file}};
          put_status(co, status_of(model_path(models_dir, m, comp.file), comp.file, queue));
          comps.push_back(std::move(co));
        }
        o["companions"] = std::move(comps);
      }
      ++total;
      present += st.status == "present";
      downloading += st.status == "downloading";
      queued += st.status == "queued";
      failed += st.status == "failed";
      models.push_back(std::move(o));
    }
    categories.push_back(json::object{{"id", c.id}, {"name", c.name}, {"models", std::move(models)}});
  }
  return json::object{{"version", cat.version},
                      {"date", cat.date},
                      {"categories", std::move(categories)},
                      {"summary", json::object{{"total", total},
                                               {"present", present},
                                               {"downloading", downloading},
                                               {"queued", queued},
                                               {"failed", failed}}}};
}

}  // namespace studio::api
