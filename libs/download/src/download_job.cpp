// run_download: one file from resolve to atomic rename, with resume, verification and retries.
#include "studio/download/download_job.hpp"

#include "studio/download/resolver.hpp"
#include "studio/download/prefix_hasher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <set>

// g++ 12 reports -Wmismatched-new-delete for these coroutines' frames (Asio's frame
// allocator's own operator new/delete pair) after inlining: a false positive.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace studio::download {
namespace net = boost::asio;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

std::optional<std::uint64_t> statvfs_free_space(const fs::path& dir) {
  struct statvfs s {};
  if (::statvfs(dir.c_str(), &s) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(s.f_bavail) * s.f_frsize;
}

namespace {

// The outcome of one attempt.
struct attempt_result {
  enum class kind { done, retry, fail, cancelled } what = kind::retry;
  std::string message;
  std::optional<std::chrono::seconds> retry_after;
  bool progressed = false;  // bytes arrived: the failure streak restarts
};

fs::path part_path(const fs::path& target) {
  auto p = target;
  p += ".part";
  return p;
}

// Ends a prefix_hasher's queued work when an attempt ends without needing its digest.
struct hasher_guard {
  std::shared_ptr<prefix_hasher> h;
  ~hasher_guard() {
    if (h) h->abandon();
  }
};

// Fetches the planned segments once: up to `connections` Range requests at a time, each
// taking the next unfetched chunk in file order when its previous one is done. Updates
// job->progress as bytes land; the written prefix is hashed meanwhile on the pool. Sets
// `writer` to the attempt's prefix_hasher, which fetch_once drains whatever the outcome.
net::awaitable<attempt_result> fetch_attempt(job_context& ctx, std::shared_ptr<job_state> job, const resolved_file& rf,
                                             const std::optional<std::string>& expected_sha,
                                             std::shared_ptr<prefix_hasher>& writer) {
  const auto& opts = ctx.opts;
  const auto target = job->spec.target;
  const auto part = part_path(target);
  upstream_file now{rf.etag, rf.size, rf.accepts_ranges};
  std::error_code ec;
  auto part_size = fs::exists(part, ec) ? fs::file_size(part, ec) : 0;
  auto segments = decide_resume(job->progress, now, ec ? 0 : part_size);
  if (!segments) {
    fs::remove(part, ec);
    segments = plan_segments(rf.size, opts.connections, opts.parallel_min_bytes, rf.accepts_ranges && rf.size > 0,
                             opts.chunk_bytes);
  } else {
    spdlog::info("download {}: resuming at {} of {} bytes", job->spec.file,
                 [&] { std::uint64_t d = 0; for (auto& s : *segments) d += s.done; return d; }(), rf.size);
  }
  job->progress = saved_progress{rf.etag, rf.size, *segments};
  auto& segs = job->progress->segments;
  const bool size_known = rf.size > 0;
  std::uint64_t have = 0, left = 0;
  for (const auto& s : segs) {
    have += s.done;
    if (size_known) left += s.left();
  }
  const std::uint64_t resumed = have;  // bytes this attempt takes on trust from disk
  const auto fetch_started = clock_type::now();
  job->downloaded = have;
  job->total = rf.size;
  ctx.changed(*job, true);

  if (auto free = opts.free_space(target.parent_path())) {
    if (auto err = check_disk_space(*free, left, opts.disk_reserve_bytes)) co_return attempt_result{attempt_result::kind::fail, *err};
  }

  int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) co_return attempt_result{attempt_result::kind::fail, "cannot open " + part.string() + ": " + std::strerror(errno)};
  struct fd_closer { int fd; ~fd_closer() { ::close(fd); } } closer{fd};
  if (segs.size() > 1 && ::ftruncate(fd, static_cast<off_t>(rf.size)) != 0)
    co_return attempt_result{attempt_result::kind::fail, "cannot size " + part.string() + ": " + std::strerror(errno)};

  // The prefix on disk (a resumed one too) is hashed on the pool while the rest arrives.
  const bool in_order = segs.size() == 1;  // one connection: its pieces are written and hashed from the pool
  prefix_hasher::options hopts;
  hopts.write_behind = in_order;
  hopts.direct_io = opts.direct_io;
  hasher_guard hasher{std::make_shared<prefix_hasher>(ctx.pool, part, expected_sha.has_value(), hopts)};
  writer = hasher.h;
  job->first_unwritten = [w = std::weak_ptr<prefix_hasher>(writer)] {
    auto h = w.lock();
    return h ? h->first_unwritten() : std::nullopt;
  };
  std::size_t first_open = 0;  // segments before it are complete
  auto prefix = [&] { return size_known ? contiguous_prefix(segs, first_open) : segs[0].next(); };
  hasher.h->advance(prefix());

  const std::size_t connections = segs.size() > 1 ? std::max(1u, opts.connections) : 1;
  // The bandwidth cap is per download: its connections share it.
  transfer_options topts = opts.transfer;
  if (topts.max_bytes_per_second > 0)
    topts.max_bytes_per_second = std::max<std::uint64_t>(1, topts.max_bytes_per_second / connections);
  bool progressed = false, restart_whole = false;
  std::string write_error;
  // The transfers of this attempt, by segment; kept until the attempt ends.
  std::vector<std::unique_ptr<http_transfer>> transfers;
  std::map<http_transfer*, std::size_t> segment_of;
  // Bytes per transfer since the stall watchdog last saw enough of them.
  struct flow {
    std::uint64_t bytes = 0, mark_bytes = 0;
    clock_type::time_point mark = clock_type::now();
  };
  std::map<http_transfer*, flow> flows;
  std::set<http_transfer*> stalled;
  auto make_transfer = [&](std::size_t i) {
    transfer_request req{rf.url, false, std::nullopt, std::nullopt};
    if (rf.send_token && !opts.hf_token.empty()) req.bearer_token = opts.hf_token;
    if (segs[i].next() > 0 || segs.size() > 1) req.range = {segs[i].next(), size_known ? segs[i].end : 0};
    auto checked = std::make_shared<bool>(false);
    auto self = std::make_shared<http_transfer*>(nullptr);  // set once the transfer exists
    auto got = std::make_shared<flow*>(nullptr);
    auto sink = [&, i, checked, self, got](std::string_view data) -> bool {
      (*got)->bytes += data.size();
      auto& s = segs[i];
      if (!*checked) {
        *checked = true;
        auto cr = (*self)->header("content-range");
        auto action = decide_body(s.next(), size_known ? s.end : 0, rf.size, (*self)->status(),
                                  cr ? std::optional<std::string_view>(*cr) : std::nullopt);
        if (action == body_action::restart_at_zero && segs.size() == 1) {
          spdlog::warn("download {}: server ignored the Range request; restarting from byte 0", job->spec.file);
          job->downloaded -= s.done;
          s.done = 0;
          first_open = 0;
          hasher.h->restart();
          if (::ftruncate(fd, 0) != 0) return false;
        } else if (action == body_action::restart_at_zero) {
          restart_whole = true;
          return false;
        } else if (action != body_action::write_at_offset) {
          return false;  // judged after the transfer from its status
        }
      }
      if (size_known && data.size() > s.left()) {
        write_error = "server sent more bytes than the file has";
        return false;
      }
      auto off = static_cast<off_t>(s.next());
      const bool behind = in_order && hasher.h->write_behind(static_cast<std::uint64_t>(off), data);
      for (std::size_t put = behind ? data.size() : 0; put < data.size();) {
        auto n = ::pwrite(fd, data.data() + put, data.size() - put, off + static_cast<off_t>(put));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          write_error = std::string("write failed: ") + std::strerror(errno);
          return false;
        }
        put += static_cast<std::size_t>(n);
      }
      s.done += data.size();
      job->downloaded += data.size();
      progressed = true;
      if (!behind) {  // else the pool writes and hashes it
        if (in_order)
          hasher.h->stage(static_cast<std::uint64_t>(off), data);
        else if (i == first_open || !size_known)
          hasher.h->advance(prefix());
      }
      ctx.changed(*job, false);
      return true;
    };
    transfers.push_back(std::make_unique<http_transfer>(req, topts, sink));
    *self = transfers.back().get();
    segment_of[*self] = i;
    *got = &flows[*self];
    return *self;
  };

  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < segs.size(); ++i)
    if (!size_known || !segs[i].complete()) todo.push_back(i);

  if (job->cancel_requested) co_return attempt_result{attempt_result::kind::cancelled, "cancelled"};
  transfer_group group(ctx.driver);
  job->group = &group;
  struct group_unset { job_state& j; ~group_unset() { j.group = nullptr; } } unset{*job};
  std::optional<attempt_result> failed;  // the first failure; the other transfers are then stopped
  bool discard = false;
  std::size_t next_todo = 0;

  // Stall watchdog: a transfer that gets fewer than low_speed_bytes/s for low_speed_seconds
  // is ended (curl's own check averages over ~5 s more, so it only backs this up).
  net::steady_timer watchdog(ctx.driver.executor());
  auto alive = std::make_shared<bool>(true);
  struct alive_guard { std::shared_ptr<bool> a; ~alive_guard() { *a = false; } } alive_until_return{alive};
  const auto window = std::chrono::seconds(std::max(1L, opts.transfer.low_speed_seconds));
  const auto enough = static_cast<std::uint64_t>(std::max(0L, opts.transfer.low_speed_bytes)) *
                      static_cast<std::uint64_t>(window.count());
  std::function<void()> arm_watchdog = [&, alive] {
    watchdog.expires_after(std::chrono::milliseconds(250));
    watchdog.async_wait([&, alive](const boost::system::error_code& wait_ec) {
      if (wait_ec || !*alive) return;
      auto now = clock_type::now();
      for (auto& [t, f] : flows) {
        if (f.bytes - f.mark_bytes >= enough) {
          f.mark = now;
          f.mark_bytes = f.bytes;
        } else if (now - f.mark >= window && group.abort(t, CURLE_OPERATION_TIMEDOUT)) {
          stalled.insert(t);
        }
      }
      arm_watchdog();
    });
  };
  if (enough > 0) arm_watchdog();

  while (true) {
    while (!failed && group.running() < connections && next_todo < todo.size()) group.start(make_transfer(todo[next_todo++]));
    auto* t = co_await group.next_done();
    if (t == nullptr) break;  // all ended, or cancelled
    auto& s = segs[segment_of.at(t)];
    long status = t->status();
    std::optional<attempt_result> r;
    if (!write_error.empty()) {
      r = attempt_result{attempt_result::kind::fail, write_error};
    } else if (restart_whole) {
      job->progress.reset();
      r = attempt_result{attempt_result::kind::retry, "server ignored Range requests; restarting", std::nullopt, true};
    } else if (status == 416) {
      auto cr = t->header("content-range");
      auto action = decide_body(rf.size, rf.size, rf.size, 416, cr ? std::optional<std::string_view>(*cr) : std::nullopt);
      bool on_disk_full = size_known && have == rf.size;
      if (action != body_action::already_complete || !on_disk_full) {
        discard = true;
        r = attempt_result{attempt_result::kind::retry, "server refused the saved range; starting over", std::nullopt, true};
      }
    } else if (status != 200 && status != 206 && status != 0) {
      auto code = t->header("x-error-code").value_or("");
      auto ra = t->header("retry-after");
      auto f = job->spec.source == "url"
                   ? classify_url_status(status, job->spec.url, ra ? std::optional<std::string_view>(*ra) : std::nullopt)
                   : classify_status(status, code, job->spec.repo, job->spec.file,
                                     ra ? std::optional<std::string_view>(*ra) : std::nullopt, !opts.hf_token.empty());
      r = attempt_result{f.transient ? attempt_result::kind::retry : attempt_result::kind::fail, f.message, f.retry_after};
    } else if (t->result() == CURLE_WRITE_ERROR) {
      r = attempt_result{attempt_result::kind::retry, "unexpected Content-Range from the file server"};
    } else if (stalled.contains(t)) {
      r = attempt_result{attempt_result::kind::retry, "stalled: under " + std::to_string(opts.transfer.low_speed_bytes) +
                                                          " bytes/s for " + std::to_string(window.count()) + " s"};
    } else if (t->result() != CURLE_OK) {
      r = attempt_result{attempt_result::kind::retry, "transfer failed: " + t->error_text()};
    } else if (size_known && !s.complete()) {
      r = attempt_result{attempt_result::kind::retry, "connection ended early"};
    }
    if (r && !failed) {
      failed = std::move(r);
      group.cancel();  // progress so far is kept; the retry resumes every unfinished chunk
    }
  }
  *alive = false;
  watchdog.cancel();
  if (job->cancel_requested) co_return attempt_result{attempt_result::kind::cancelled, "cancelled"};
  if (failed) {
    failed->progressed = progressed || failed->progressed;
    if (discard) {
      fs::remove(part, ec);
      job->progress.reset();
    }
    co_return *failed;
  }

  std::uint64_t written = 0;
  for (const auto& s : segs) written += s.done;
  if (size_known && written != rf.size)
    co_return attempt_result{attempt_result::kind::retry, "connection ended early", std::nullopt, progressed};

  // Verify (little is left to hash by now), fsync and publish.
  const auto received_at = clock_type::now();
  spdlog::info("download {}: {} bytes received in {} ms; verifying and syncing", job->spec.file, written - resumed,
               std::chrono::duration_cast<std::chrono::milliseconds>(received_at - fetch_started).count());
  auto fin = co_await hasher.h->finish(written);
  hasher.h.reset();
  if (!fin.write_error.empty()) co_return attempt_result{attempt_result::kind::fail, fin.write_error};  // ends it
  spdlog::info("download {}: {} and synced in {} ms{}", job->spec.file, expected_sha ? "hashed" : "not hashed (no checksum)",
               std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - received_at).count(),
               fin.written_behind == 0 ? std::string()
                                       : fmt::format("; {} MiB written from the pool ({} MiB with O_DIRECT), the rest by "
                                                     "the I/O thread",
                                                     fin.written_behind >> 20, fin.written_direct >> 20));
  if (expected_sha && fin.digest != *expected_sha) {
    fs::remove(part, ec);
    job->progress.reset();
    if (fin.digest.empty())
      co_return attempt_result{attempt_result::kind::retry, "could not read back " + part.string() + " to verify it; starting over"};
    if (resumed > 0 && !job->refetched_after_mismatch) {
      job->refetched_after_mismatch = true;
      co_return attempt_result{attempt_result::kind::retry,
                               "checksum mismatch after resuming with " + std::to_string(resumed) +
                                   " bytes of an earlier attempt on disk; fetching the whole file again",
                               std::nullopt, true};
    }
    co_return attempt_result{attempt_result::kind::fail,
                             "checksum mismatch: expected sha256 " + *expected_sha + ", got " + fin.digest +
                                 "; the file was removed"};
  }
  if (job->cancel_requested) co_return attempt_result{attempt_result::kind::cancelled, "cancelled"};  // while verifying
  if (!fin.synced) co_return attempt_result{attempt_result::kind::retry, "fsync failed"};
  fs::rename(part, target, ec);
  if (ec) co_return attempt_result{attempt_result::kind::fail, "cannot rename " + part.string() + ": " + ec.message()};
  int dir_fd = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  co_return attempt_result{attempt_result::kind::done, ""};
}

// One attempt; whatever its outcome, the bytes it staged for writing are in the .part file
// (or a write error is known) before the next attempt or the journal looks at the file.
net::awaitable<attempt_result> fetch_once(job_context& ctx, std::shared_ptr<job_state> job, const resolved_file& rf,
                                          const std::optional<std::string>& expected_sha) {
  std::shared_ptr<prefix_hasher> writer;
  std::exception_ptr thrown;
  attempt_result r;
  try {
    r = co_await fetch_attempt(ctx, job, rf, expected_sha, writer);
  } catch (...) {
    thrown = std::current_exception();
  }
  if (writer) {
    auto error = co_await writer->drain();
    if (!error.empty() && !thrown && r.what != attempt_result::kind::cancelled)
      r = attempt_result{attempt_result::kind::fail, error};  // e.g. the disk is full: ends the download
  }
  job->first_unwritten = nullptr;
  if (thrown) std::rethrow_exception(thrown);
  co_return r;
}

}  // namespace

net::awaitable<void> run_download(job_context ctx, std::shared_ptr<job_state> job) {
  const auto& opts = ctx.opts;
  auto ex = co_await net::this_coro::executor;
  net::steady_timer sleeper(ex);
  unsigned streak = 0;
  std::error_code ec;
  fs::create_directories(job->spec.target.parent_path(), ec);
  job->now = job_state::phase::downloading;
  job->rate_mark = clock_type::now();
  ctx.changed(*job, true);
  while (true) {
    ++job->attempts;
    attempt_result r;
    try {
      resolve_input in{opts.hf_endpoint, job->spec.repo, job->spec.revision, job->spec.hf_file, opts.hf_token};
      transfer_group group(ctx.driver);
      job->group = &group;
      std::variant<resolved_file, failure> resolved;
      if (job->spec.source == "url") {
        resolved = co_await probe_url(opts.transfer, job->spec.url, group);
      } else {
        resolved = co_await resolve(opts.transfer, in, group);
      }
      job->group = nullptr;
      if (job->cancel_requested) {
        r = {attempt_result::kind::cancelled, "cancelled"};
      } else if (auto* f = std::get_if<failure>(&resolved)) {
        r = {f->transient ? attempt_result::kind::retry : attempt_result::kind::fail, f->message, f->retry_after};
      } else {
        auto& rf = std::get<resolved_file>(resolved);
        auto expected = job->spec.sha256 ? job->spec.sha256 : rf.sha256;
        r = co_await fetch_once(ctx, job, rf, expected);
      }
    } catch (const std::exception& e) {
      r = {attempt_result::kind::fail, std::string("internal error: ") + e.what()};
    }
    if (job->cancel_requested) r.what = attempt_result::kind::cancelled;
    switch (r.what) {
      case attempt_result::kind::done:
        job->now = job_state::phase::done;
        spdlog::info("download {}: done ({} bytes)", job->spec.file, job->downloaded);
        ctx.changed(*job, true);
        co_return;
      case attempt_result::kind::cancelled:
        fs::remove(part_path(job->spec.target), ec);
        job->now = job_state::phase::cancelled;
        spdlog::info("download {}: cancelled", job->spec.file);
        ctx.changed(*job, true);
        co_return;
      case attempt_result::kind::fail:
        job->now = job_state::phase::failed;
        job->error = r.message;
        spdlog::error("download {}: {}", job->spec.file, r.message);
        ctx.changed(*job, true);
        co_return;
      case attempt_result::kind::retry:
        break;
    }
    streak = r.progressed ? 1 : streak + 1;
    if (streak >= opts.max_failures_in_a_row) {
      job->now = job_state::phase::failed;
      job->error = r.message + " (gave up after " + std::to_string(streak) + " failed attempts in a row)";
      spdlog::error("download {}: {}", job->spec.file, job->error);
      ctx.changed(*job, true);
      co_return;
    }
    auto delay = backoff_delay(streak, opts.retry_base, opts.retry_cap, r.retry_after);
    job->error = r.message;
    spdlog::warn("download {}: {}; retrying in {} ms", job->spec.file, r.message, delay.count());
    ctx.changed(*job, true);
    sleeper.expires_after(delay);
    job->sleeper = &sleeper;
    auto [wait_ec] = co_await sleeper.async_wait(net::as_tuple(net::use_awaitable));
    (void)wait_ec;
    job->sleeper = nullptr;
    if (job->cancel_requested) {
      fs::remove(part_path(job->spec.target), ec);
      job->now = job_state::phase::cancelled;
      ctx.changed(*job, true);
      co_return;
    }
  }
}

}  // namespace studio::download
