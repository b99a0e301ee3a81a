// Settings of the demo seed: where the web app answers (for the URLs in the credentials file).
import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";

export const seedEnv = createEnv({
  server: {
    WEB_PORT: z.coerce
      .number({ error: "WEB_PORT must be a TCP port number, e.g. 3000" })
      .int()
      .min(1)
      .max(65535)
      .default(3000),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
});
