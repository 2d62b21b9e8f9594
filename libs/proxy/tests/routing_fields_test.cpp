// read_routing_fields: the /v1 routing fields without a JSON tree.
#include "studio/proxy/routing_fields.hpp"

#include <doctest/doctest.h>

using studio::proxy::read_routing_fields;

TEST_CASE("model and stream come from the top level of a valid body") {
  auto r = read_routing_fields(R"({"model":"m.gguf","messages":[{"role":"user","content":"hi","model":"x"}],"stream":true})");
  CHECK(r.error.empty());
  CHECK(r.model == "m.gguf");
  CHECK(r.stream);
  r = read_routing_fields(R"({"stream":false,"nested":{"model":"inner","stream":true},"model":"mo\u0064el-2"})");
  CHECK(r.error.empty());
  CHECK(r.model == "model-2");  // escapes decoded, nested keys ignored
  CHECK_FALSE(r.stream);
  r = read_routing_fields(R"( {"model":"a","stream":"yes"} )");
  CHECK(r.model == "a");
  CHECK_FALSE(r.stream);  // only true counts
}

TEST_CASE("of repeated keys the last one counts") {
  auto r = read_routing_fields(R"({"model":"a","stream":true,"model":"b","stream":false})");
  CHECK(r.model == "b");
  CHECK_FALSE(r.stream);
  CHECK(read_routing_fields(R"({"model":"a","model":7})").error == "missing 'model'");
}

TEST_CASE("anything but a JSON object, or an object without a usable model, is a 400 message") {
  for (const char* bad : {"", "not json", "[]", "\"model\"", R"({"model":"a")", R"({"model":"a"} x)",
                          R"({"model":"a",})", R"({"model":"a"}{"model":"b"})"}) {
    CAPTURE(bad);
    CHECK(read_routing_fields(bad).error == "invalid JSON body");
  }
  for (const char* missing : {"{}", R"({"model":""})", R"({"model":null})", R"({"model":["a"]})",
                              R"({"model":{"name":"a"}})", R"({"messages":[{"model":"a"}]})"}) {
    CAPTURE(missing);
    CHECK(read_routing_fields(missing).error == "missing 'model'");
  }
}
