// Key classification (constant time over SHA-256 digests) and the access rule.
#include "studio/http/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace studio::http {
namespace {

std::array<unsigned char, 32> sha256(std::string_view s) {
  std::array<unsigned char, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), out.data());
  return out;
}

// True if `d` equals any of `keys`; always walks every key.
template <class Digests, class Digest>
bool contains(const Digests& keys, const Digest& d) {
  int found = 0;
  for (const auto& k : keys) found |= CRYPTO_memcmp(k.data(), d.data(), d.size()) == 0 ? 1 : 0;
  return found != 0;
}

}  // namespace

authenticator::authenticator(const std::vector<std::string>& management_keys,
                             const std::vector<std::string>& inference_keys) {
  for (const auto& k : management_keys) {
    if (!k.empty()) management_.push_back(sha256(k));
  }
  for (const auto& k : inference_keys) {
    if (!k.empty()) inference_.push_back(sha256(k));
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
  auto d = sha256(key);
  bool management = contains(management_, d);
  bool inference = contains(inference_, d);
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
