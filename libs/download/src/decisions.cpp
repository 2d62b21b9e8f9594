// Pure decisions of the download engine (see decisions.hpp).
#include "studio/download/decisions.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace studio::download {
namespace {

std::optional<std::uint64_t> to_u64(std::string_view s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<content_range> parse_content_range(std::string_view v) {
  v = trim(v);
  if (!v.starts_with("bytes ")) return std::nullopt;
  v.remove_prefix(6);
  auto dash = v.find('-');
  auto slash = v.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash) return std::nullopt;
  auto first = to_u64(v.substr(0, dash));
  auto last = to_u64(v.substr(dash + 1, slash - dash - 1));
  if (!first || !last || *last < *first) return std::nullopt;
  content_range r{*first, *last, std::nullopt};
  auto total = v.substr(slash + 1);
  if (total != "*") {
    r.total = to_u64(total);
    if (!r.total || *r.total <= *last) return std::nullopt;
  }
  return r;
}

body_action decide_body(std::uint64_t offset, std::uint64_t end, std::uint64_t total, long status,
                        std::optional<std::string_view> header) {
  if (status == 200) return offset == 0 ? body_action::write_at_offset : body_action::restart_at_zero;
  if (status == 206) {
    if (!header) return body_action::fail;
    auto r = parse_content_range(*header);
    if (!r || r->first != offset) return body_action::fail;
    if (end > 0 && r->last + 1 != end) return body_action::fail;
    if (total > 0 && r->total && *r->total != total) return body_action::fail;
    return body_action::write_at_offset;
  }
  if (status == 416) {
    if (header && total > 0 && offset == total) {
      // "bytes */N": the server says the file has N bytes; complete only if that is ours.
      auto v = trim(*header);
      auto slash = v.rfind('/');
      auto n = slash == std::string_view::npos ? std::nullopt : to_u64(v.substr(slash + 1));
      if (n && *n == total) return body_action::already_complete;
    }
    return body_action::discard_restart;
  }
  return body_action::fail;
}

std::optional<std::vector<segment>> decide_resume(const std::optional<saved_progress>& saved,
                                                  const upstream_file& now, std::uint64_t part_size) {
  if (!saved || saved->segments.empty()) return std::nullopt;
  if (saved->etag.empty() || saved->etag != now.etag || saved->size != now.size) return std::nullopt;
  std::uint64_t expect = 0;
  for (const auto& s : saved->segments) {
    if (s.end < s.start || s.done > s.end - s.start) return std::nullopt;
    expect = std::max(expect, s.next());
  }
  if (part_size < expect) return std::nullopt;
  if (saved->segments.size() > 1 && !now.accepts_ranges) return std::nullopt;
  return saved->segments;
}

void clamp_to_written(saved_progress& progress, std::uint64_t first_unwritten) {
  for (auto& s : progress.segments)
    if (first_unwritten >= s.start && first_unwritten < s.next()) s.done = first_unwritten - s.start;
}

std::vector<segment> plan_segments(std::uint64_t total, unsigned connections, std::uint64_t min_parallel_bytes,
                                   bool accepts_ranges, std::uint64_t chunk_bytes, std::uint64_t max_chunks) {
  if (!accepts_ranges || connections <= 1 || total < min_parallel_bytes || total < connections)
    return {segment{0, total, 0}};
  auto ceil_div = [](std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; };
  std::uint64_t chunk = std::min(std::max<std::uint64_t>(chunk_bytes, 1), ceil_div(total, connections));
  if (max_chunks > 0) chunk = std::max(chunk, ceil_div(total, max_chunks));
  std::vector<segment> out;
  for (std::uint64_t start = 0; start < total; start += chunk) out.push_back(segment{start, std::min(total, start + chunk), 0});
  return out;
}

std::uint64_t contiguous_prefix(const std::vector<segment>& segs, std::size_t& first) {
  while (first < segs.size() && segs[first].complete()) ++first;
  if (first < segs.size()) return segs[first].next();
  return segs.empty() ? 0 : segs.back().end;
}

failure classify_status(long status, std::string_view code, std::string_view repo, std::string_view file,
                        std::optional<std::string_view> retry_after_header, bool token_set) {
  failure f;
  if (status == 401 || status == 403) {
    if (code == "GatedRepo" || code.empty()) {
      f.message = std::string(repo) + " is a gated repository: " +
                  (token_set ? "HF_TOKEN is not approved for it (HTTP " + std::to_string(status) +
                                   "); request access on the model page with that account"
                             : "set HF_TOKEN to a token of an account that was granted access (HTTP " +
                                   std::to_string(status) + ")");
    } else if (code == "RepoNotFound") {
      f.message = "repository " + std::string(repo) + " not found (or private: set HF_TOKEN)";
    } else {
      f.message = "access denied to " + std::string(repo) + " (HTTP " + std::to_string(status) + ", " +
                  std::string(code) + ")";
    }
    return f;
  }
  if (status == 404) {
    if (code == "RepoNotFound") f.message = "repository " + std::string(repo) + " not found";
    else if (code == "RevisionNotFound") f.message = "revision not found in " + std::string(repo);
    else f.message = "file " + std::string(file) + " not found in " + std::string(repo);
    return f;
  }
  if (status == 429 || status == 408 || status >= 500) {
    f.transient = true;
    f.message = "HTTP " + std::to_string(status) + " from upstream";
    if (retry_after_header) {
      if (auto secs = to_u64(trim(*retry_after_header)); secs && *secs <= 3600)
        f.retry_after = std::chrono::seconds(*secs);
    }
    return f;
  }
  f.message = "unexpected HTTP " + std::to_string(status) + " from upstream";
  return f;
}

std::string_view url_for_messages(std::string_view url) { return url.substr(0, url.find_first_of("?#")); }

failure classify_url_status(long status, std::string_view url, std::optional<std::string_view> retry_after) {
  auto shown = std::string(url_for_messages(url));
  if (status == 429 || status == 408 || status >= 500) return classify_status(status, "", "", "", retry_after, false);
  failure f;
  if (status == 401 || status == 403)
    f.message = "access denied by the server of " + shown + " (HTTP " + std::to_string(status) + ")";
  else if (status == 404 || status == 410)
    f.message = shown + " not found (HTTP " + std::to_string(status) + ")";
  else
    f.message = "unexpected HTTP " + std::to_string(status) + " from " + shown;
  return f;
}

std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap,
                                        std::optional<std::chrono::seconds> retry_after) {
  if (retry_after) return std::chrono::duration_cast<std::chrono::milliseconds>(*retry_after);
  auto delay = base;
  for (unsigned i = 1; i < attempt && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

std::optional<std::string> check_disk_space(std::uint64_t free_bytes, std::uint64_t needed, std::uint64_t margin) {
  if (free_bytes >= needed + margin) return std::nullopt;
  return "not enough disk space: " + human_bytes(needed) + " still to download plus a " + human_bytes(margin) +
         " margin needed, " + human_bytes(free_bytes) + " free";
}

std::optional<std::string> sha256_from_etag(std::string_view etag) {
  etag = trim(etag);
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  if (etag.size() != 64) return std::nullopt;
  std::string out;
  for (char c : etag) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    out.push_back(c);
  }
  return out;
}

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace studio::download
