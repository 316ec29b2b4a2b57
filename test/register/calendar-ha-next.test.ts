import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { haNextAutomaticFor } from "../../src/commands/calendar.js";
import { UNCHECKED_HA_BACKUPS } from "../../src/core/ha-backup.js";
import { silentLogger } from "../../src/log.js";

/**
 * `pve-backup calendar` finds Home Assistant's next automatic backup: asked of Home Assistant
 * (`backup/info`) when the environment says how to reach it, else the service's last look.
 */

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A Home Assistant websocket that answers `backup/info` with `next`. */
async function haAnswering(next: string | null): Promise<string> {
  const server = createServer();
  const wss = new WebSocketServer({ server, path: "/api/websocket" });
  wss.on("connection", (ws) => {
    ws.send(JSON.stringify({ type: "auth_required", ha_version: "2025.2.0" }));
    ws.on("message", (raw) => {
      const msg = JSON.parse(String(raw)) as { id?: number; type: string };
      if (msg.type === "auth") return ws.send(JSON.stringify({ type: "auth_ok", ha_version: "2025.2.0" }));
      if (msg.type === "ping") return ws.send(JSON.stringify({ id: msg.id, type: "pong" }));
      if (msg.type !== "backup/info")
        return ws.send(
          JSON.stringify({ id: msg.id, type: "result", success: false, error: { code: "unknown_command" } }),
        );
      ws.send(
        JSON.stringify({
          id: msg.id,
          type: "result",
          success: true,
          result: { backups: [], agent_errors: {}, next_automatic_backup: next },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(async () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    await new Promise((r) => server.close(r));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An options file with the service's state beside it, its next automatic backup `saved`. */
function optionsWithState(saved: string | null): string {
  const dir = mkdtempSync(join(tmpdir(), "pve-backup-ha-next-"));
  writeFileSync(
    join(dir, "pve-backup-ha-backups.json"),
    JSON.stringify({ version: 1, checksums: {}, status: { ...UNCHECKED_HA_BACKUPS, nextAutomatic: saved } }),
  );
  return join(dir, "options.json");
}

describe("Home Assistant's next automatic backup for the CLI", () => {
  it("asks Home Assistant when it can reach it", async () => {
    const url = await haAnswering("2026-03-30T04:52:00+00:00");
    const ms = await haNextAutomaticFor({
      env: { HA_URL: url, HA_TOKEN: "t" },
      optionsPath: optionsWithState("2026-03-01T00:00:00.000Z"),
      log: silentLogger,
    });
    expect(ms).toBe(Date.parse("2026-03-30T04:52:00Z"));
  });

  it("takes the service's last look when Home Assistant cannot be reached, or has none", async () => {
    const saved = "2026-03-29T04:45:00.000Z";
    const away = await haNextAutomaticFor({
      env: { HA_URL: "http://127.0.0.1:9", HA_TOKEN: "t" },
      optionsPath: optionsWithState(saved),
      log: silentLogger,
      timeoutMs: 500,
    });
    expect(away).toBe(Date.parse(saved));
    expect(
      await haNextAutomaticFor({ env: {}, optionsPath: optionsWithState(saved), log: silentLogger }),
    ).toBe(Date.parse(saved));
    // Home Assistant 2025.1 has no next run to give.
    const old = await haAnswering(null);
    expect(
      await haNextAutomaticFor({
        env: { HA_URL: old, HA_TOKEN: "t" },
        optionsPath: optionsWithState(saved),
        log: silentLogger,
      }),
    ).toBeUndefined();
  });

  it.each([
    ["no state file", undefined],
    ["a damaged time", "not a time"],
    ["none recorded", null],
  ])("is unknown with %s", async (_, saved) => {
    const optionsPath =
      saved === undefined ? join(tmpdir(), "nowhere", "options.json") : optionsWithState(saved);
    expect(await haNextAutomaticFor({ env: {}, optionsPath, log: silentLogger })).toBeUndefined();
    expect(await haNextAutomaticFor({ env: {}, log: silentLogger })).toBeUndefined();
  });
});
