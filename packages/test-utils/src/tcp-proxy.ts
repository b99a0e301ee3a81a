// A tiny TCP proxy for tests: a Kafka client whose sockets go through it loses the broker when
// the proxy stops (connections cut, new ones refused) and finds it again when it restarts,
// without touching the shared broker.
import net from "node:net";

export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<number> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      this.sockets.add(client);
      this.sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
    return this.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A kafkajs socketFactory that sends every broker connection through this proxy. */
  socketFactory() {
    return ({ onConnect }: { host: string; port: number; ssl: unknown; onConnect: () => void }) => {
      const socket = net.connect({ host: "127.0.0.1", port: this.port }, onConnect);
      socket.setKeepAlive(true, 30_000);
      return socket;
    };
  }
}
