// Hashing a file while it is being written, so the verify and fsync at the end have little
// left to do: SHA-256 runs on a strand of the worker pool, in parallel with the I/O thread's
// TLS, and the writeback of the written prefix is started early (sync_file_range). Three
// ways to hand it bytes:
//  - write_behind(): one connection, in file order. The piece is copied into one of a few
//    staging buffers; a full buffer is hashed from memory on the strand and written by
//    another pool thread (one block at a time, in file order), its whole 4 KiB pages with
//    O_DIRECT (no page-cache copy on any thread, no writeback later), partial ones (and all,
//    where the file system refuses O_DIRECT) through the page cache. The I/O thread then only receives and copies: it was
//    the bottleneck, and its pwrite() of every TLS record was half its CPU (see
//    bench/README.md). When no buffer is free (the disk is behind), it answers false and the
//    caller writes the piece itself and calls stage().
//  - stage(): the piece the caller just wrote at the end of the prefix (in file order); a
//    copy is hashed from memory, or, while every buffer is queued, read back later.
//  - advance(): the written prefix grew (chunked parallel downloads, bytes out of order);
//    its new bytes are read back from the page cache in `step`s and hashed.
// Bytes given to write_behind() are in the file only once drain() (or finish()) says so;
// first_unwritten() tells the journal where the bytes on disk end meanwhile.
#pragma once

#include "studio/download/sha256_stream.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace studio::download {

class prefix_hasher : public std::enable_shared_from_this<prefix_hasher> {
 public:
  struct result {
    std::string digest;  // empty: the file could not be read back (or hashing was off)
    bool synced = false;  // fsync succeeded
    std::string write_error;  // a write_behind() block could not be written
    std::uint64_t written_behind = 0;  // bytes write_behind() took (the rest the caller wrote)
    std::uint64_t written_direct = 0;  // of those, written with O_DIRECT
  };

  struct options {
    bool write_behind = true;  // false: write_behind() always answers false
    bool direct_io = true;     // write whole 4 KiB pages with O_DIRECT where the file system can
    std::uint64_t step = 8ULL << 20;  // bytes to gather before a read-back or writeback job
    // Staging buffers: at most max_buffers of buffer_bytes (32 MiB per download). Large
    // blocks: the development VM's disk took 4 s per GiB of direct 256 KiB writes, 1.7 s in
    // 4 MiB ones, 4 at a time (2.8 s through the page cache with an fsync).
    std::size_t buffer_bytes = 4U << 20;
    std::size_t max_buffers = 8;
    // A staging buffer older than this is written when the next piece arrives, full or not:
    // on a slow link the file (and so the journal) does not lag by a whole buffer for long.
    std::chrono::milliseconds flush_after{1000};
  };

  // Opens its own descriptors of `path` (which must exist); throws std::runtime_error when it
  // cannot. `hash` false: only writes, writeback and the final fsync.
  prefix_hasher(boost::asio::thread_pool& pool, const std::filesystem::path& path, bool hash, options opts);
  prefix_hasher(boost::asio::thread_pool& pool, const std::filesystem::path& path, bool hash)
      : prefix_hasher(pool, path, hash, options{}) {}
  ~prefix_hasher();
  prefix_hasher(const prefix_hasher&) = delete;
  prefix_hasher& operator=(const prefix_hasher&) = delete;

  // I/O thread: the first `written` bytes of the file are on it. Cheap when little is new.
  void advance(std::uint64_t written);
  // I/O thread: `data` is to be written at `offset`, where the bytes handed over so far end.
  // True: it was copied and will be written (and hashed) from the pool. False: nothing was
  // taken; write it yourself and call stage().
  bool write_behind(std::uint64_t offset, std::string_view data);
  // I/O thread: `data` was just written at byte `offset`, where the file's written prefix
  // ended; the prefix now ends after it. Use instead of advance() for in-order bytes.
  void stage(std::uint64_t offset, std::string_view data);
  // I/O thread: the first byte handed to write_behind() that may not be in the file yet.
  std::optional<std::uint64_t> first_unwritten();
  // I/O thread: writes what write_behind() still holds and resumes once every such write has
  // ended; answers the first write error ("" when none). Safe to call more than once.
  boost::asio::awaitable<std::string> drain();
  // I/O thread: the file was truncated; hashing starts again from byte 0.
  void restart();
  // Drains, hashes up to `length`, fsyncs, and returns; runs after all work queued before it.
  boost::asio::awaitable<result> finish(std::uint64_t length);
  // Queued work is skipped from now on (the download ended without needing the digest).
  void abandon() { abandoned_ = true; }

 private:
  struct free_deleter {
    void operator()(char* p) const { std::free(p); }
  };
  using buffer = std::unique_ptr<char, free_deleter>;  // 4 KiB-aligned, for O_DIRECT
  void hash_range(std::uint64_t from, std::uint64_t to);  // on the strand: read back
  void hash_block(const char* data, std::uint64_t off, std::size_t len);  // on the strand: from memory
  void queue_read_back(std::uint64_t to);  // I/O thread
  void start_writeback(std::uint64_t written);  // I/O thread
  void flush();  // I/O thread: queues the filled part of the staging buffer
  void write_block(const char* data, std::uint64_t off, std::size_t len);  // pool
  static int write_all(int fd, const char* data, std::size_t len, std::uint64_t off);  // 0 or an errno
  void written(std::uint64_t off);  // pool: the block at `off` has ended (written or failed)
  buffer try_take_buffer();  // I/O thread; null when all are queued
  void give_back(buffer buf);  // any thread

  boost::asio::strand<boost::asio::thread_pool::executor_type> strand_;
  // sync_file_range() blocks while the disk is busy (0.6 s at times on the development VM):
  // on its own strand it does not hold up the hashing.
  boost::asio::strand<boost::asio::thread_pool::executor_type> writeback_strand_;
  // write_behind() blocks are written one at a time, in file order: writers of one file
  // serialise on its inode lock anyway, and spin there (1 GiB into tmpfs from 4 threads:
  // 0.78 s of system time, from one: 0.48 s; O_DIRECT on ext4 no faster with 4).
  boost::asio::strand<boost::asio::thread_pool::executor_type> write_strand_;
  int fd_ = -1;         // reads, writeback, fsync
  int write_fd_ = -1;   // write_behind() pages that cannot go direct; -1: write-behind off
  int direct_fd_ = -1;  // O_DIRECT; -1 when the file system refuses it
  std::atomic<bool> direct_ok_ = true;
  std::uint64_t behind_bytes_ = 0;              // I/O thread
  std::atomic<std::uint64_t> direct_bytes_ = 0;  // pool
  bool hash_;
  std::uint64_t step_;
  std::uint64_t queued_ = 0;     // I/O thread: prefix handed to the strand
  std::uint64_t writeback_ = 0;  // I/O thread: prefix whose writeback was started
  std::atomic<bool> abandoned_ = false;
  // Staging, I/O thread only: cur_ holds [queued_, queued_ + cur_len_) from cur_pad_ on, at
  // most cur_cap_ bytes. For write_behind() the pad puts each byte at its file offset modulo
  // 4 KiB, so the whole pages go direct, and the cap ends the block on a page boundary.
  buffer cur_;
  std::size_t cur_len_ = 0, cur_cap_ = 0, cur_pad_ = 0;
  bool cur_writes_ = false;  // cur_ came from write_behind(): the pool writes it
  std::chrono::steady_clock::time_point cur_started_{};
  std::size_t buffer_bytes_, max_buffers_;
  std::chrono::milliseconds flush_after_;
  // Shared by both sides, under mutex_: buffers not in use; write_behind() blocks not yet
  // written, by offset; the first write error; who waits in drain().
  std::mutex mutex_;
  std::vector<buffer> free_;
  std::size_t allocated_ = 0;
  std::set<std::uint64_t> unwritten_;
  std::string write_error_;
  std::function<void()> wake_drain_;
  // Strand only:
  sha256_stream sha_;
  std::uint64_t hashed_ = 0;
  bool failed_ = false;
  std::vector<char> buf_;
};

}  // namespace studio::download
