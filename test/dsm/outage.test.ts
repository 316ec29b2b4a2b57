import { createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createDsmClient } from "../../src/dsm/client.js";
import { silentLogger } from "../../src/log.js";
import { labCert, NAS_USER, simDsmPerTest } from "./support.js";

const start = simDsmPerTest();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

describe("DSM outages", () => {
  it("gives up on a NAS that accepts connections and never answers, within the timeout", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.on("error", () => {});
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    closers.push(
      () =>
        new Promise((r) => {
          for (const s of sockets) s.destroy();
          silent.close(() => r());
        }),
    );
    const { port } = silent.address() as { port: number };
    const client = createDsmClient(
      {
        baseUrl: `https://127.0.0.1:${port}`,
        username: NAS_USER.account,
        password: NAS_USER.password,
        fingerprint: labCert().fingerprint,
        timeZone: "UTC",
        timeoutMs: 300,
      },
      { log: silentLogger },
    );
    const startedMs = performance.now();
    const err = (await client.hyperBackupTasks().catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^NAS 127\.0\.0\.1:\d+: API discovery: no answer/);
    expect(performance.now() - startedMs).toBeLessThan(10_000);
    await client.close();
  });

  it("logs in again after DSM restarted and forgot every session", async () => {
    const { dsm, cert } = await start({ tasks: [] });
    const client = createDsmClient(
      {
        baseUrl: dsm.url,
        username: NAS_USER.account,
        password: NAS_USER.password,
        fingerprint: cert.fingerprint,
        timeZone: "UTC",
        timeoutMs: 5000,
      },
      { log: silentLogger },
    );
    expect(await client.hyperBackupTasks()).toEqual([]);
    // A restart: the sid is unknown now (119), not timed out.
    dsm.forgetSessions();
    expect(await client.hyperBackupTasks()).toEqual([]);
    expect(dsm.calls.filter((c) => c.method === "login")).toHaveLength(2);
    expect(dsm.calls.filter((c) => c.errorCode === 119)).toHaveLength(1);
    await client.close();
  });
});
