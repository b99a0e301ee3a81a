// drizzle-kit config: `npm run generate -w @adclicks/db` writes SQL migrations to ./drizzle
// (committed). The product applies them with src/migrate-cli.ts, never with `push`.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: ["./src/schema.ts", "./src/catalog-schema.ts", "./src/auth-schema.ts"],
  out: "./drizzle",
});
