// prefix_hasher: hashing from staged copies or read back, and early writeback, on a pool strand (see the header).
#include "studio/download/prefix_hasher.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace studio::download {
namespace net = boost::asio;

prefix_hasher::prefix_hasher(net::thread_pool& pool, const std::filesystem::path& path, bool hash, std::uint64_t step,
                             std::size_t buffer_bytes, std::size_t max_buffers)
    : strand_(net::make_strand(pool.get_executor())),
      writeback_strand_(net::make_strand(pool.get_executor())),
      hash_(hash),
      step_(step),
      buffer_bytes_(std::max<std::size_t>(1, buffer_bytes)),
      max_buffers_(std::max<std::size_t>(1, max_buffers)) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
}

prefix_hasher::~prefix_hasher() {
  if (fd_ >= 0) ::close(fd_);
}

void prefix_hasher::advance(std::uint64_t written) {
  if (written >= queued_ + step_) queue_read_back(written);
  start_writeback(written);
}

void prefix_hasher::stage(std::uint64_t offset, std::string_view data) {
  const std::uint64_t end = offset + data.size();
  if (!hash_) {
    advance(end);
    return;
  }
  if (cur_ && queued_ + cur_len_ != offset) flush();  // not where the buffer ends: read back the gap
  while (!data.empty()) {
    if (!cur_) {
      cur_ = try_take_buffer();
      if (!cur_) break;  // every buffer is queued: these bytes are read back later
      queue_read_back(offset);  // what was not copied before goes first
      cur_len_ = 0;
    }
    auto n = std::min<std::size_t>(data.size(), buffer_bytes_ - cur_len_);
    std::memcpy(cur_.get() + cur_len_, data.data(), n);
    cur_len_ += n;
    offset += n;
    data.remove_prefix(n);
    if (cur_len_ == buffer_bytes_) flush();
  }
  if (!cur_ && end >= queued_ + step_) queue_read_back(end);
  start_writeback(end);
}

void prefix_hasher::flush() {
  if (!cur_) return;
  if (cur_len_ == 0) {
    give_back(std::move(cur_));
    return;
  }
  auto off = queued_;
  auto len = cur_len_;
  queued_ += len;
  cur_len_ = 0;
  net::post(strand_, [self = shared_from_this(), b = std::move(cur_), off, len]() mutable {
    self->hash_block(b, off, len);
    self->give_back(std::move(b));
  });
}

void prefix_hasher::queue_read_back(std::uint64_t to) {
  if (to <= queued_) return;
  auto from = queued_;
  queued_ = to;
  net::post(strand_, [self = shared_from_this(), from, to] { self->hash_range(from, to); });
}

void prefix_hasher::start_writeback(std::uint64_t written) {
  if (written < writeback_ + step_) return;
  auto from = writeback_;
  writeback_ = written;
  // Start writing these pages back now, so the final fsync does not wait for all of them.
  net::post(writeback_strand_, [self = shared_from_this(), from, written] {
    if (!self->abandoned_)
      ::sync_file_range(self->fd_, static_cast<off_t>(from), static_cast<off_t>(written - from), SYNC_FILE_RANGE_WRITE);
  });
}

prefix_hasher::buffer prefix_hasher::try_take_buffer() {
  std::unique_lock lock(mutex_);
  if (!free_.empty()) {
    auto b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  if (allocated_ >= max_buffers_) return nullptr;
  ++allocated_;
  lock.unlock();
  return std::make_unique_for_overwrite<char[]>(buffer_bytes_);
}

void prefix_hasher::give_back(buffer buf) {
  std::lock_guard lock(mutex_);
  free_.push_back(std::move(buf));
}

void prefix_hasher::restart() {
  queued_ = 0;
  writeback_ = 0;
  if (cur_) give_back(std::move(cur_));
  cur_len_ = 0;
  net::post(strand_, [self = shared_from_this()] {
    self->sha_.reset();
    self->hashed_ = 0;
    self->failed_ = false;
  });
}

void prefix_hasher::hash_block(const buffer& buf, std::uint64_t off, std::size_t len) {
  if (abandoned_ || failed_ || off != hashed_) {
    failed_ = failed_ || (!abandoned_ && off != hashed_);
    return;
  }
  sha_.update(std::string_view(buf.get(), len));
  hashed_ = off + len;
}

void prefix_hasher::hash_range(std::uint64_t from, std::uint64_t to) {
  if (abandoned_ || failed_ || from != hashed_) {
    failed_ = failed_ || (!abandoned_ && from != hashed_);
    return;
  }
  if (hash_) {
    if (buf_.empty()) buf_.resize(1 << 20);
    for (std::uint64_t at = from; at < to && !abandoned_;) {
      auto want = static_cast<std::size_t>(std::min<std::uint64_t>(to - at, buf_.size()));
      auto n = ::pread(fd_, buf_.data(), want, static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failed_ = true;
        return;
      }
      sha_.update(std::string_view(buf_.data(), static_cast<std::size_t>(n)));
      at += static_cast<std::uint64_t>(n);
    }
  }
  hashed_ = to;
}

net::awaitable<prefix_hasher::result> prefix_hasher::finish(std::uint64_t length) {
  auto home = co_await net::this_coro::executor;
  flush();
  queued_ = length;
  co_await net::post(strand_, net::use_awaitable);
  if (length > hashed_) hash_range(hashed_, length);
  result r;
  if (hash_ && !failed_ && hashed_ == length) r.digest = sha_.finish();
  r.synced = ::fsync(fd_) == 0;
  co_await net::post(home, net::use_awaitable);
  co_return r;
}

}  // namespace studio::download
