// Validates Kubernetes manifests against the API schemas (kubernetes-models, from npm).
// Usage: node validate.mjs FILE.yaml...
import { readFileSync } from "node:fs";
import * as yaml from "js-yaml";
import { Deployment } from "kubernetes-models/apps/v1";
import { Service, PersistentVolumeClaim, Secret } from "kubernetes-models/v1";
const kinds = { Deployment, Service, PersistentVolumeClaim, Secret };
let failed = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of yaml.loadAll(readFileSync(file, "utf8"))) {
    if (!doc) continue;
    const Model = kinds[doc.kind];
    try {
      if (!Model) throw new Error(`no schema for kind ${doc.kind}`);
      new Model(doc).validate();
      console.log(`ok ${file}: ${doc.kind}/${doc.metadata?.name}`);
    } catch (e) { failed++; console.error(`FAIL ${file}: ${e.message}`); }
  }
}
process.exit(failed ? 1 : 0);
