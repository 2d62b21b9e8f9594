// Resolving a Hugging Face file to a download URL, size and checksum.
#include "studio/download/resolver.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/url.hpp>

#include <charconv>

namespace studio::download {
namespace urls = boost::urls;
namespace net = boost::asio;

namespace {

std::optional<std::uint64_t> to_u64(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc{} || p != s->data() + s->size()) return std::nullopt;
  return v;
}

std::string unquote(std::string s) {
  if (s.starts_with("W/")) s.erase(0, 2);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::string origin_of(const std::string& url) {
  auto u = urls::parse_uri(url);
  if (!u) return {};
  std::string scheme(u->scheme());
  std::string host(u->host());
  for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string port(u->port());
  if (port.empty()) port = scheme == "https" ? "443" : "80";
  return scheme + "://" + host + ":" + port;
}

failure make_failure(bool transient, std::string message) {
  failure f;
  f.transient = transient;
  f.message = std::move(message);
  return f;
}

transfer_request head_request(const std::string& url) {
  transfer_request r;
  r.url = url;
  r.head = true;
  return r;
}

}  // namespace

bool same_origin(const std::string& a, const std::string& b) {
  auto oa = origin_of(a);
  return !oa.empty() && oa == origin_of(b);
}

std::string resolve_url(const std::string& endpoint, std::string_view repo, std::string_view revision,
                        std::string_view file) {
  auto enc = [](std::string_view s) {
    // Keep '/' between path segments of repo names and nested files.
    return urls::encode(s, urls::pchars + '/' - ':');
  };
  return endpoint + "/" + enc(repo) + "/resolve/" + urls::encode(revision, urls::pchars) + "/" + enc(file);
}

resolve_step interpret_resolve(long status, const header_lookup& headers, const std::string& request_url,
                               const std::string& endpoint, std::string_view repo, std::string_view file,
                               bool token_set) {
  auto linked_size = to_u64(headers("x-linked-size"));
  auto linked_etag = headers("x-linked-etag");
  auto commit = headers("x-repo-commit").value_or("");
  if (status == 200) {
    resolved_file r;
    r.url = request_url;
    r.send_token = true;
    r.size = linked_size.value_or(to_u64(headers("content-length")).value_or(0));
    r.etag = unquote(linked_etag.value_or(headers("etag").value_or("")));
    r.sha256 = sha256_from_etag(r.etag);
    r.commit = commit;
    r.accepts_ranges = headers("accept-ranges").value_or("bytes") != "none";
    return r;
  }
  if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
    auto location = headers("location");
    if (!location || location->empty())
      return failure{false, "HTTP " + std::to_string(status) + " without a Location from " + endpoint, {}};
    auto base = urls::parse_uri(request_url);
    auto ref = urls::parse_uri_reference(*location);
    if (!base || !ref) return failure{false, "unparsable redirect Location from " + endpoint, {}};
    urls::url target;
    if (!urls::resolve(*base, *ref, target)) return failure{false, "unresolvable redirect Location", {}};
    std::string url(target.buffer());
    if (same_origin(url, endpoint) && !linked_etag) return resolve_redirect{url};
    resolved_file r;
    r.url = url;
    r.send_token = same_origin(url, endpoint);
    r.size = linked_size.value_or(0);
    r.etag = unquote(linked_etag.value_or(""));
    r.sha256 = sha256_from_etag(r.etag);
    r.commit = commit;
    return r;
  }
  auto code = headers("x-error-code").value_or("");
  auto retry_after = headers("retry-after");
  return classify_status(status, code, repo, file,
                         retry_after ? std::optional<std::string_view>(*retry_after) : std::nullopt, token_set);
}

net::awaitable<std::variant<resolved_file, failure>> resolve(const transfer_options& opts,
                                                             const resolve_input& in, transfer_group& group) {
  std::string url = resolve_url(in.endpoint, in.repo, in.revision, in.file);
  for (int hop = 0; hop < 5; ++hop) {
    auto req = head_request(url);
    if (!in.token.empty() && same_origin(url, in.endpoint)) req.bearer_token = in.token;
    auto transfer = std::make_unique<http_transfer>(req, opts, nullptr);
    auto& t = *transfer;
    std::vector<http_transfer*> one(1, transfer.get());  // no braced list in co_await: g++ 12 rejects it
    co_await group.run(std::move(one));
    if (t.result() == CURLE_ABORTED_BY_CALLBACK) co_return make_failure(false, "cancelled");
    if (t.result() != CURLE_OK)
      co_return make_failure(true, "cannot reach " + in.endpoint + ": " + t.error_text());
    auto step = interpret_resolve(t.status(), [&](std::string_view n) { return t.header(n); }, url, in.endpoint,
                                  in.repo, in.file, !in.token.empty());
    if (auto* r = std::get_if<resolved_file>(&step)) co_return std::move(*r);
    if (auto* f = std::get_if<failure>(&step)) co_return std::move(*f);
    url = std::get<resolve_redirect>(step).url;
  }
  co_return make_failure(false, "too many redirects resolving " + in.repo + "/" + in.file);
}

std::variant<resolved_file, failure> interpret_url_probe(long status, const header_lookup& headers,
                                                         const std::string& final_url) {
  if (status == 405 || status == 501) {
    resolved_file r;
    r.url = final_url;
    r.accepts_ranges = false;
    return r;
  }
  if (status != 200) {
    auto retry_after = headers("retry-after");
    return classify_url_status(status, final_url,
                               retry_after ? std::optional<std::string_view>(*retry_after) : std::nullopt);
  }
  resolved_file r;
  r.url = final_url;
  r.size = to_u64(headers("content-length")).value_or(0);
  auto etag = headers("etag");
  if (etag && !etag->empty() && !etag->starts_with("W/")) r.etag = unquote(*etag);
  else if (auto modified = headers("last-modified"); modified && !modified->empty()) r.etag = "last-modified " + *modified;
  auto ranges = headers("accept-ranges").value_or("");
  r.accepts_ranges = ranges.find("bytes") != std::string::npos;
  return r;
}

net::awaitable<std::variant<resolved_file, failure>> probe_url(const transfer_options& opts, const std::string& url,
                                                               transfer_group& group) {
  auto req = head_request(url);
  req.follow_redirects = true;
  auto transfer = std::make_unique<http_transfer>(req, opts, nullptr);
  auto& t = *transfer;
  std::vector<http_transfer*> one(1, transfer.get());
  co_await group.run(std::move(one));
  if (t.result() == CURLE_ABORTED_BY_CALLBACK) co_return make_failure(false, "cancelled");
  if (t.result() != CURLE_OK)
    co_return make_failure(true, "cannot reach " + std::string(url_for_messages(url)) + ": " + t.error_text());
  auto final_url = t.effective_url();
  co_return interpret_url_probe(t.status(), [&](std::string_view n) { return t.header(n); },
                                final_url.empty() ? url : final_url);
}

}  // namespace studio::download
