// Hashing a file while it is being written, so the verify and fsync at the end have little
// left to do: as the written prefix grows, its new bytes are read back (from the page cache)
// and fed to SHA-256 on a strand of the worker pool, in parallel with the I/O thread's TLS
// and writes, and their writeback to disk is started. Works for in-order and chunked
// parallel downloads alike. (Hashing on the I/O thread instead measured slower: that thread
// is the bottleneck; see bench/README.md.)
#pragma once

#include "studio/download/sha256_stream.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace studio::download {

class prefix_hasher : public std::enable_shared_from_this<prefix_hasher> {
 public:
  struct result {
    std::string digest;  // empty: the file could not be read back (or hashing was off)
    bool synced = false;  // fsync succeeded
  };

  // Opens its own descriptor of `path` (which must exist); throws std::runtime_error when it
  // cannot. `hash` false: only writeback and the final fsync. `step`: bytes to gather before a job.
  prefix_hasher(boost::asio::thread_pool& pool, const std::filesystem::path& path, bool hash,
                std::uint64_t step = 8ULL << 20);
  ~prefix_hasher();
  prefix_hasher(const prefix_hasher&) = delete;
  prefix_hasher& operator=(const prefix_hasher&) = delete;

  // I/O thread: the first `written` bytes of the file are on it. Cheap when little is new.
  void advance(std::uint64_t written);
  // I/O thread: the file was truncated; hashing starts again from byte 0.
  void restart();
  // Hashes up to `length`, fsyncs, and returns; runs after all work queued before it.
  boost::asio::awaitable<result> finish(std::uint64_t length);
  // Queued work is skipped from now on (the download ended without needing the digest).
  void abandon() { abandoned_ = true; }

 private:
  void hash_range(std::uint64_t from, std::uint64_t to);  // on the strand

  boost::asio::strand<boost::asio::thread_pool::executor_type> strand_;
  int fd_ = -1;
  bool hash_;
  std::uint64_t step_;
  std::uint64_t queued_ = 0;     // I/O thread: prefix handed to the strand
  std::uint64_t writeback_ = 0;  // I/O thread: prefix whose writeback was started
  std::atomic<bool> abandoned_ = false;
  // Strand only:
  sha256_stream sha_;
  std::uint64_t hashed_ = 0;
  bool failed_ = false;
  std::vector<char> buf_;
};

}  // namespace studio::download
