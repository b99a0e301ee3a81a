// The production web server (`npm start -w @adclicks/web`): Next's request handler behind a Node
// HTTP server that stamps each request with its client's address (server/client-ip.ts) for the
// sign-in limits. `next start` cannot: it keeps a client's own X-Forwarded-For as it came, and a
// route handler never sees the socket. Refuses to start with the development auth secret.
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import next from "next";
import { env, productionAuthSecretProblem } from "./env";
import { markClientIpStamped, stampClientIp } from "./server/client-ip";

const problem = productionAuthSecretProblem();
if (problem) {
  console.error(`web: ${problem}`);
  process.exit(1);
}

const port = env.PORT ?? env.WEB_PORT;
const app = next({ dev: false, dir: fileURLToPath(new URL("..", import.meta.url)), port });
await app.prepare();
const handle = app.getRequestHandler();
markClientIpStamped();

const server = createServer((req, res) => {
  stampClientIp(req.headers, req.socket.remoteAddress, env.TRUSTED_PROXY_HEADER);
  handle(req, res).catch((err: unknown) => {
    console.error("web: request failed", err);
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
});
server.listen(port, () => {
  const via = env.TRUSTED_PROXY_HEADER ? `the ${env.TRUSTED_PROXY_HEADER} header` : "the socket";
  console.log(`web: listening on http://localhost:${port} (client addresses from ${via})`);
});

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  server.close(() => {
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error("web: shutdown failed", err);
        process.exit(1);
      },
    );
  });
  server.closeIdleConnections();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
