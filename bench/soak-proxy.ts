import type { AddressInfo } from "node:net";
import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP relay in front of the simulated PVE: `down()` closes its port and cuts every open
 * connection, so the service meets what a powered-off node gives (connection refused);
 * `up()` listens on the same port again. TLS passes through untouched (the pinned fingerprint
 * is the lab's).
 */
export interface OutageProxy {
  /** `https://127.0.0.1:PORT`. */
  readonly url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOutageProxy(targetUrl: string): Promise<OutageProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  const relay = (client: Socket) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      // A cut connection is the point of this relay; the other side sees it as a reset.
      s.on("error", () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  };
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((ok, fail) => {
      const s = createServer(relay);
      s.once("error", fail);
      s.listen(port, "127.0.0.1", () => {
        server = s;
        ok((s.address() as AddressInfo).port);
      });
    });
  const close = () =>
    new Promise<void>((ok) => {
      const s = server;
      server = undefined;
      for (const sock of sockets) sock.destroy();
      if (s) s.close(() => ok());
      else ok();
    });
  const port = await listen(0);
  return {
    url: `https://127.0.0.1:${port}`,
    down: close,
    async up() {
      if (!server) await listen(port);
    },
    stop: close,
  };
}
