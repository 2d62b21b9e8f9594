// The official OpenAI client library (npm "openai", pinned by package-lock.json)
// against a running studio-gateway: non-streamed chat, streamed chat and
// embeddings through /v1. Prints one line per check; exit status 0 only when
// every check passed. Run by the integration test openai_client_test.cpp.
//
// Usage: node client.mjs BASE_URL API_KEY CHAT_MODEL EMBEDDING_MODEL
import OpenAI from "openai";

const [baseURL, apiKey, chatModel, embeddingModel] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 10_000 });
let failed = 0;
function check(ok, what, detail = "") {
  console.log(`${ok ? "ok" : "FAILED"}: ${what}${detail ? ` (${detail})` : ""}`);
  if (!ok) failed++;
}

try {
  const messages = [{ role: "user", content: "hi" }];

  const chat = await client.chat.completions.create({ model: chatModel, messages, max_tokens: 3 });
  check(chat.object === "chat.completion", "non-streamed chat object", chat.object);
  check(typeof chat.choices[0].message.content === "string" && chat.choices[0].message.content.length > 0,
        "non-streamed chat content", chat.choices[0].message.content);
  check(chat.usage?.completion_tokens === 3, "non-streamed usage.completion_tokens", chat.usage?.completion_tokens);

  const stream = await client.chat.completions.create({ model: chatModel, messages, max_tokens: 4, stream: true });
  let text = "";
  let chunks = 0;
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    chunks++;
    const choice = chunk.choices?.[0];
    if (choice?.delta?.content) text += choice.delta.content;
    if (choice?.finish_reason) finish = choice.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  check(chunks === 5, "streamed chat: 4 token chunks and the final one", chunks);
  check(text.length > 0, "streamed chat text", text);
  check(finish === "length", "streamed chat finish_reason", finish);
  check(usage?.completion_tokens === 4, "streamed chat usage in the final chunk", usage?.completion_tokens);

  const emb = await client.embeddings.create({ model: embeddingModel, input: ["hello", "world"] });
  check(emb.data.length === 2, "embeddings: one vector per input", emb.data.length);
  const v = emb.data[0]?.embedding;
  check(Array.isArray(v) && v.length === 16 && v.every(Number.isFinite), "embeddings: 16 finite floats",
        Array.isArray(v) ? v.length : typeof v);
  check(emb.usage?.prompt_tokens > 0, "embeddings usage.prompt_tokens", emb.usage?.prompt_tokens);

  try {
    await client.chat.completions.create({ model: "no-such-model", messages });
    check(false, "unknown model is an error");
  } catch (e) {
    check(e instanceof OpenAI.NotFoundError, "unknown model: NotFoundError (404)", e.status);
  }
} catch (e) {
  check(false, "unexpected error", `${e?.status ?? ""} ${e?.message ?? e}`);
}
process.exit(failed === 0 ? 0 : 1);
