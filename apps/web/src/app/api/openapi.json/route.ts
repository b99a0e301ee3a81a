// The OpenAPI 3 document of the partner API, with this server's origin as the base URL.
import { openApiDocument } from "@adclicks/api";

export const dynamic = "force-dynamic";

export function GET(req: Request): Response {
  return Response.json(openApiDocument(new URL(req.url).origin));
}
