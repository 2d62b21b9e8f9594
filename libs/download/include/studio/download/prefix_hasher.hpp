// Hashing a file while it is being written, so the verify and fsync at the end have little
// left to do, on a strand of the worker pool, in parallel with the I/O thread's TLS.
// Two ways in, used one at a time per attempt:
//  - advance(): the caller pwrite()s (chunked parallel downloads, bytes out of order); as the
//    written prefix grows, its new bytes are read back from the page cache and hashed.
//  - stage(): the bytes arrive in file order (one connection); they are copied into a few
//    large buffers, and each full buffer is written, hashed while cache-hot and its writeback
//    started on the strand: no read-back, and no write syscalls on the I/O thread.
// Either way the writeback of finished pieces is started early (sync_file_range). (Hashing
// on the I/O thread instead measured slower: that thread is the bottleneck; see
// bench/README.md.)
#pragma once

#include "studio/download/sha256_stream.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace studio::download {

class prefix_hasher : public std::enable_shared_from_this<prefix_hasher> {
 public:
  struct result {
    std::string digest;  // empty: the file could not be read back (or hashing was off)
    bool synced = false;  // fsync succeeded
    std::string write_error;  // a staged write failed (then no digest)
  };

  // Opens its own descriptor of `path` (which must exist); throws std::runtime_error when it
  // cannot. `hash` false: only writing, writeback and the final fsync. `step`: bytes to gather
  // before a read-back or writeback job. Staging uses at most `max_buffers` of `buffer_bytes`.
  prefix_hasher(boost::asio::thread_pool& pool, const std::filesystem::path& path, bool hash,
                std::uint64_t step = 8ULL << 20, std::size_t buffer_bytes = 4U << 20, std::size_t max_buffers = 8);
  ~prefix_hasher();
  prefix_hasher(const prefix_hasher&) = delete;
  prefix_hasher& operator=(const prefix_hasher&) = delete;

  // I/O thread: the first `written` bytes of the file are on it. Cheap when little is new.
  void advance(std::uint64_t written);
  // I/O thread: the file was truncated; hashing starts again from byte 0.
  void restart();
  // I/O thread: `data` belongs at byte `offset` of the file, which is where the bytes staged
  // before it end (the first call: where the written prefix ends). Copies it; the strand
  // writes and hashes it. When all buffers are in flight it waits for one (the strand is then
  // behind the network: the same wait a pwrite into a full page cache would be). False once
  // a staged write failed: see write_error().
  bool stage(std::uint64_t offset, std::string_view data);
  // I/O thread: hands a partly filled staging buffer to the strand.
  void flush();
  // Flushes and resumes once every staged byte is written (or failed).
  boost::asio::awaitable<void> drain();
  // Empty unless a staged write failed.
  std::string write_error() const;
  // Hashes up to `length`, fsyncs, and returns; runs after all work queued before it
  // (staged bytes are flushed first).
  boost::asio::awaitable<result> finish(std::uint64_t length);
  // Queued work is skipped from now on (the download ended without needing the digest).
  void abandon() { abandoned_ = true; }

 private:
  using buffer = std::unique_ptr<char[]>;
  void hash_range(std::uint64_t from, std::uint64_t to);  // on the strand
  void write_block(buffer& buf, std::uint64_t off, std::size_t len);  // on the strand
  buffer take_buffer();         // I/O thread; may wait for one
  void give_back(buffer buf);  // any thread

  boost::asio::strand<boost::asio::thread_pool::executor_type> strand_;
  int fd_ = -1;
  bool hash_;
  std::uint64_t step_;
  std::uint64_t queued_ = 0;     // I/O thread: prefix handed to the strand
  std::uint64_t writeback_ = 0;  // I/O thread: prefix whose writeback was started
  std::atomic<bool> abandoned_ = false;
  // Staging, I/O thread only:
  bool staging_ = false;
  buffer cur_;
  std::uint64_t cur_off_ = 0;
  std::size_t cur_len_ = 0;
  std::size_t buffer_bytes_, max_buffers_;
  // Shared by both sides, under mutex_:
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<buffer> free_;
  std::size_t allocated_ = 0;
  std::string write_error_;
  std::atomic<bool> write_failed_ = false;
  // Strand only:
  sha256_stream sha_;
  std::uint64_t hashed_ = 0;
  bool failed_ = false;
  std::uint64_t synced_to_ = 0;  // staged bytes whose writeback was started
  std::vector<char> buf_;
};

}  // namespace studio::download
