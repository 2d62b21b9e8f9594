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
  curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, 0L);
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

net::awaitable<void> transfer_group::run(std::vector<http_transfer*> transfers) {
  auto ex = co_await net::this_coro::executor;
  net::steady_timer all_done(ex, net::steady_timer::time_point::max());
  std::size_t pending = transfers.size();
  std::vector<bool> finished(transfers.size(), false);
  for (std::size_t i = 0; i < transfers.size(); ++i) {
    driver_.add(transfers[i]->handle(), [&, i](CURLcode code) {
      transfers[i]->set_result(code);
      finished[i] = true;
      if (--pending == 0) all_done.cancel();
    });
  }
  bool cancelled = false;
  cancel_ = [&] {
    cancelled = true;
    all_done.cancel();
  };
  if (pending > 0) {
    auto [ec] = co_await all_done.async_wait(net::as_tuple(net::use_awaitable));
    (void)ec;
  }
  cancel_ = nullptr;
  if (pending > 0 || cancelled) {
    for (std::size_t i = 0; i < transfers.size(); ++i) {
      if (finished[i]) continue;
      driver_.remove(transfers[i]->handle());
      transfers[i]->set_result(CURLE_ABORTED_BY_CALLBACK);
    }
  }
}

void transfer_group::cancel() {
  if (cancel_) cancel_();
}

}  // namespace studio::download
