// Redis settings, for the processes that need only these (benches, tests), validated once.
import { createProcessEnv } from "@adclicks/config/env";
import { redisEnvSchema } from "./env-schema";

export const redisEnv = createProcessEnv(redisEnvSchema);
