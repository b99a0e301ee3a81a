// better-auth's endpoints (sign-in, sign-out, session) under /api/auth.
import { toNextJsHandler } from "better-auth/next-js";
import { getDeps } from "~/server/deps";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  return toNextJsHandler(getDeps().auth).GET(req);
}

export async function POST(req: Request): Promise<Response> {
  return toNextJsHandler(getDeps().auth).POST(req);
}
