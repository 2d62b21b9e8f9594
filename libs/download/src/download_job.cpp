// run_download: one file from resolve to atomic rename, with resume, verification and retries.
#include "studio/download/download_job.hpp"

#include "studio/download/resolver.hpp"
#include "studio/download/sha256_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>
#include <unistd.h>

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

// Runs `fn` on the pool and comes back to the I/O executor.
template <class Fn>
net::awaitable<std::invoke_result_t<Fn>> on_pool(net::thread_pool& pool, Fn fn) {
  auto home = co_await net::this_coro::executor;
  co_await net::post(pool.get_executor(), net::use_awaitable);
  auto result = fn();
  co_await net::post(home, net::use_awaitable);
  co_return result;
}

// Fetches the planned segments once. Updates job->progress as bytes land.
net::awaitable<attempt_result> fetch_once(job_context& ctx, std::shared_ptr<job_state> job, const resolved_file& rf,
                                          const std::optional<std::string>& expected_sha) {
  const auto& opts = ctx.opts;
  const auto target = job->spec.target;
  const auto part = part_path(target);
  upstream_file now{rf.etag, rf.size, rf.accepts_ranges};
  std::error_code ec;
  auto part_size = fs::exists(part, ec) ? fs::file_size(part, ec) : 0;
  auto segments = decide_resume(job->progress, now, ec ? 0 : part_size);
  if (!segments) {
    fs::remove(part, ec);
    segments = plan_segments(rf.size, opts.connections, opts.parallel_min_bytes, rf.accepts_ranges && rf.size > 0);
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

  bool streaming = segs.size() == 1 && segs[0].start == 0;
  sha256_stream hasher;
  if (streaming && expected_sha && segs[0].done > 0) {
    auto prefix = segs[0].done;
    bool ok = co_await on_pool(ctx.pool, [&] { return hash_file_prefix(part, prefix, hasher); });
    if (!ok) {
      segs[0].done = 0;
      job->downloaded = 0;
      hasher.reset();
      if (::ftruncate(fd, 0) != 0) co_return attempt_result{attempt_result::kind::retry, "cannot truncate partial file"};
    }
  }

  bool progressed = false, restart_whole = false, discard = false;
  std::string write_error;
  std::vector<std::unique_ptr<http_transfer>> transfers;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (size_known && segs[i].complete()) continue;
    transfer_request req{rf.url, false, std::nullopt, std::nullopt};
    if (rf.send_token && !opts.hf_token.empty()) req.bearer_token = opts.hf_token;
    if (segs[i].next() > 0 || segs.size() > 1) req.range = {segs[i].next(), size_known ? segs[i].end : 0};
    auto checked = std::make_shared<bool>(false);
    auto self = std::make_shared<http_transfer*>(nullptr);  // set once the transfer exists
    auto sink = [&, i, checked, self](std::string_view data) -> bool {
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
          hasher.reset();
          streaming = true;
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
      std::size_t put = 0;
      while (put < data.size()) {
        auto n = ::pwrite(fd, data.data() + put, data.size() - put, off + static_cast<off_t>(put));
        if (n < 0) {
          write_error = std::string("write failed: ") + std::strerror(errno);
          return false;
        }
        put += static_cast<std::size_t>(n);
      }
      if (streaming && expected_sha) hasher.update(data);
      s.done += data.size();
      job->downloaded += data.size();
      progressed = true;
      ctx.changed(*job, false);
      return true;
    };
    transfers.push_back(std::make_unique<http_transfer>(req, opts.transfer, sink));
    *self = transfers.back().get();
  }

  if (job->cancel_requested) co_return attempt_result{attempt_result::kind::cancelled, "cancelled"};  // during hashing
  transfer_group group(ctx.driver);
  job->group = &group;
  std::vector<http_transfer*> raw;
  for (auto& t : transfers) raw.push_back(t.get());
  co_await group.run(raw);
  job->group = nullptr;
  if (job->cancel_requested) co_return attempt_result{attempt_result::kind::cancelled, "cancelled"};

  attempt_result failed{attempt_result::kind::retry, ""};
  failed.progressed = progressed;
  for (auto* t : raw) {
    long status = t->status();
    if (!write_error.empty())
      co_return attempt_result{attempt_result::kind::fail, write_error, std::nullopt, progressed};
    if (restart_whole) {
      job->progress.reset();
      co_return attempt_result{attempt_result::kind::retry, "server ignored Range requests; restarting", std::nullopt, true};
    }
    if (status == 416) {
      auto cr = t->header("content-range");
      auto action = decide_body(rf.size, rf.size, rf.size, 416, cr ? std::optional<std::string_view>(*cr) : std::nullopt);
      bool on_disk_full = size_known && have == rf.size;
      if (action == body_action::already_complete && on_disk_full) continue;  // nothing was missing
      discard = true;
      continue;
    }
    if (status != 200 && status != 206 && status != 0) {
      auto code = t->header("x-error-code").value_or("");
      auto ra = t->header("retry-after");
      auto f = classify_status(status, code, job->spec.repo, job->spec.file,
                               ra ? std::optional<std::string_view>(*ra) : std::nullopt, !opts.hf_token.empty());
      co_return attempt_result{f.transient ? attempt_result::kind::retry : attempt_result::kind::fail, f.message,
                               f.retry_after, progressed};
    }
    if (t->result() == CURLE_WRITE_ERROR) {
      co_return attempt_result{attempt_result::kind::retry, "unexpected Content-Range from the file server", std::nullopt, progressed};
    }
    if (t->result() != CURLE_OK && failed.message.empty()) failed.message = "transfer failed: " + t->error_text();
  }
  if (discard) {
    fs::remove(part, ec);
    job->progress.reset();
    co_return attempt_result{attempt_result::kind::retry, "server refused the saved range; starting over", std::nullopt, true};
  }
  if (!failed.message.empty()) co_return failed;

  std::uint64_t written = 0;
  for (const auto& s : segs) written += s.done;
  if (size_known && written != rf.size)
    co_return attempt_result{attempt_result::kind::retry, "connection ended early", std::nullopt, progressed};

  // Verify, fsync and publish.
  if (expected_sha) {
    std::string digest;
    if (streaming) {
      digest = hasher.finish();
    } else {
      digest = co_await on_pool(ctx.pool, [&] {
        sha256_stream h;
        return hash_file_prefix(part, written, h) ? h.finish() : std::string();
      });
    }
    if (digest != *expected_sha) {
      fs::remove(part, ec);
      job->progress.reset();
      co_return attempt_result{attempt_result::kind::fail,
                               "checksum mismatch: expected sha256 " + *expected_sha + ", got " + digest +
                                   "; the file was removed"};
    }
  }
  int sync_fd = fd;
  bool synced = co_await on_pool(ctx.pool, [sync_fd] { return ::fsync(sync_fd) == 0; });
  if (!synced) co_return attempt_result{attempt_result::kind::retry, "fsync failed"};
  fs::rename(part, target, ec);
  if (ec) co_return attempt_result{attempt_result::kind::fail, "cannot rename " + part.string() + ": " + ec.message()};
  int dir_fd = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  co_return attempt_result{attempt_result::kind::done, ""};
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
        resolved = resolved_file{job->spec.url, false, 0, "", std::nullopt, "", false};
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
