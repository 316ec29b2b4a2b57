import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";

/**
 * A Home Assistant that hangs, for what a real one cannot be made to do on purpose: it accepts
 * the websocket and the login and answers pings, then answers only the command types it is told
 * to (without the integration: `pve_backup/*` is `unknown_command`); REST calls are accepted and
 * never answered.
 */
export interface HangingHa {
  readonly url: string;
  /** Commands received, by type. */
  readonly received: string[];
  /** REST requests received (`POST /api/states/…`). */
  readonly restCalls: string[];
  close(): Promise<void>;
}

export async function startHangingHa(opts: {
  answer: readonly string[];
  /** Answer every login with `auth_invalid`. */
  refuseToken?: boolean;
}): Promise<HangingHa> {
  const received: string[] = [];
  const restCalls: string[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    restCalls.push(`${req.method} ${req.url}`);
    req.resume();
    hanging.push(res);
  });
  const wss = new WebSocketServer({ server, path: "/api/websocket" });
  wss.on("connection", (ws) => {
    ws.send(JSON.stringify({ type: "auth_required", ha_version: "2025.1.4" }));
    ws.on("message", (raw) => {
      const msg = JSON.parse(String(raw)) as { id?: number; type: string };
      if (msg.type === "auth" && opts.refuseToken) {
        ws.send(JSON.stringify({ type: "auth_invalid", message: "Invalid access token or password" }));
        return ws.close();
      }
      if (msg.type === "auth") return ws.send(JSON.stringify({ type: "auth_ok", ha_version: "2025.1.4" }));
      if (msg.type === "ping") return ws.send(JSON.stringify({ id: msg.id, type: "pong" }));
      received.push(msg.type);
      if (!opts.answer.includes(msg.type)) return;
      const result =
        msg.type === "get_config"
          ? { success: true, result: { state: "RUNNING" } }
          : msg.type.startsWith("pve_backup/")
            ? { success: false, error: { code: "unknown_command", message: "Unknown command." } }
            : { success: true, result: null };
      ws.send(JSON.stringify({ id: msg.id, type: "result", ...result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    restCalls,
    async close() {
      for (const res of hanging) res.destroy();
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
