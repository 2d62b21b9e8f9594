// Route table matching: pure string work, no I/O.
#include "studio/http/router.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace studio::http {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; "/" gives {}. A trailing slash yields an
// empty last segment so "/a/" and "/a" stay distinct.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  if (path.empty()) return out;
  for (;;) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool is_param(std::string_view seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }
bool is_tail(std::string_view seg) { return is_param(seg) && seg[1] == '*'; }
std::string param_name(std::string_view seg) {
  return std::string(seg.substr(is_tail(seg) ? 2 : 1, seg.size() - (is_tail(seg) ? 3 : 2)));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct attempt {
  bool matched = false;
  bool bad_encoding = false;
  int literals = 0;
  path_params params;
};

// Matches one pattern (split when the route was added) against the split
// path; `path` is the raw path (for the tail).
attempt try_match(const std::vector<std::string>& pat, const std::vector<std::string_view>& segs,
                  std::string_view path) {
  attempt result;
  const bool has_tail = !pat.empty() && is_tail(pat.back());
  if (has_tail ? segs.size() + 1 < pat.size() : segs.size() != pat.size()) return result;  // cheap reject
  for (std::size_t i = 0; i < pat.size(); ++i) {
    if (is_tail(pat[i])) {
      // The tail is everything after the i-th segment's start, kept raw.
      std::string_view rest = path.substr(1);
      for (std::size_t k = 0; k < i && !rest.empty(); ++k) {
        auto slash = rest.find('/');
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
      }
      if (segs.size() < i) return result;
      result.params.emplace_back(param_name(pat[i]), std::string(rest));
      result.matched = true;
      return result;
    }
    if (i >= segs.size()) return result;
    if (is_param(pat[i])) {
      if (segs[i].empty()) return result;
      auto decoded = percent_decode(segs[i]);
      if (!decoded) result.bad_encoding = true;
      result.params.emplace_back(param_name(pat[i]), decoded.value_or(std::string()));
    } else if (pat[i] != segs[i]) {
      return result;
    } else {
      ++result.literals;
    }
  }
  result.matched = pat.size() == segs.size();
  return result;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

void router::add(boost::beast::http::verb method, std::string pattern, access scope, handler fn) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  auto segs = split_path(pattern);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (is_tail(segs[i]) && i + 1 != segs.size()) {
      throw std::invalid_argument("{*tail} must be the last segment: " + pattern);
    }
  }
  for (const auto& r : routes_) {
    if (r.method == method && r.pattern == pattern) {
      throw std::invalid_argument("duplicate route: " + pattern);
    }
  }
  const std::size_t index = routes_.size();
  const auto literal = [&segs](std::size_t i) { return i < segs.size() && !is_param(segs[i]); };
  if (literal(0) && literal(1)) {
    by_two_[std::string(segs[0]) + "/" + std::string(segs[1])].push_back(index);
  } else if (literal(0)) {
    by_one_[std::string(segs[0])].push_back(index);
  } else {
    any_first_.push_back(index);
  }
  if (std::none_of(segs.begin(), segs.end(), is_param)) exact_[pattern].push_back(index);
  routes_.push_back(route{method, std::move(pattern), scope, std::move(fn)});
  segments_.emplace_back(segs.begin(), segs.end());
}

std::vector<std::size_t> router::candidates(std::string_view path) const {
  static const std::vector<std::size_t> none;
  const auto lookup = [](const auto& index, std::string_view key) -> const std::vector<std::size_t>& {
    auto it = index.find(key);
    return it == index.end() ? none : it->second;
  };
  // The first segment, and the first two as they stand in the path ("a/b").
  std::string_view rest = path.empty() ? path : path.substr(1);
  const auto first_end = rest.find('/');
  const std::string_view first = rest.substr(0, first_end);
  std::string_view two;
  if (first_end != std::string_view::npos) two = rest.substr(0, rest.find('/', first_end + 1));
  const std::vector<std::size_t>* lists[3] = {&any_first_, &lookup(by_one_, first),
                                              two.empty() ? &none : &lookup(by_two_, two)};
  std::vector<std::size_t> out;
  out.reserve(lists[0]->size() + lists[1]->size() + lists[2]->size());
  std::size_t at[3] = {0, 0, 0};
  for (;;) {  // merge the three ascending lists
    int pick = -1;
    for (int k = 0; k < 3; ++k) {
      if (at[k] < lists[k]->size() && (pick < 0 || (*lists[k])[at[k]] < (*lists[pick])[at[pick]])) pick = k;
    }
    if (pick < 0) break;
    out.push_back((*lists[pick])[at[pick]++]);
  }
  return out;
}

route_match router::match(boost::beast::http::verb method, std::string_view path) const {
  route_match out;
  if (auto it = exact_.find(path); it != exact_.end()) {
    for (const std::size_t i : it->second) {
      if (routes_[i].method != method) continue;
      out.matched = &routes_[i];
      out.result = route_match::kind::found;
      return out;
    }
  }
  auto segs = split_path(path);
  int best = -1;
  std::set<std::string> allowed;
  for (const std::size_t i : candidates(path)) {
    const route& r = routes_[i];
    auto a = try_match(segments_[i], segs, path);
    if (!a.matched) continue;
    if (r.method != method) {
      allowed.insert(std::string(boost::beast::http::to_string(r.method)));
      continue;
    }
    if (a.literals <= best) continue;
    best = a.literals;
    out.matched = &r;
    out.params = std::move(a.params);
    out.result = a.bad_encoding ? route_match::kind::bad_path : route_match::kind::found;
  }
  if (out.matched != nullptr) return out;
  if (!allowed.empty()) {
    out.result = route_match::kind::method_not_allowed;
    for (const auto& m : allowed) {
      if (!out.allow.empty()) out.allow += ", ";
      out.allow += m;
    }
  }
  return out;
}

}  // namespace studio::http
