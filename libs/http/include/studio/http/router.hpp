// Routing is data: {method, pattern, access} -> handler. Matching is pure.
//
// Patterns are '/'-separated segments: a literal, "{name}" (one segment,
// percent-decoded into a parameter), or a final "{*name}" (the rest of the path,
// possibly empty, kept raw). When several routes match a path, the one with the
// most literal segments wins. A path that matches only routes of other methods
// is a 405 with the allowed methods.
#pragma once

#include "studio/http/request_context.hpp"
#include "studio/http/response.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace studio::http {

// Who may call a route.
enum class access {
  open,        // no key needed (health checks)
  inference,   // an inference or a management key
  management,  // a management key only
};

using handler = std::function<boost::asio::awaitable<response>(request_context&)>;

struct route {
  boost::beast::http::verb method;
  std::string pattern;
  access scope;
  handler fn;
};

struct route_match {
  enum class kind { found, not_found, method_not_allowed, bad_path } result = kind::not_found;
  const route* matched = nullptr;
  path_params params;
  std::string allow;  // for method_not_allowed: "GET, POST"
};

class router {
 public:
  // Throws std::invalid_argument for a malformed pattern or a duplicate {method, pattern}.
  void add(boost::beast::http::verb method, std::string pattern, access scope, handler fn);
  route_match match(boost::beast::http::verb method, std::string_view path) const;
  const std::vector<route>& routes() const { return routes_; }

 private:
  // The routes that may match a path: those under its first two segments,
  // under its first one, and those with a parameter (or nothing) first; in
  // the order they were added (ties go to the earlier route).
  std::vector<std::size_t> candidates(std::string_view path) const;

  std::vector<route> routes_;
  // Each route's pattern split into segments once, when it is added.
  std::vector<std::vector<std::string>> segments_;
  // Route indexes by their leading literal segments, so that a request is
  // checked against a handful of routes, not all of them: "a/b" for patterns
  // that start with two literals, "a" for one literal then a parameter (or
  // nothing), and `any_first_` for those that start with a parameter or are "/".
  std::map<std::string, std::vector<std::size_t>, std::less<>> by_two_;
  std::map<std::string, std::vector<std::size_t>, std::less<>> by_one_;
  std::vector<std::size_t> any_first_;
  // Routes whose pattern is all literal, by pattern: a path equal to one is
  // matched by it with the most literals possible, so for its method that
  // route wins without splitting the path or trying the others.
  std::map<std::string, std::vector<std::size_t>, std::less<>> exact_;
};

// Percent-decodes one path segment; nullopt for malformed escapes or a NUL byte.
std::optional<std::string> percent_decode(std::string_view in);

}  // namespace studio::http
