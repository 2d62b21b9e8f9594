// Validates an OpenAPI document (JSON) against the official OpenAPI schema of its
// version, resolving every $ref; prints each error and exits 1 when invalid.
// Usage: node validate.mjs openapi.json
import { Validator } from "@seriousme/openapi-schema-validator";

const file = process.argv[2];
const validator = new Validator();
const result = await validator.validate(file);
if (!result.valid) {
  console.error(`${file}: invalid OpenAPI ${validator.version ?? ""}`);
  console.error(JSON.stringify(result.errors, null, 2));
  process.exit(1);
}
console.log(`${file}: valid OpenAPI ${validator.version}`);
