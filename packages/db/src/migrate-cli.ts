// `npm run migrate -w @adclicks/db`: create the project database if absent and migrate it.
import { dbEnv } from "./env";
import { migrateDatabase } from "./migrate";

const url = new URL(dbEnv.DATABASE_URL);
await migrateDatabase(dbEnv.DATABASE_URL);
console.log(`    migrated ${url.host}${url.pathname}`);
