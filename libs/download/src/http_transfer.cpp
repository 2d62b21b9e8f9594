// http_transfer: easy-handle options, header capture, body delivery; transfer_group: awaiting several.
#include "studio/download/http_transfer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <stdexcept>

namespace studio::download {
namespace net = boost::asio;

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}
}  // namespace

http_transfer::http_transfer(const transfer_request& req, const transfer_options& opts, body_sink sink)
    : easy_(curl_easy_init()), sink_(std::move(sink)) {
  if (easy_ == nullptr) throw std::runtime_error("curl_easy_init failed");
  curl_easy_setopt(easy_, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(easy_, CURLOPT_PRIVATE, this);
  curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_.data());
  curl_easy_setopt(easy_, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  bool follow = req.follow_redirects && !req.bearer_token;
  curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
  if (follow) {
    curl_easy_setopt(easy_, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(easy_, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  }
  if (opts.receive_buffer_bytes > 0) curl_easy_setopt(easy_, CURLOPT_BUFFERSIZE, opts.receive_buffer_bytes);
  curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!opts.ca_bundle.empty()) curl_easy_setopt(easy_, CURLOPT_CAINFO, opts.ca_bundle.c_str());
  curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT, opts.connect_timeout_s);
  curl_easy_setopt(easy_, CURLOPT_LOW_SPEED_LIMIT, opts.low_speed_bytes);
  curl_easy_setopt(easy_, CURLOPT_LOW_SPEED_TIME, opts.low_speed_seconds);
  if (opts.max_bytes_per_second > 0)
    curl_easy_setopt(easy_, CURLOPT_MAX_RECV_SPEED_LARGE, static_cast<curl_off_t>(opts.max_bytes_per_second));
  curl_easy_setopt(easy_, CURLOPT_USERAGENT, "studio-gateway");
  if (req.head) curl_easy_setopt(easy_, CURLOPT_NOBODY, 1L);
  if (req.bearer_token) {
    headers_out_ = curl_slist_append(headers_out_, ("Authorization: Bearer " + *req.bearer_token).c_str());
  }
  if (req.range) {
    std::string value = "Range: bytes=" + std::to_string(req.range->first) + "-";
    if (req.range->second > 0) value += std::to_string(req.range->second - 1);
    headers_out_ = curl_slist_append(headers_out_, value.c_str());
  }
  if (headers_out_ != nullptr) curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_out_);
  curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &http_transfer::on_header);
  curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &http_transfer::on_body);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
}

http_transfer::~http_transfer() {
  curl_easy_cleanup(easy_);
  curl_slist_free_all(headers_out_);
}

long http_transfer::status() const {
  long code = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &code);
  return code;
}

std::optional<std::string> http_transfer::header(std::string_view name) const {
  auto key = lower(name);
  for (const auto& [k, v] : headers_in_)
    if (k == key) return v;
  return std::nullopt;
}

std::string http_transfer::error_text() const {
  return error_[0] != '\0' ? std::string(error_.data()) : std::string(curl_easy_strerror(result_));
}

std::string http_transfer::effective_url() const {
  char* url = nullptr;
  curl_easy_getinfo(easy_, CURLINFO_EFFECTIVE_URL, &url);
  return url != nullptr ? std::string(url) : std::string();
}

std::size_t http_transfer::on_header(char* data, std::size_t size, std::size_t n, void* self_ptr) {
  auto* self = static_cast<http_transfer*>(self_ptr);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) self->headers_in_.clear();  // a new response (e.g. after 100)
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    self->headers_in_.emplace_back(lower(line.substr(0, colon)), std::string(value));
  }
  return size * n;
}

std::size_t http_transfer::on_body(char* data, std::size_t size, std::size_t n, void* self_ptr) {
  auto* self = static_cast<http_transfer*>(self_ptr);
  if (!self->sink_) return size * n;
  bool keep = self->sink_(std::string_view(data, size * n));
  return keep ? size * n : 0;
}

transfer_group::transfer_group(curl_multi_driver& driver) : driver_(driver), wake_(driver.executor()) {}

transfer_group::~transfer_group() { abort_running(); }

void transfer_group::start(http_transfer* t) {
  running_.push_back(t);
  driver_.add(t->handle(), [this, t](CURLcode code) {
    t->set_result(code);
    std::erase(running_, t);
    ended_.push_back(t);
    wake_.cancel();
  });
}

void transfer_group::abort_running() {
  for (auto* t : running_) {
    driver_.remove(t->handle());
    t->set_result(CURLE_ABORTED_BY_CALLBACK);
  }
  running_.clear();
}

net::awaitable<http_transfer*> transfer_group::next_done() {
  while (!cancelled_ && ended_.empty() && !running_.empty()) {
    wake_.expires_at(net::steady_timer::time_point::max());
    auto [ec] = co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
    (void)ec;
  }
  if (cancelled_) {
    abort_running();
    co_return nullptr;
  }
  if (ended_.empty()) co_return nullptr;
  auto* t = ended_.front();
  ended_.pop_front();
  co_return t;
}

net::awaitable<void> transfer_group::run(std::vector<http_transfer*> transfers) {
  for (auto* t : transfers) start(t);
  for (std::size_t left = transfers.size(); left > 0; --left) {
    auto* t = co_await next_done();
    if (t == nullptr) break;
  }
}

bool transfer_group::abort(http_transfer* t, CURLcode code) {
  auto it = std::find(running_.begin(), running_.end(), t);
  if (it == running_.end()) return false;
  running_.erase(it);
  driver_.remove(t->handle());
  t->set_result(code);
  ended_.push_back(t);
  wake_.cancel();
  return true;
}

void transfer_group::cancel() {
  cancelled_ = true;
  wake_.cancel();
}

}  // namespace studio::download
