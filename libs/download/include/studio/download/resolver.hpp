// The Hugging Face resolve protocol: HEAD {endpoint}/{repo}/resolve/{revision}/{file} with the
// token and without following redirects, then interpret the answer. Large files answer 302
// to a signed CDN URL with X-Linked-Etag/X-Linked-Size/X-Repo-Commit; small ones answer 200;
// renamed repos answer 307 with a relative Location (resolved again, with the token, on the
// same host). The token is only ever sent to the endpoint's own origin.
#pragma once

#include "studio/download/decisions.hpp"
#include "studio/download/http_transfer.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <optional>
#include <string>
#include <variant>

namespace studio::download {

struct resolved_file {
  std::string url;              // where to GET the bytes
  bool send_token = false;      // true only when url has the endpoint's origin
  std::uint64_t size = 0;       // 0: unknown
  std::string etag;             // unquoted X-Linked-Etag, else ETag
  std::optional<std::string> sha256;  // from the linked etag when it is one
  std::string commit;           // X-Repo-Commit
  bool accepts_ranges = true;
};

// The next step after one resolve response.
struct resolve_redirect {
  std::string url;  // absolute; on the endpoint's origin (resolve again there)
};
using resolve_step = std::variant<resolved_file, resolve_redirect, failure>;

using header_lookup = std::function<std::optional<std::string>(std::string_view)>;

// Interprets one response to a resolve request. Pure.
resolve_step interpret_resolve(long status, const header_lookup& headers, const std::string& request_url,
                               const std::string& endpoint, std::string_view repo, std::string_view file,
                               bool token_set);

// "https://Host:443/x" and "https://host/y" have the same origin. Pure.
bool same_origin(const std::string& a, const std::string& b);

// {endpoint}/{repo}/resolve/{revision}/{file}, with path segments percent-encoded as needed.
std::string resolve_url(const std::string& endpoint, std::string_view repo, std::string_view revision,
                        std::string_view file);

struct resolve_input {
  std::string endpoint;
  std::string repo;
  std::string revision;
  std::string file;
  std::string token;  // empty: none
};

// Runs the resolve requests on `group` (at most 5 same-origin redirects; cancelling the group
// ends it with a "cancelled" failure). Transport errors are transient failures.
boost::asio::awaitable<std::variant<resolved_file, failure>> resolve(const transfer_options& opts,
                                                                     const resolve_input& in,
                                                                     transfer_group& group);

// The answer to a HEAD of a `source: "url"` file (redirects followed; final_url is where they
// ended): size from Content-Length, identity for resuming from ETag (else Last-Modified),
// ranges when Accept-Ranges says bytes. A server that refuses HEAD (405/501) gives an
// unknown size. Pure.
std::variant<resolved_file, failure> interpret_url_probe(long status, const header_lookup& headers,
                                                         const std::string& final_url);

// HEADs `url` on `group` (following up to 5 redirects, never with a token); transport errors
// are transient failures, a cancelled group a "cancelled" failure.
boost::asio::awaitable<std::variant<resolved_file, failure>> probe_url(const transfer_options& opts,
                                                                       const std::string& url, transfer_group& group);

}  // namespace studio::download
