// Settings of the demo seed: where the web app answers (for the URLs in the credentials file).
import { createProcessEnv, portEnv } from "@adclicks/config/env";

export const seedEnv = createProcessEnv({ WEB_PORT: portEnv("WEB_PORT", 3000, { allowZero: false }) });
