// tRPC endpoint for the dashboard (session cookie) and TypeScript partners (API key).
import { handleTrpcRequest } from "@adclicks/api";
import { getDeps } from "~/server/deps";

export const dynamic = "force-dynamic";

const handler = (req: Request) => handleTrpcRequest(req, getDeps());

export { handler as GET, handler as POST };
