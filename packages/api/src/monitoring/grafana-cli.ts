// Writes infra/grafana/adclicks-ops.json from grafana-dashboard.ts.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { grafanaDashboardJson } from "./grafana-dashboard";

const out = fileURLToPath(new URL("../../../../infra/grafana/adclicks-ops.json", import.meta.url));
writeFileSync(out, grafanaDashboardJson());
console.log(`wrote ${out}`);
