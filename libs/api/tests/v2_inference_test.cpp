// /api/v2 load/chat building blocks: body mappings, the memory estimate on
// generated GGUF headers of known shape, sizes, VmRSS, token counters.
#include "studio/api/v2_inference.hpp"
#include "gguf_writer.hpp"
#include "studio/gguf/byte_source.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

using namespace studio;
namespace json = boost::json;

namespace {

json::object obj(std::string_view text) { return json::parse(text).as_object(); }

// A header with the shape the estimate reads.
gguf::metadata shaped(std::uint32_t blocks, std::uint32_t embd, std::uint32_t heads, std::uint32_t heads_kv,
                      std::uint32_t ctx) {
  gguf::test::gguf_writer w;
  w.counts(0, 6)
      .kv_string("general.architecture", "llama")
      .kv_u32("llama.context_length", ctx)
      .kv_u32("llama.embedding_length", embd)
      .kv_u32("llama.block_count", blocks)
      .kv_u32("llama.attention.head_count", heads)
      .kv_u32("llama.attention.head_count_kv", heads_kv);
  gguf::memory_source src(w.bytes());
  auto result = gguf::read_metadata(src);
  REQUIRE(std::holds_alternative<gguf::metadata>(result));
  return std::get<gguf::metadata>(result);
}

}  // namespace

TEST_CASE("load body: v2 names map onto the option table") {
  auto plan = api::plan_load(
      obj(R"({"n_gpu_layers":32,"n_ctx":2048,"n_batch":512,"threads":4,"use_mlock":true,"f16_kv":true})"));
  REQUIRE_FALSE(plan.error);
  CHECK(plan.options.at("n_gpu_layers").to_number<int>() == 32);
  CHECK(plan.options.at("ctx_size").to_number<int>() == 2048);
  CHECK(plan.options.at("batch_size").to_number<int>() == 512);
  CHECK(plan.options.at("threads").to_number<int>() == 4);
  CHECK(plan.options.at("mlock") == true);
  CHECK(plan.options.at("cache_type_k") == "f16");
  CHECK(plan.options.at("cache_type_v") == "f16");
  CHECK(plan.n_ctx == 2048u);
  CHECK(plan.gpu_offload);
  CHECK_FALSE(plan.force);

  auto off = api::plan_load(obj(R"({"f16_kv":false,"force":true,"n_gpu_layers":0})"));
  REQUIRE_FALSE(off.error);
  CHECK_FALSE(off.options.contains("cache_type_k"));
  CHECK(off.force);
  CHECK_FALSE(off.gpu_offload);
  CHECK(api::plan_load(obj("{}")).options.empty());
}

TEST_CASE("load body: wrong types, unknown fields and ranges name the v2 field") {
  CHECK(*api::plan_load(obj(R"({"n_ctx":"big"})")).error == "field 'n_ctx' must be an integer");
  CHECK(*api::plan_load(obj(R"({"n_batch":1.5})")).error == "field 'n_batch' must be an integer");
  CHECK(*api::plan_load(obj(R"({"use_mlock":1})")).error == "field 'use_mlock' must be a boolean");
  CHECK(*api::plan_load(obj(R"({"force":"yes"})")).error == "field 'force' must be a boolean");
  CHECK(*api::plan_load(obj(R"({"n_ctxx":1})")).error == "unknown field 'n_ctxx'");
  auto range = api::plan_load(obj(R"({"n_ctx":-5})"));
  REQUIRE(range.error);
  CHECK(range.error->find("'n_ctx'") != std::string::npos);
}

TEST_CASE("chat body: messages required, n_predict -> max_tokens, stream set") {
  auto plan = api::plan_chat(
      obj(R"({"messages":[{"role":"user","content":"hi"}],"temperature":0.7,"top_p":1,"n_predict":100})"),
      "m.gguf", true);
  REQUIRE_FALSE(plan.error);
  CHECK(plan.body.at("model") == "m.gguf");
  CHECK(plan.body.at("max_tokens").to_number<int>() == 100);
  CHECK(plan.body.at("temperature").as_double() == doctest::Approx(0.7));
  CHECK(plan.body.at("stream") == true);
  CHECK_FALSE(plan.body.contains("n_predict"));
  CHECK(*api::plan_chat(obj(R"({"temperature":1})"), "m", false).error == "missing 'messages' array");
  CHECK(*api::plan_chat(obj(R"({"messages":"hi"})"), "m", false).error == "missing 'messages' array");
  CHECK(*api::plan_chat(obj(R"({"messages":[],"n_predict":"x"})"), "m", false).error ==
        "field 'n_predict' must be an integer");
  CHECK(*api::plan_chat(obj(R"({"messages":[],"top_p":"x"})"), "m", false).error ==
        "field 'top_p' must be a number");
  CHECK(api::plan_chat(obj(R"({"messages":[]})"), "m", false).body.at("stream") == false);
}

TEST_CASE("memory estimate from a generated header of known shape") {
  // 32 layers, 4096 wide, 32 heads, 8 KV heads (GQA): K/V width 1024.
  auto md = shaped(32, 4096, 32, 8, 8192);
  auto e = api::estimate_memory(md, 1000, 2048);
  REQUIRE(e);
  CHECK(e->weights_bytes == 1000);
  CHECK(e->n_ctx == 2048);
  CHECK(e->kv_cache_bytes == 2ull * 32 * 2048 * 1024 * 2);  // 256 MiB
  CHECK(e->total_bytes == e->kv_cache_bytes + 1000);
  // No n_ctx: the model's context length; 0 likewise.
  CHECK(api::estimate_memory(md, 0, std::nullopt)->n_ctx == 8192);
  CHECK(api::estimate_memory(md, 0, 0)->kv_cache_bytes == 2ull * 32 * 8192 * 1024 * 2);
  // Without head_count_kv every head has its own K/V.
  auto mha = shaped(2, 64, 4, 4, 16);
  CHECK(api::estimate_memory(mha, 0, 16)->kv_cache_bytes == 2ull * 2 * 16 * 64 * 2);
  // Huge shapes saturate instead of wrapping around.
  auto huge = shaped(4000000000u, 4000000000u, 1, 1, 16);
  CHECK(api::estimate_memory(huge, 10, 16777216)->total_bytes > 1000000000000000000ull);
  gguf::metadata missing;
  CHECK_FALSE(api::estimate_memory(missing, 10, 16));
}

TEST_CASE("human_bytes and VmRSS") {
  CHECK(api::human_bytes(512) == "512B");
  CHECK(api::human_bytes(3 * 1024) == "3.0KB");
  CHECK(api::human_bytes(4831838208ull) == "4.5GB");
  CHECK(api::parse_vm_rss("Name:\tx\nVmRSS:\t  123 kB\nVmData: 9 kB\n") == 123u * 1024);
  CHECK_FALSE(api::parse_vm_rss("Name:\tx\n"));
}

TEST_CASE("token counting and per-model totals") {
  CHECK(api::completion_tokens(R"({"usage":{"completion_tokens":7}})") == 7);
  CHECK(api::completion_tokens(R"({"choices":[]})") == 0);
  CHECK(api::completion_tokens("not json") == 0);
  CHECK(api::stream_tokens(5) == 4);
  CHECK(api::stream_tokens(0) == 0);
  api::model_performance perf;
  perf.add("a", 10, 0.5);
  perf.add("a", 30, 1.5);
  CHECK(perf.get("a").tokens == 40);
  CHECK(perf.get("a").average_speed() == doctest::Approx(20));
  CHECK(perf.get("b").tokens == 0);
  CHECK(perf.get("b").average_speed() == 0);
}
