// The two fields of an OpenAI-style request body that route it ("model" and
// "stream"), read in one validating pass over the text without building a
// JSON tree: the body is checked to be JSON (an object) as a full parse would,
// but nothing is allocated for the fields the gateway does not look at.
#pragma once

#include <string>
#include <string_view>

namespace studio::proxy {

struct routing_fields {
  std::string model;   // the top-level "model" string
  bool stream = false; // the top-level "stream" is true
  std::string error;   // non-empty: the 400 message ("invalid JSON body", "missing 'model'")
};

// Top-level keys only (a "model" inside "messages" does not count); of
// repeated keys the last one counts; a "model" that is not a non-empty string
// is missing, a "stream" that is not true is false.
routing_fields read_routing_fields(std::string_view body);

}  // namespace studio::proxy
