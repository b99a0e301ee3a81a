// CSV exports of the dashboards (/api/export/overview-top.csv?…, …), streamed; session cookie or API key.
import { handleExportRequest } from "@adclicks/api";
import { getDeps } from "~/server/deps";

export const dynamic = "force-dynamic";

export async function GET(req: Request, ctx: { params: Promise<{ file: string }> }) {
  return handleExportRequest(req, getDeps(), (await ctx.params).file);
}
