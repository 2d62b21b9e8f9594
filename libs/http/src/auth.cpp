// Key classification (constant-time comparison) and the access rule.
#include "studio/http/auth.hpp"

namespace studio::http {
namespace {

// Constant time in the presented key's content: every byte of the stored key is
// looked at whatever the input, and nothing ends early. (Hashing both sides
// first did the same, but OpenSSL's digest on a cold cache cost ~15-25 us per
// request.)
// The presented key is read cyclically (j wraps at its length, which depends on
// no secret); the differences are or-ed together and looked at once at the end.
bool equal_constant_time(std::string_view stored, std::string_view presented) {
  unsigned char diff = stored.size() != presented.size() ? 1 : 0;
  const std::size_t n = presented.size();
  std::size_t j = 0;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const unsigned char p = n == 0 ? 0 : static_cast<unsigned char>(presented[j]);
    diff |= static_cast<unsigned char>(stored[i]) ^ p;
    j = j + 1 == n ? 0 : j + 1;
  }
  // Through a volatile: the compiler may not turn the loop into an early exit.
  volatile unsigned char result = diff;
  return result == 0;
}

// True if `key` equals any of `keys`; always walks every key.
bool contains(const std::vector<std::string>& keys, std::string_view key) {
  bool found = false;
  for (const auto& k : keys) found = equal_constant_time(k, key) || found;
  return found;
}

}  // namespace

authenticator::authenticator(const std::vector<std::string>& management_keys,
                             const std::vector<std::string>& inference_keys) {
  for (const auto& k : management_keys) {
    if (!k.empty()) management_.push_back(k);
  }
  for (const auto& k : inference_keys) {
    if (!k.empty()) inference_.push_back(k);
  }
}

std::string_view presented_key(const request& req) {
  auto x = req.find("X-API-Key");
  if (x != req.end() && !x->value().empty()) return x->value();
  auto a = req.find(boost::beast::http::field::authorization);
  if (a == req.end()) return {};
  std::string_view v = a->value();
  constexpr std::string_view bearer = "Bearer ";
  if (v.size() <= bearer.size()) return {};
  for (std::size_t i = 0; i < bearer.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(v[i])) !=
        std::tolower(static_cast<unsigned char>(bearer[i]))) {
      return {};
    }
  }
  v.remove_prefix(bearer.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return v;
}

key_kind authenticator::classify_key(std::string_view key) const {
  if (key.empty()) return key_kind::none;
  bool management = contains(management_, key);
  bool inference = contains(inference_, key);
  if (management) return key_kind::management;
  if (inference) return key_kind::inference;
  return key_kind::unknown;
}

key_kind authenticator::classify(const request& req) const { return classify_key(presented_key(req)); }

auth_decision authorize(access scope, key_kind kind) {
  switch (scope) {
    case access::open:
      return auth_decision::allow;
    case access::inference:
      if (kind == key_kind::management || kind == key_kind::inference) return auth_decision::allow;
      return auth_decision::unauthorized;
    case access::management:
      if (kind == key_kind::management) return auth_decision::allow;
      if (kind == key_kind::inference) return auth_decision::forbidden;
      return auth_decision::unauthorized;
  }
  return auth_decision::unauthorized;
}

}  // namespace studio::http
