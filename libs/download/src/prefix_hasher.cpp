// prefix_hasher: read-back hashing and early writeback on a pool strand (see the header).
#include "studio/download/prefix_hasher.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace studio::download {
namespace net = boost::asio;

prefix_hasher::prefix_hasher(net::thread_pool& pool, const std::filesystem::path& path, bool hash, std::uint64_t step)
    : strand_(net::make_strand(pool.get_executor())), hash_(hash), step_(step) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
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
  net::post(strand_, [self = shared_from_this()] {
    self->sha_.reset();
    self->hashed_ = 0;
    self->failed_ = false;
  });
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
