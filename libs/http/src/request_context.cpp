// request_context: accessors over one parsed request, and the streaming calls.
#include "studio/http/request_context.hpp"

#include <boost/url/params_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>

namespace studio::http {

request_context::request_context(const request& req, response_stream* stream)
    : req_(req), stream_(stream) {
  std::string_view target = req.target();
  auto q = target.find('?');
  path_ = std::string(target.substr(0, q));
  if (q != std::string_view::npos) query_ = std::string(target.substr(q + 1));
}

std::optional<std::string> request_context::query_param(std::string_view name) const {
  if (query_.empty()) return std::nullopt;
  if (!boost::urls::parse_query(query_)) return std::nullopt;  // malformed escapes
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  for (auto param : boost::urls::params_view(query_, opts)) {
    if (param.key == name) return param.has_value ? param.value : std::string();
  }
  return std::nullopt;
}

std::optional<std::string_view> request_context::header(std::string_view name) const {
  auto it = req_.find(name);
  if (it == req_.end()) return std::nullopt;
  return it->value();
}

std::optional<std::string> request_context::param(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name) return value;
  }
  return std::nullopt;
}

boost::asio::awaitable<bool> request_context::start_stream(unsigned status,
                                                          std::string_view content_type,
                                                          const header_list& headers) {
  if (stream_ == nullptr || streaming_) co_return false;
  streaming_ = true;
  bool ok = co_await stream_->write_head(status, content_type, headers);
  co_return ok;
}

boost::asio::awaitable<bool> request_context::start_stream_with(unsigned status, std::string_view content_type,
                                                               const header_list& headers,
                                                               std::string_view first_body) {
  if (stream_ == nullptr || streaming_) co_return false;
  streaming_ = true;
  bool ok = co_await stream_->write_head_and_body(status, content_type, headers, first_body);
  co_return ok;
}

boost::asio::awaitable<bool> response_stream::write_head_and_body(unsigned status, std::string_view content_type,
                                                                  const header_list& headers,
                                                                  std::string_view first_body) {
  bool ok = co_await write_head(status, content_type, headers);
  if (ok) ok = co_await write_body(first_body);
  co_return ok;
}

boost::asio::awaitable<bool> request_context::write(std::string_view data) {
  if (stream_ == nullptr || !streaming_) co_return false;
  bool ok = co_await stream_->write_body(data);
  co_return ok;
}

boost::asio::awaitable<bool> request_context::write_last(std::string_view data) {
  if (stream_ == nullptr || !streaming_) co_return false;
  bool ok = co_await stream_->write_last_body(data);
  co_return ok;
}

boost::asio::awaitable<bool> response_stream::write_last_body(std::string_view data) {
  bool ok = co_await write_body(data);
  co_return ok;
}

void request_context::watch_client(std::function<void()> on_gone) {
  if (stream_ != nullptr) stream_->watch_client(std::move(on_gone));
}

bool request_context::client_gone() const { return stream_ != nullptr && stream_->client_gone(); }

}  // namespace studio::http
