import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, Agent as HttpsAgent, request as httpsRequest, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import type { SimLab } from "../../src/sim/lab.js";
import { createNodeCertificate } from "../../src/sim/tls.js";

/**
 * A PVE that turns hostile on the routes a test names: an HTTPS server (its own self-signed
 * certificate, so the client pins it as it pins PVE's) in front of a simulated lab. Every request
 * is passed to the lab and its answer passed back, except those matching a sabotaged route, which
 * get one of the answers below instead. It counts the connections and requests it sees at once.
 */
export type Hostility =
  /** ~400 KB of gzip that inflates to 400 MiB of JSON whitespace. */
  | "gzip-bomb"
  /** `{"data":[` and rows, without end. */
  | "endless"
  /** A well-formed answer of 100 MB of rows. */
  | "huge-json"
  /** The head at once, then a byte every 100 ms. */
  | "trickle"
  /** `{"data":[{"volid":"` and a string that never closes. */
  | "endless-item"
  /** A task log whose one line is 100 MB long. */
  | "huge-log-line";

export interface HostilePve {
  /** `https://127.0.0.1:PORT`. */
  readonly url: string;
  readonly fingerprint: string;
  /** Requests whose path (without `/api2/json`, with its query) matches get `how` from now on. */
  sabotage(path: RegExp, how: Hostility): void;
  readonly seen: {
    /** Most connections open at once. */
    maxConnections: number;
    /** Most requests being answered at once. */
    maxInFlight: number;
    connections: number;
    requests: number;
  };
  stop(): Promise<void>;
}

const MiB = 1024 * 1024;
const ROW = Buffer.from(
  '{"volid":"nas-backups:backup/vzdump-qemu-100-2026_01_01-03_00_00.vma.zst","content":"backup","format":"vma.zst","vmid":100,"ctime":1767236400,"size":1000000000},',
);

export async function startHostilePve(lab: SimLab): Promise<HostilePve> {
  const cert = await createNodeCertificate("hostile");
  const upstream = new HttpsAgent({ keepAlive: true, rejectUnauthorized: false });
  const sabotaged: { path: RegExp; how: Hostility }[] = [];
  const seen = { maxConnections: 0, maxInFlight: 0, connections: 0, requests: 0 };
  let open = 0;
  let inFlight = 0;

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    seen.requests++;
    seen.maxInFlight = Math.max(seen.maxInFlight, ++inFlight);
    res.on("close", () => inFlight--);
    const path = (req.url ?? "").replace(/^\/api2\/json/, "");
    const hostile = sabotaged.find((s) => s.path.test(path));
    if (hostile) return answerHostile(hostile.how, res);
    const out = httpsRequest(
      new URL(req.url ?? "/", lab.url),
      { method: req.method, headers: req.headers, agent: upstream },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  };

  const server: Server = createServer({ key: cert.key, cert: cert.cert }, handler);
  server.on("secureConnection", (socket) => {
    seen.connections++;
    seen.maxConnections = Math.max(seen.maxConnections, ++open);
    socket.on("close", () => open--);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    fingerprint: cert.fingerprint,
    sabotage: (path, how) => sabotaged.unshift({ path, how }),
    seen,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      upstream.destroy();
    },
  };
}

const JSON_HEAD = { "Content-Type": "application/json;charset=UTF-8" };

function answerHostile(how: Hostility, res: ServerResponse): void {
  switch (how) {
    case "gzip-bomb": {
      // Gzip members may follow one another: 400 copies of 1 MiB of spaces, deflated.
      const member = gzipSync(Buffer.alloc(MiB, 0x20), { level: 9 });
      res.writeHead(200, { ...JSON_HEAD, "Content-Encoding": "gzip" });
      pump(res, (i) => (i < 400 ? member : undefined));
      return;
    }
    case "endless": {
      const rows = Buffer.concat(Array.from({ length: 400 }, () => ROW));
      res.writeHead(200, JSON_HEAD);
      res.write('{"data":[');
      pump(res, () => rows);
      return;
    }
    case "huge-json": {
      const rows = Buffer.concat(Array.from({ length: 400 }, () => ROW));
      const count = Math.ceil((100 * 1000 * 1000) / rows.length);
      res.writeHead(200, JSON_HEAD);
      res.write('{"data":[');
      pump(res, (i) =>
        i < count ? rows : i === count ? Buffer.from(`${ROW.subarray(0, -1)}]}`) : undefined,
      );
      return;
    }
    case "trickle": {
      res.writeHead(200, JSON_HEAD);
      res.write('{"data":[');
      const timer = setInterval(() => res.write(" "), 100);
      res.on("close", () => clearInterval(timer));
      return;
    }
    case "endless-item": {
      const filler = Buffer.alloc(64 * 1024, 0x61);
      res.writeHead(200, JSON_HEAD);
      res.write('{"data":[{"volid":"');
      pump(res, () => filler);
      return;
    }
    case "huge-log-line": {
      const filler = Buffer.alloc(MiB, 0x61);
      res.writeHead(200, JSON_HEAD);
      res.write('{"data":[{"n":1,"t":"');
      pump(res, (i) => (i < 100 ? filler : i === 100 ? Buffer.from('"}],"total":1}') : undefined));
      return;
    }
  }
}

/** Writes `next(0)`, `next(1)`, … as fast as the client takes them, until undefined or it hangs up. */
function pump(res: ServerResponse, next: (i: number) => Buffer | undefined): void {
  let i = 0;
  let closed = false;
  res.on("close", () => {
    closed = true;
  });
  const write = () => {
    while (!closed) {
      const piece = next(i++);
      if (!piece) return void res.end();
      if (!res.write(piece)) return void res.once("drain", write);
    }
  };
  write();
}
