import { describe, expect, it } from "vitest";
import { connectToHa, type HaLink } from "../../src/ha/connection.js";
import type { Logger } from "../../src/log.js";
import { startHangingHa } from "../ha/fake-ha.js";
import { freePort } from "../ha/hass.js";

/** A logger that keeps its lines. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (msg: string) => lines.push(`${level} ${msg}`);
  return { lines, debug: () => undefined, info: at("info"), warn: at("warn"), error: at("error") };
}

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const fast = { retryMinMs: 100, retryMaxMs: 400 };
const target = (url: string, token = "t") => ({
  wsUrl: `${url.replace(/^http/, "ws")}/api/websocket`,
  restUrl: `${url}/api`,
  token,
});

describe("connectToHa", () => {
  it("returns at once while nothing listens, retries with growing waits, and says why", async () => {
    const log = recordingLogger();
    const url = `http://127.0.0.1:${await freePort()}`;
    const link: HaLink = connectToHa(target(url), log, fast);
    try {
      expect(link.connected).toBe(false);
      await expect(link.send({ type: "get_config" })).rejects.toThrow(/not connected/);
      await until(() => log.lines.length >= 4, "four retries");
      expect(log.lines.slice(0, 4)).toEqual(
        ["0.1", "0.2", "0.4", "0.4"].map(
          (s) =>
            `warn Home Assistant at ${url.replace("http", "ws")}/api/websocket is not reachable (ECONNREFUSED); retrying in ${s} s`,
        ),
      );
    } finally {
      link.close();
    }
  });

  it("keeps retrying when the token is refused, with a line that names the fix", async () => {
    const ha = await startHangingHa({ answer: [], refuseToken: true });
    const log = recordingLogger();
    const link = connectToHa(target(ha.url, "wrong"), log, fast);
    try {
      await until(() => log.lines.length >= 3, "three refusals");
      for (const line of log.lines)
        expect(line).toMatch(
          /^warn Home Assistant at ws:\/\/\S+ refused the token \(auth_invalid\): check SUPERVISOR_TOKEN\/HA_TOKEN; retrying in [\d.]+ s$/,
        );
    } finally {
      link.close();
      await ha.close();
    }
  });

  it("gives up on a command Home Assistant does not answer, reconnects, and says ready again", async () => {
    const ha = await startHangingHa({ answer: [] });
    const log = recordingLogger();
    const link = connectToHa(target(ha.url), log, { ...fast, callTimeoutMs: 100 });
    let readies = 0;
    link.onReady(() => readies++);
    try {
      await until(() => readies === 1, "the first connection");
      await expect(link.send({ type: "get_config" })).rejects.toThrow(
        "Home Assistant did not answer get_config within 0.1 s",
      );
      await until(() => readies === 2, "the reconnection");
      expect(log.lines).toContain("warn Home Assistant did not answer get_config within 0.1 s: reconnecting");
    } finally {
      link.close();
      await ha.close();
    }
  });
});
