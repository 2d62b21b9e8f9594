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
  std::vector<route> routes_;
  // Each route's pattern split into segments once, when it is added.
  std::vector<std::vector<std::string>> segments_;
};

// Percent-decodes one path segment; nullopt for malformed escapes or a NUL byte.
std::optional<std::string> percent_decode(std::string_view in);

}  // namespace studio::http
