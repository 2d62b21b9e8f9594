// API keys: X-API-Key: K or Authorization: Bearer K. Keys are compared in
// constant time (in the presented key's content); no key is ever logged.
#pragma once

#include "studio/http/request_context.hpp"
#include "studio/http/router.hpp"

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace studio::http {

class authenticator {
 public:
  authenticator(const std::vector<std::string>& management_keys,
                const std::vector<std::string>& inference_keys);

  // Which kind of key the request carries: none, unknown (wrong), inference or management.
  key_kind classify(const request& req) const;
  // Same for a raw presented key.
  key_kind classify_key(std::string_view key) const;

 private:
  std::vector<std::string> management_;
  std::vector<std::string> inference_;
};

// The key presented by a request (X-API-Key first, then Authorization: Bearer); empty if none.
std::string_view presented_key(const request& req);

enum class auth_decision { allow, unauthorized, forbidden };

// Pure: may a caller holding `kind` call a route with `scope`?
auth_decision authorize(access scope, key_kind kind);

}  // namespace studio::http
