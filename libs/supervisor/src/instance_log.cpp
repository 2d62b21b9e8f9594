// line_ring and rotating_log (see instance_log.hpp).
#include "studio/supervisor/instance_log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

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

void rotating_log::open() {
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  auto existing = std::filesystem::file_size(path_, ec);
  size_ = ec ? 0 : existing;
  out_.close();
  out_.clear();
  out_.open(path_, std::ios::app | std::ios::binary);
  if (!out_) error_ = "cannot open " + path_.string();
}

void rotating_log::append_line(std::string_view line) {
  if (size_ > 0 && size_ + line.size() + 1 > max_bytes_) {
    out_.close();
    std::error_code ec;
    std::filesystem::rename(path_, path_.string() + ".1", ec);
    if (ec) error_ = "cannot rotate " + path_.string() + ": " + ec.message();
    open();
  }
  if (!out_) return;
  out_ << line << '\n';
  size_ += line.size() + 1;
}

void rotating_log::flush() {
  if (out_) out_.flush();
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
