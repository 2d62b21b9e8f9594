// prefix_hasher: writes staged in memory (O_DIRECT where it can), hashing from those copies or read back,
// and early writeback, on the worker pool (see the header).
#include "studio/download/prefix_hasher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace studio::download {
namespace net = boost::asio;

namespace {
constexpr std::size_t kAlign = 4096;  // O_DIRECT: buffer address, file offset and length
}  // namespace

prefix_hasher::prefix_hasher(net::thread_pool& pool, const std::filesystem::path& path, bool hash, options opts)
    : strand_(net::make_strand(pool.get_executor())),
      writeback_strand_(net::make_strand(pool.get_executor())),
      write_strand_(net::make_strand(pool.get_executor())),
      hash_(hash),
      step_(opts.step),
      buffer_bytes_(std::max<std::size_t>(kAlign, opts.buffer_bytes / kAlign * kAlign)),
      max_buffers_(std::max<std::size_t>(1, opts.max_buffers)),
      flush_after_(opts.flush_after) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
  if (opts.write_behind) {
    write_fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (write_fd_ < 0) {
      ::close(fd_);
      throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
    }
    if (opts.direct_io) direct_fd_ = ::open(path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);  // EINVAL on tmpfs
  }
}

prefix_hasher::~prefix_hasher() {
  for (int fd : {fd_, write_fd_, direct_fd_})
    if (fd >= 0) ::close(fd);
}

bool prefix_hasher::write_behind(std::uint64_t offset, std::string_view data) {
  if (write_fd_ < 0 || data.size() > buffer_bytes_ - kAlign) return false;
  if (cur_ && (!cur_writes_ || queued_ + cur_len_ != offset ||
               std::chrono::steady_clock::now() - cur_started_ >= flush_after_))
    flush();
  buffer spare;  // at most one more buffer: a piece is smaller than one
  if (data.size() > (cur_ ? cur_cap_ - cur_len_ : 0)) {
    spare = try_take_buffer();
    if (!spare) {
      flush();  // what is staged goes out; the caller writes this piece and stage()s it
      return false;
    }
  }
  behind_bytes_ += data.size();
  while (!data.empty()) {
    if (!cur_) {
      queue_read_back(offset);  // what the caller wrote itself before goes first
      cur_ = std::move(spare);
      cur_len_ = 0;
      cur_pad_ = offset % kAlign;  // memory and file offsets agree modulo kAlign
      cur_cap_ = buffer_bytes_ - cur_pad_;  // and the block ends on a boundary
      cur_writes_ = true;
      cur_started_ = std::chrono::steady_clock::now();
    }
    auto n = std::min<std::size_t>(data.size(), cur_cap_ - cur_len_);
    std::memcpy(cur_.get() + cur_pad_ + cur_len_, data.data(), n);
    cur_len_ += n;
    offset += n;
    data.remove_prefix(n);
    if (cur_len_ == cur_cap_) flush();
  }
  if (spare) give_back(std::move(spare));
  return true;
}

std::optional<std::uint64_t> prefix_hasher::first_unwritten() {
  std::optional<std::uint64_t> first;
  if (cur_ && cur_writes_ && cur_len_ > 0) first = queued_;
  std::lock_guard lock(mutex_);
  if (!unwritten_.empty() && (!first || *unwritten_.begin() < *first)) first = *unwritten_.begin();
  return first;
}

int prefix_hasher::write_all(int fd, const char* data, std::size_t len, std::uint64_t off) {
  for (std::size_t put = 0; put < len;) {
    auto n = ::pwrite(fd, data + put, len - put, static_cast<off_t>(off + put));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : ENOSPC;
    put += static_cast<std::size_t>(n);
  }
  return 0;
}

void prefix_hasher::write_block(const char* data, std::uint64_t off, std::size_t len) {
  // `data` sits at the same offset modulo kAlign as `off`: the whole 4 KiB pages inside the
  // block go direct, the partial ones at its ends through the page cache.
  const std::uint64_t end = off + len;
  const std::uint64_t first = (off + kAlign - 1) / kAlign * kAlign, last = end / kAlign * kAlign;
  int error = 0;
  bool whole = true;  // the whole block through the page cache
  if (direct_fd_ >= 0 && direct_ok_ && first < last) {
    error = write_all(direct_fd_, data + (first - off), last - first, first);
    if (error == EINVAL) {  // alignment this file system does not take: the page cache from now on
      direct_ok_ = false;
      error = 0;
    } else {
      whole = false;
    }
    if (!whole && error == 0) {
      direct_bytes_ += last - first;
      if (off < first) error = write_all(write_fd_, data, first - off, off);
      if (error == 0 && last < end) error = write_all(write_fd_, data + (last - off), end - last, last);
      if (error == 0 && !abandoned_ && (off < first || last < end))
        ::sync_file_range(write_fd_, static_cast<off_t>(off), static_cast<off_t>(len), SYNC_FILE_RANGE_WRITE);
    }
  }
  if (whole) {
    error = write_all(write_fd_, data, len, off);
    if (error == 0 && !abandoned_)  // start its writeback, as start_writeback() does for the caller's writes
      ::sync_file_range(write_fd_, static_cast<off_t>(off), static_cast<off_t>(len), SYNC_FILE_RANGE_WRITE);
  }
  if (error != 0) {
    std::lock_guard lock(mutex_);
    if (write_error_.empty()) write_error_ = std::string("write failed: ") + std::strerror(error);
  }
}

void prefix_hasher::written(std::uint64_t off) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    unwritten_.erase(off);
    if (unwritten_.empty()) wake = std::exchange(wake_drain_, nullptr);
  }
  if (wake) wake();
}

net::awaitable<std::string> prefix_hasher::drain() {
  if (cur_ && cur_writes_) flush();
  auto ex = co_await net::this_coro::executor;
  auto timer = std::make_shared<net::steady_timer>(ex, net::steady_timer::time_point::max());
  auto woken = std::make_shared<bool>(false);
  {
    std::lock_guard lock(mutex_);
    if (unwritten_.empty()) co_return write_error_;
    wake_drain_ = [ex, timer, woken] {
      net::post(ex, [timer, woken] {
        *woken = true;
        timer->cancel();
      });
    };
  }
  while (!*woken) co_await timer->async_wait(net::as_tuple(net::use_awaitable));
  std::lock_guard lock(mutex_);
  co_return write_error_;
}

void prefix_hasher::advance(std::uint64_t written) {
  if (written >= queued_ + step_) queue_read_back(written);
  start_writeback(written);
}

void prefix_hasher::stage(std::uint64_t offset, std::string_view data) {
  const std::uint64_t end = offset + data.size();
  if (!hash_ || write_fd_ >= 0) {  // with write-behind, bytes the caller wrote are read back
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
      cur_pad_ = 0;
      cur_cap_ = buffer_bytes_;
      cur_writes_ = false;
    }
    auto n = std::min<std::size_t>(data.size(), cur_cap_ - cur_len_);
    std::memcpy(cur_.get() + cur_len_, data.data(), n);
    cur_len_ += n;
    offset += n;
    data.remove_prefix(n);
    if (cur_len_ == cur_cap_) flush();
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
  if (!cur_writes_) {
    net::post(strand_, [self = shared_from_this(), b = std::move(cur_), off, len]() mutable {
      self->hash_block(b.get(), off, len);
      self->give_back(std::move(b));
    });
    return;
  }
  // Hashed on the strand and written by any pool thread, side by side; the buffer goes back
  // when both are done.
  {
    std::lock_guard lock(mutex_);
    unwritten_.insert(off);
  }
  auto block = std::make_shared<buffer>(std::move(cur_));
  const std::size_t pad = cur_pad_;
  auto users = std::make_shared<std::atomic<int>>(hash_ ? 2 : 1);
  auto release = [self = shared_from_this(), block, users] {
    if (--*users == 0) self->give_back(std::move(*block));
  };
  if (hash_) net::post(strand_, [self = shared_from_this(), block, pad, off, len, release] {
    self->hash_block(block->get() + pad, off, len);
    release();
  });
  net::post(write_strand_, [self = shared_from_this(), block, pad, off, len, release] {
    self->write_block(block->get() + pad, off, len);
    release();
    self->written(off);
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
  auto* p = static_cast<char*>(std::aligned_alloc(kAlign, buffer_bytes_));  // a multiple of kAlign
  if (p == nullptr) throw std::bad_alloc();
  return buffer(p);
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

void prefix_hasher::hash_block(const char* data, std::uint64_t off, std::size_t len) {
  if (abandoned_ || failed_ || off != hashed_) {
    failed_ = failed_ || (!abandoned_ && off != hashed_);
    return;
  }
  sha_.update(std::string_view(data, len));
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
  result r;
  r.write_error = co_await drain();
  r.written_behind = behind_bytes_;
  r.written_direct = direct_bytes_;
  flush();
  queued_ = length;
  co_await net::post(strand_, net::use_awaitable);
  if (length > hashed_) hash_range(hashed_, length);
  if (hash_ && !failed_ && hashed_ == length) r.digest = sha_.finish();
  r.synced = ::fsync(fd_) == 0;
  co_await net::post(home, net::use_awaitable);
  co_return r;
}

}  // namespace studio::download
