// line_ring and rotating_log (see instance_log.hpp).
#include "studio/supervisor/instance_log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <utility>

namespace studio::supervisor {

void line_ring::push(std::string_view line) {
  if (capacity_ == 0) return;
  line = line.substr(0, max_line_);
  if (slots_.size() < capacity_) {
    slots_.emplace_back(line);
    return;
  }
  slots_[oldest_].assign(line.data(), line.size());
  oldest_ = (oldest_ + 1) % capacity_;
}

std::vector<std::string> line_ring::tail(std::size_t n) const {
  n = std::min(n, slots_.size());
  std::vector<std::string> out;
  out.reserve(n);
  // Oldest first: slots_ in order from oldest_ (0 until the ring is full).
  for (std::size_t i = slots_.size() - n; i < slots_.size(); ++i) out.push_back(slots_[(oldest_ + i) % slots_.size()]);
  return out;
}

rotating_log::rotating_log(std::filesystem::path path, std::uint64_t max_bytes)
    : path_(std::move(path)), max_bytes_(max_bytes) {
  open();
}

rotating_log::~rotating_log() {
  flush();
  close();
}

void rotating_log::open() {
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  auto existing = std::filesystem::file_size(path_, ec);
  size_ = ec ? 0 : existing;
  close();
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0) error_ = "cannot open " + path_.string() + ": " + std::strerror(errno);
}

void rotating_log::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void rotating_log::append_line(std::string_view line) {
  const std::uint64_t used = size_ + pending_.size();  // the file once what is buffered is written
  if (used > 0 && used + line.size() + 1 > max_bytes_) {
    flush();
    close();
    std::error_code ec;
    std::filesystem::rename(path_, path_.string() + ".1", ec);
    if (ec) error_ = "cannot rotate " + path_.string() + ": " + ec.message();
    open();
  }
  if (fd_ < 0) return;
  pending_.append(line);
  pending_.push_back('\n');
}

void rotating_log::flush() {
  std::size_t done = 0;
  while (fd_ >= 0 && done < pending_.size()) {
    const ::ssize_t n = ::write(fd_, pending_.data() + done, pending_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = "cannot write " + path_.string() + ": " + std::strerror(errno);
      break;  // what did not fit is dropped: logging must not stop a child
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += done;
  pending_.clear();
}

void rotating_log::write_line(std::string_view line) {
  append_line(line);
  flush();
}

void log_subscription::push(const std::string& line) {
  if (pending_.size() >= max_pending_) {
    pending_.pop_front();
    ++dropped_;
  }
  pending_.push_back(line);
  wake_.cancel();
}

boost::asio::awaitable<std::vector<std::string>> log_subscription::next(std::chrono::milliseconds idle) {
  namespace net = boost::asio;
  if (pending_.empty()) {
    wake_.expires_after(idle);
    auto [ec] = co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
    (void)ec;
  }
  std::vector<std::string> out(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
  pending_.clear();
  co_return out;
}

std::size_t log_subscription::take_dropped() { return dropped_.exchange(0); }

}  // namespace studio::supervisor
