// Authentication: key extraction, classification, and the access rule.
#include "studio/http/auth.hpp"

#include <doctest/doctest.h>

using namespace studio::http;

namespace {
request with_header(std::string_view name, std::string_view value) {
  request req;
  req.set(name, value);
  return req;
}
}  // namespace

TEST_CASE("keys are read from X-API-Key or Authorization: Bearer") {
  CHECK(presented_key(with_header("X-API-Key", "k1")) == "k1");
  CHECK(presented_key(with_header("Authorization", "Bearer k2")) == "k2");
  CHECK(presented_key(with_header("Authorization", "bearer k3")) == "k3");
  CHECK(presented_key(with_header("Authorization", "Basic abc")) == "");
  CHECK(presented_key(with_header("Authorization", "Bearer ")) == "");
  CHECK(presented_key(request{}) == "");
}

TEST_CASE("classification by key kind") {
  authenticator auth({"m1", "m2"}, {"i1"});
  CHECK(auth.classify_key("m1") == key_kind::management);
  CHECK(auth.classify_key("m2") == key_kind::management);
  CHECK(auth.classify_key("i1") == key_kind::inference);
  CHECK(auth.classify_key("m") == key_kind::unknown);
  CHECK(auth.classify_key("m1 ") == key_kind::unknown);
  CHECK(auth.classify_key("") == key_kind::none);
  CHECK(auth.classify(with_header("Authorization", "Bearer i1")) == key_kind::inference);
}

TEST_CASE("empty configured keys never match") {
  authenticator auth({""}, {""});
  CHECK(auth.classify_key("") == key_kind::none);
  CHECK(auth.classify_key("x") == key_kind::unknown);
}

TEST_CASE("access rule") {
  CHECK(authorize(access::open, key_kind::none) == auth_decision::allow);
  CHECK(authorize(access::open, key_kind::unknown) == auth_decision::allow);
  CHECK(authorize(access::inference, key_kind::none) == auth_decision::unauthorized);
  CHECK(authorize(access::inference, key_kind::unknown) == auth_decision::unauthorized);
  CHECK(authorize(access::inference, key_kind::inference) == auth_decision::allow);
  CHECK(authorize(access::inference, key_kind::management) == auth_decision::allow);
  CHECK(authorize(access::management, key_kind::none) == auth_decision::unauthorized);
  CHECK(authorize(access::management, key_kind::unknown) == auth_decision::unauthorized);
  CHECK(authorize(access::management, key_kind::inference) == auth_decision::forbidden);
  CHECK(authorize(access::management, key_kind::management) == auth_decision::allow);
}
