// download_queue: admission (N at a time), cancellation, snapshots, events and the journal.
#include "studio/download/download_queue.hpp"

#include "studio/download/journal.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <cmath>

namespace studio::download {
namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

const char* status_name(job_state::phase p) {
  switch (p) {
    case job_state::phase::queued: return "queued";
    case job_state::phase::downloading: return "downloading";
    case job_state::phase::done: return "present";
    case job_state::phase::failed: return "failed";
    case job_state::phase::cancelled: return "cancelled";
  }
  return "unknown";
}

std::string sse_frame(const char* event, const job_view& v) {
  boost::json::object o{{"file", v.file},
                        {"status", v.status},
                        {"downloaded_bytes", v.downloaded_bytes},
                        {"total_bytes", v.total_bytes},
                        {"bytes_per_second", std::llround(v.bytes_per_second)},  // whole bytes/s
                        {"attempts", v.attempts}};
  o["eta_seconds"] = v.eta_seconds ? boost::json::value(std::llround(std::ceil(*v.eta_seconds))) : boost::json::value(nullptr);
  o["error"] = v.error.empty() ? boost::json::value(nullptr) : boost::json::value(v.error);
  return std::string("event: ") + event + "\ndata: " + boost::json::serialize(o) + "\n\n";
}

}  // namespace

download_queue::download_queue(net::any_io_executor ex, queue_options opts)
    : ex_(net::make_strand(ex)), opts_(std::move(opts)), driver_(ex_) {}

// Running downloads end with the io_context (their frames are destroyed, not resumed); the
// journal keeps them for the next start.
download_queue::~download_queue() { pool_.join(); }

job_view download_queue::view_of(const job_state& job) {
  job_view v;
  v.file = job.spec.file;
  v.status = status_name(job.now);
  v.downloaded_bytes = job.downloaded;
  v.total_bytes = job.total;
  v.bytes_per_second = job.bytes_per_second;
  if (job.bytes_per_second > 0 && job.total >= job.downloaded)
    v.eta_seconds = static_cast<double>(job.total - job.downloaded) / job.bytes_per_second;
  v.error = job.error;
  v.attempts = job.attempts;
  return v;
}

download_queue::enqueue_result download_queue::enqueue(download_spec spec, bool force) {
  for (const auto& job : jobs_) {
    if (job->spec.file == spec.file)
      return job->now == job_state::phase::queued ? enqueue_result::already_queued : enqueue_result::already_downloading;
  }
  failed_.erase(spec.file);
  auto job = std::make_shared<job_state>();
  job->spec = std::move(spec);
  job->force = force;
  jobs_.push_back(job);
  events_.publish(sse_frame("state", view_of(*job)));
  persist();
  start_ready();
  return enqueue_result::queued;
}

bool download_queue::cancel(const std::string& file) {
  for (auto it = jobs_.begin(); it != jobs_.end(); ++it) {
    auto job = *it;
    if (job->spec.file != file) continue;
    job->cancel_requested = true;
    if (job->now == job_state::phase::queued) {
      jobs_.erase(it);
      std::error_code ec;
      auto part = job->spec.target;
      part += ".part";
      std::filesystem::remove(part, ec);
      job->now = job_state::phase::cancelled;
      events_.publish(sse_frame("state", view_of(*job)));
      persist();
      return true;
    }
    if (job->group != nullptr) job->group->cancel();
    if (job->sleeper != nullptr) job->sleeper->cancel();
    return true;  // the coroutine ends, removes the .part and reports
  }
  return false;
}

std::optional<job_view> download_queue::find(const std::string& file) const {
  for (const auto& job : jobs_)
    if (job->spec.file == file) return view_of(*job);
  if (auto it = failed_.find(file); it != failed_.end()) return it->second;
  return std::nullopt;
}

std::vector<job_view> download_queue::list() const {
  std::vector<job_view> out;
  for (const auto& job : jobs_) out.push_back(view_of(*job));
  return out;
}

void download_queue::restore(const std::function<std::optional<download_spec>(const std::string&)>& lookup) {
  for (auto& entry : load_journal(opts_.journal)) {
    auto spec = lookup(entry.file);
    if (!spec) {
      spdlog::warn("download journal: {} is no longer in the catalog; dropped", entry.file);
      continue;
    }
    auto job = std::make_shared<job_state>();
    job->spec = std::move(*spec);
    job->force = entry.force;
    job->progress = entry.progress;
    jobs_.push_back(job);
    spdlog::info("download {}: restored from the journal", job->spec.file);
  }
  start_ready();
}

void download_queue::start_ready() {
  unsigned running = 0;
  for (const auto& job : jobs_)
    if (job->now == job_state::phase::downloading) ++running;
  for (auto& job : jobs_) {
    if (running >= opts_.max_concurrent) break;
    if (job->now != job_state::phase::queued) continue;
    ++running;
    job->now = job_state::phase::downloading;
    job_context ctx{driver_, opts_, pool_, [this](job_state& j, bool state_changed) { on_change(j, state_changed); }};
    net::co_spawn(ex_, run_download(std::move(ctx), job), [this, job](std::exception_ptr e) {
      if (e) {
        job->now = job_state::phase::failed;
        job->error = "internal error";
        spdlog::error("download {}: ended by an exception", job->spec.file);
      }
      finished(job);
    });
  }
}

void download_queue::on_change(job_state& job, bool state_changed) {
  auto now = clock_type::now();
  if (!state_changed && now - job.rate_mark < opts_.progress_interval) return;
  auto elapsed = std::chrono::duration<double>(now - job.rate_mark).count();
  if (elapsed > 0 && job.downloaded >= job.rate_mark_bytes) {
    double rate = static_cast<double>(job.downloaded - job.rate_mark_bytes) / elapsed;
    job.bytes_per_second = job.bytes_per_second == 0 ? rate : 0.5 * job.bytes_per_second + 0.5 * rate;
  }
  job.rate_mark = now;
  job.rate_mark_bytes = job.downloaded;
  if (job.now == job_state::phase::done || job.now == job_state::phase::cancelled) return;  // finished() reports
  events_.publish(sse_frame(state_changed ? "state" : "progress", view_of(job)));
  if (state_changed || now - last_persist_ >= std::chrono::seconds(1)) persist(state_changed);
}

void download_queue::finished(const std::shared_ptr<job_state>& job) {
  jobs_.remove(job);
  if (job->now == job_state::phase::failed) failed_[job->spec.file] = view_of(*job);
  job->bytes_per_second = 0;
  events_.publish(sse_frame("state", view_of(*job)));
  persist();
  start_ready();
}

void download_queue::persist(bool durable) {
  last_persist_ = clock_type::now();
  std::vector<journal_entry> entries;
  for (const auto& job : jobs_) {
    entries.push_back(journal_entry{job->spec.file, job->force, job->progress});
    if (auto& p = entries.back().progress; p && job->first_unwritten)
      if (auto first = job->first_unwritten()) clamp_to_written(*p, *first);  // only what is in the file
  }
  net::post(journal_writer_, [path = opts_.journal, entries = std::move(entries), durable] {
    save_journal(path, entries, durable);
  });
}

}  // namespace studio::download
