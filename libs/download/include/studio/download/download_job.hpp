// One file's download as a coroutine: resolve, plan or resume byte ranges, fetch them into
// <file>.part (hashing as bytes arrive when the file is fetched in order), verify the
// SHA-256, fsync, rename atomically; retry transient failures with backoff.
#pragma once

#include "studio/download/decisions.hpp"
#include "studio/download/http_transfer.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace studio::download {

// What to fetch and where to put it.
struct download_spec {
  std::string file;                  // the catalog's file name: the queue's key
  std::filesystem::path target;      // <models-dir>/<dest>/<file>
  std::string source = "huggingface";
  std::string repo, hf_file, revision = "main";
  std::string url;                   // source "url"
  std::optional<std::string> sha256;  // catalog checksum; wins over X-Linked-Etag
};

// Free bytes on the filesystem holding a path; nullopt when unknown (the check is skipped).
using free_space_probe = std::function<std::optional<std::uint64_t>(const std::filesystem::path&)>;
std::optional<std::uint64_t> statvfs_free_space(const std::filesystem::path& dir);

struct queue_options {
  std::filesystem::path journal;  // $STUDIO_DIR/llm/downloads.json
  std::string hf_endpoint;
  std::string hf_token;           // secret
  transfer_options transfer;
  unsigned max_concurrent = 2;
  unsigned connections = 4;
  std::uint64_t parallel_min_bytes = 64ULL << 20;
  std::uint64_t chunk_bytes = 32ULL << 20;  // parallel downloads fetch chunks of this size in order
  bool direct_io = true;  // one connection's whole pages written with O_DIRECT where the file system takes it
  unsigned max_failures_in_a_row = 5;
  std::chrono::milliseconds retry_base{1000};
  std::chrono::milliseconds retry_cap{60000};
  std::uint64_t disk_reserve_bytes = 512ULL << 20;  // free space to keep beyond the download
  free_space_probe free_space = statvfs_free_space;
  std::chrono::milliseconds progress_interval{250};  // at most this often per download
};

// A snapshot of one download for the API.
struct job_view {
  std::string file;
  std::string status;  // queued, downloading, failed
  std::uint64_t downloaded_bytes = 0;
  std::uint64_t total_bytes = 0;
  double bytes_per_second = 0;
  std::optional<double> eta_seconds;
  std::string error;
  unsigned attempts = 0;
};

// The live state of one download, shared by the queue and its coroutine.
struct job_state {
  enum class phase { queued, downloading, done, failed, cancelled };
  download_spec spec;
  bool force = false;
  phase now = phase::queued;
  std::optional<saved_progress> progress;  // what is on disk, for the journal
  std::uint64_t downloaded = 0, total = 0;
  double bytes_per_second = 0;
  std::string error;
  unsigned attempts = 0;
  bool cancel_requested = false;
  // A checksum mismatch after resuming from bytes already on disk (which a crash of the
  // machine may have left unwritten while the journal counted them) fetches the whole
  // file once more before it fails.
  bool refetched_after_mismatch = false;
  // While an attempt runs: the first byte it received that may not be in the .part file yet
  // (staged in memory, written from the pool); the journal saves no progress past it.
  std::function<std::optional<std::uint64_t>()> first_unwritten;
  transfer_group* group = nullptr;               // the running requests, to cancel them
  boost::asio::steady_timer* sleeper = nullptr;  // the backoff wait, to cancel it
  std::chrono::steady_clock::time_point rate_mark{};
  std::uint64_t rate_mark_bytes = 0;
};

struct job_context {
  curl_multi_driver& driver;
  const queue_options& opts;
  boost::asio::thread_pool& pool;
  // Called on progress (state_changed false, already throttled by the caller) and on phase changes.
  std::function<void(job_state&, bool state_changed)> changed;
};

// Runs the download to an end (done, failed or cancelled); never throws.
boost::asio::awaitable<void> run_download(job_context ctx, std::shared_ptr<job_state> job);

}  // namespace studio::download
