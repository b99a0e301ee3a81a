// The partner REST API (GET /api/v1/ads/...), generated from the tRPC router's zod schemas.
import { handleRestRequest } from "@adclicks/api";
import { getDeps } from "~/server/deps";

export const dynamic = "force-dynamic";

const handler = (req: Request) => handleRestRequest(req, getDeps());

export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE };
