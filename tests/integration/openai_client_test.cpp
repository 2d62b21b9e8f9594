// A real OpenAI client library (npm "openai", pinned in tests/openai_client)
// run by node against the real gateway: the admin instance serves chat, a
// named instance started with --embedding serves embeddings (the fake, like
// llama-server, does one or the other). The npm install happens once per
// build directory (build*/openai-client).
#include "gateway_process.hpp"
#include "studio/test/free_port.hpp"
#include "studio/test/observe.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

using namespace studio::test;
using namespace std::chrono_literals;
namespace json = boost::json;

TEST_SUITE("openai_client") {
  TEST_CASE("the openai npm client: chat (streamed and not) and embeddings through /v1") {
    const auto work = bin_path("studio-gateway").parent_path().parent_path() / "openai-client";
    const std::filesystem::path source = STUDIO_SOURCE_DIR;
    child_process install("/bin/sh", {{(source / "tests/openai_client/install.sh").string(), work.string()}});
    auto installed = install.wait_exit(240s);
    REQUIRE_MESSAGE(installed, install.output());
    REQUIRE_MESSAGE(installed->exited_with(0), install.output());

    temp_dir dir;
    auto model = dir.write_file("llm/models/m.gguf", "GGUF fake model");
    const auto first = free_port();
    gateway_options options{{"--llama-server", bin_path("fake-llama-server").string(), "--llm-port",
                             std::to_string(free_port()), "--instance-ports",
                             std::to_string(first) + "-" + std::to_string(first)},
                            {}};
    gateway_process gw(options, &dir);
    const header_list json_type{{"Content-Type", "application/json"}};
    REQUIRE(gw.call("POST", "/api/admin/llm/start", management_key, R"({"model":"m.gguf","wait":true})", json_type)
                .status == 200);
    json::object emb{{"model", model.string()}, {"embedding", true}};
    REQUIRE(gw.call("POST", "/api/v1/instances/emb", management_key, json::serialize(emb), json_type).status == 201);
    REQUIRE(poll_until(
        [&] {
          auto r = gw.call("GET", "/api/v1/instances/emb", management_key);
          return r.status == 200 && json::parse(r.body).at("status").as_string() == "running";
        },
        10s));

    const std::string base = "http://127.0.0.1:" + std::to_string(gw.port()) + "/v1";
    child_process node("/usr/bin/env", {{"node", (work / "client.mjs").string(), base, inference_key, "m.gguf", "emb"}});
    auto done = node.wait_exit(60s);
    REQUIRE_MESSAGE(done, node.output());
    CHECK_MESSAGE(done->exited_with(0), node.output());
    MESSAGE(node.output());
  }
}  // TEST_SUITE
