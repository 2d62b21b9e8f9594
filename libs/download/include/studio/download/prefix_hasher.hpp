// Hashing a file while it is being written, so the verify and fsync at the end have little
// left to do: SHA-256 runs on a strand of the worker pool, in parallel with the I/O thread's
// TLS and writes, and the writeback of the written prefix is started early
// (sync_file_range). The caller pwrite()s every byte itself; two ways to tell the hasher:
//  - advance(): the written prefix grew (chunked parallel downloads, bytes out of order);
//    its new bytes are read back from the page cache in `step`s and hashed.
//  - stage(): the piece just written at the end of the prefix (one connection, in file
//    order); a copy goes into one of a few small buffers, hashed from memory when full: no
//    read-back. While every buffer is still queued (the hash is behind), pieces are not
//    copied but read back later instead, so the I/O thread never waits.
// Copying the piece while it is hot in the cache costs the I/O thread less than the read-back
// costs the pool; hashing on the I/O thread itself measured slower (it is the bottleneck;
// see bench/README.md).
#pragma once

#include "studio/download/sha256_stream.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace studio::download {

class prefix_hasher : public std::enable_shared_from_this<prefix_hasher> {
 public:
  struct result {
    std::string digest;  // empty: the file could not be read back (or hashing was off)
    bool synced = false;  // fsync succeeded
  };

  // Opens its own descriptor of `path` (which must exist); throws std::runtime_error when it
  // cannot. `hash` false: only writeback and the final fsync. `step`: bytes to gather before
  // a read-back or writeback job. stage() uses at most `max_buffers` of `buffer_bytes`.
  prefix_hasher(boost::asio::thread_pool& pool, const std::filesystem::path& path, bool hash,
                std::uint64_t step = 8ULL << 20, std::size_t buffer_bytes = 256U << 10,
                std::size_t max_buffers = 32);
  ~prefix_hasher();
  prefix_hasher(const prefix_hasher&) = delete;
  prefix_hasher& operator=(const prefix_hasher&) = delete;

  // I/O thread: the first `written` bytes of the file are on it. Cheap when little is new.
  void advance(std::uint64_t written);
  // I/O thread: `data` was just written at byte `offset`, where the file's written prefix
  // ended; the prefix now ends after it. Use instead of advance() for in-order bytes.
  void stage(std::uint64_t offset, std::string_view data);
  // I/O thread: the file was truncated; hashing starts again from byte 0.
  void restart();
  // Hashes up to `length`, fsyncs, and returns; runs after all work queued before it.
  boost::asio::awaitable<result> finish(std::uint64_t length);
  // Queued work is skipped from now on (the download ended without needing the digest).
  void abandon() { abandoned_ = true; }

 private:
  using buffer = std::unique_ptr<char[]>;
  void hash_range(std::uint64_t from, std::uint64_t to);  // on the strand: read back
  void hash_block(const buffer& buf, std::uint64_t off, std::size_t len);  // on the strand: from memory
  void queue_read_back(std::uint64_t to);  // I/O thread
  void start_writeback(std::uint64_t written);  // I/O thread
  void flush();  // I/O thread: queues the filled part of the staging buffer
  buffer try_take_buffer();  // I/O thread; null when all are queued
  void give_back(buffer buf);  // any thread

  boost::asio::strand<boost::asio::thread_pool::executor_type> strand_;
  // sync_file_range() blocks while the disk is busy (0.6 s at times on the development VM):
  // on its own strand it does not hold up the hashing.
  boost::asio::strand<boost::asio::thread_pool::executor_type> writeback_strand_;
  int fd_ = -1;
  bool hash_;
  std::uint64_t step_;
  std::uint64_t queued_ = 0;     // I/O thread: prefix handed to the strand
  std::uint64_t writeback_ = 0;  // I/O thread: prefix whose writeback was started
  std::atomic<bool> abandoned_ = false;
  // Staging, I/O thread only: cur_ holds [queued_, queued_ + cur_len_).
  buffer cur_;
  std::size_t cur_len_ = 0;
  std::size_t buffer_bytes_, max_buffers_;
  // Buffers not in use, shared by both sides:
  std::mutex mutex_;
  std::vector<buffer> free_;
  std::size_t allocated_ = 0;
  // Strand only:
  sha256_stream sha_;
  std::uint64_t hashed_ = 0;
  bool failed_ = false;
  std::vector<char> buf_;
};

}  // namespace studio::download
