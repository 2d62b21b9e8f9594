// prefix_hasher: staged writes, hashing (from memory or read back) and early writeback on a pool strand (see the header).
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
      hash_(hash),
      step_(step),
      buffer_bytes_(std::max<std::size_t>(1, buffer_bytes)),
      max_buffers_(std::max<std::size_t>(1, max_buffers)) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
}

prefix_hasher::~prefix_hasher() {
  if (fd_ >= 0) ::close(fd_);
}

void prefix_hasher::advance(std::uint64_t written) {
  if (written >= queued_ + step_) {
    auto from = queued_;
    queued_ = written;
    net::post(strand_, [self = shared_from_this(), from, written] { self->hash_range(from, written); });
  }
  if (written >= writeback_ + step_) {
    auto from = writeback_;
    writeback_ = written;
    // Start writing these pages back now, so the final fsync does not wait for all of them.
    net::post(strand_, [self = shared_from_this(), from, written] {
      if (!self->abandoned_)
        ::sync_file_range(self->fd_, static_cast<off_t>(from), static_cast<off_t>(written - from), SYNC_FILE_RANGE_WRITE);
    });
  }
}

void prefix_hasher::restart() {
  queued_ = 0;
  writeback_ = 0;
  staging_ = false;
  if (cur_) give_back(std::move(cur_));
  cur_len_ = 0;
  net::post(strand_, [self = shared_from_this()] {
    self->sha_.reset();
    self->hashed_ = 0;
    self->synced_to_ = 0;
    self->failed_ = false;
  });
}

bool prefix_hasher::stage(std::uint64_t offset, std::string_view data) {
  if (write_failed_) return false;
  if (!staging_) {
    // The prefix already on disk (a resumed download) is read back first, in full.
    staging_ = true;
    if (offset > queued_) {
      auto from = queued_;
      queued_ = offset;
      net::post(strand_, [self = shared_from_this(), from, offset] { self->hash_range(from, offset); });
    }
    writeback_ = offset;
    net::post(strand_, [self = shared_from_this(), offset] { self->synced_to_ = offset; });
  }
  if (cur_ && cur_off_ + cur_len_ != offset) flush();  // not where the last piece ended: the strand will notice
  while (!data.empty()) {
    if (!cur_) {
      cur_ = take_buffer();
      cur_off_ = offset;
      cur_len_ = 0;
    }
    auto n = std::min(data.size(), buffer_bytes_ - cur_len_);
    std::memcpy(cur_.get() + cur_len_, data.data(), n);
    cur_len_ += n;
    offset += n;
    data.remove_prefix(n);
    if (cur_len_ == buffer_bytes_) flush();
  }
  return true;
}

void prefix_hasher::flush() {
  if (!cur_) return;
  if (cur_len_ == 0) {
    give_back(std::move(cur_));
    return;
  }
  auto off = cur_off_;
  auto len = cur_len_;
  queued_ = std::max(queued_, off + len);
  net::post(strand_, [self = shared_from_this(), b = std::move(cur_), off, len]() mutable { self->write_block(b, off, len); });
  cur_len_ = 0;
}

void prefix_hasher::write_block(buffer& buf, std::uint64_t off, std::size_t len) {
  for (std::size_t put = 0; put < len && !write_failed_;) {
    auto n = ::pwrite(fd_, buf.get() + put, len - put, static_cast<off_t>(off + put));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::lock_guard lock(mutex_);
      write_error_ = std::string("write failed: ") + std::strerror(n < 0 ? errno : EIO);
      write_failed_ = true;
    } else {
      put += static_cast<std::size_t>(n);
    }
  }
  if (write_failed_ || off != hashed_) {
    failed_ = true;  // no digest: a gap or a failed write
  } else {
    if (hash_ && !failed_ && !abandoned_) sha_.update(std::string_view(buf.get(), len));
    hashed_ = off + len;
    if (hashed_ >= synced_to_ + step_ && !abandoned_) {
      // Start writing these pages back now, so the final fsync does not wait for all of them.
      ::sync_file_range(fd_, static_cast<off_t>(synced_to_), static_cast<off_t>(hashed_ - synced_to_),
                        SYNC_FILE_RANGE_WRITE);
      synced_to_ = hashed_;
    }
  }
  give_back(std::move(buf));
}

prefix_hasher::buffer prefix_hasher::take_buffer() {
  std::unique_lock lock(mutex_);
  returned_.wait(lock, [&] { return !free_.empty() || allocated_ < max_buffers_; });
  if (!free_.empty()) {
    auto b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  ++allocated_;
  lock.unlock();
  return std::make_unique_for_overwrite<char[]>(buffer_bytes_);
}

void prefix_hasher::give_back(buffer buf) {
  {
    std::lock_guard lock(mutex_);
    free_.push_back(std::move(buf));
  }
  returned_.notify_one();
}

std::string prefix_hasher::write_error() const {
  std::lock_guard lock(mutex_);
  return write_error_;
}

net::awaitable<void> prefix_hasher::drain() {
  auto home = co_await net::this_coro::executor;
  flush();
  co_await net::post(strand_, net::use_awaitable);
  co_await net::post(home, net::use_awaitable);
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
  queued_ = std::max(queued_, length);
  co_await net::post(strand_, net::use_awaitable);
  result r;
  r.write_error = write_error();
  if (length > hashed_ && r.write_error.empty()) hash_range(hashed_, length);
  if (hash_ && !failed_ && hashed_ == length) r.digest = sha_.finish();
  r.synced = ::fsync(fd_) == 0;
  co_await net::post(home, net::use_awaitable);
  co_return r;
}

}  // namespace studio::download
