import { createServer, type Server } from "node:https";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createDsmClient } from "../../src/dsm/client.js";
import { silentLogger } from "../../src/log.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { optionsFileFor, runCli } from "../support/cli.js";
import { tieredLab } from "../support/scenarios.js";
import { labCert, NAS_USER, nasOptionsFor, selfSignedCert } from "./support.js";

/** What the hostile NAS answers a request: a body (JSON text or anything), or a raw handler. */
type Answer = string | ((res: import("node:http").ServerResponse) => void);

const API_INFO = JSON.stringify({
  success: true,
  data: {
    "SYNO.API.Info": { path: "query.cgi", minVersion: 1, maxVersion: 1 },
    "SYNO.API.Auth": { path: "entry.cgi", minVersion: 1, maxVersion: 7 },
    "SYNO.FileStation.List": { path: "entry.cgi", minVersion: 1, maxVersion: 2 },
    "SYNO.Backup.Task": { path: "entry.cgi", minVersion: 1, maxVersion: 2 },
  },
});
const LOGIN = JSON.stringify({
  success: true,
  data: { sid: "SID-secret-123", synotoken: "TOKEN-secret-456" },
});

const servers: { server: Server; sockets: Set<Socket> }[] = [];
const labs: SimLab[] = [];
afterEach(async () => {
  for (const lab of labs.splice(0)) await lab.stop();
  for (const { server, sockets } of servers.splice(0)) {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

/** A NAS on loopback: discovery and login as DSM, every other call answered by `answer(api, method)`. */
async function hostileNas(answer: (api: string, method: string) => Answer, timeoutMs = 1500) {
  const cert = labCert();
  const sockets = new Set<Socket>();
  const calls: string[] = [];
  const server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      const form = new URLSearchParams(body);
      const api = form.get("api") ?? "";
      const method = form.get("method") ?? "";
      calls.push(`${api} ${method}`);
      const a: Answer =
        api === "SYNO.API.Info"
          ? API_INFO
          : api === "SYNO.API.Auth" && method === "login"
            ? LOGIN
            : answer(api, method);
      if (typeof a === "function") return a(res);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(a);
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push({ server, sockets });
  const { port } = server.address() as { port: number };
  const logs: string[] = [];
  const log = { ...silentLogger };
  for (const level of ["debug", "info", "warn", "error"] as const)
    (log as Record<string, unknown>)[level] = (m: string) => logs.push(m);
  const client = createDsmClient(
    {
      baseUrl: `https://127.0.0.1:${port}`,
      username: NAS_USER.account,
      password: NAS_USER.password,
      fingerprint: cert.fingerprint,
      timeZone: "Europe/Berlin",
      timeoutMs,
    },
    { log: log as typeof silentLogger },
  );
  /** The NAS's certificate replaced (a new one installed in DSM); open connections dropped. */
  const replaceCertificate = (cert: { cert: string; key: string }) => {
    server.setSecureContext({ cert: cert.cert, key: cert.key });
    for (const s of sockets) s.destroy();
  };
  return { client, calls, logs, url: `https://127.0.0.1:${port}`, replaceCertificate };
}

const ok = (data: unknown) => JSON.stringify({ success: true, data });

const SECRETS = [NAS_USER.password, "SID-secret-123", "TOKEN-secret-456"];

/** The client's outcome as text (value or error), and everything it logged, for the secret check. */
async function outcome<T>(p: Promise<T>) {
  return p.then(
    (value) => ({ value, error: undefined }),
    (e: unknown) => ({ value: undefined, error: e as Error }),
  );
}

const manyBadRows = ok({ task_list: Array.from({ length: 10_000 }, (_, i) => ({ task_id: i, name: i })) });

describe("DSM client against a NAS answering garbage", () => {
  it.each<[string, Answer, RegExp]>([
    ["an HTML login page", "<html><body>Login</body></html>", /the answer is not JSON/],
    ["truncated JSON", '{"success":true,"data":{"task_list":[{"task_id":1,', /the answer is not JSON/],
    ["success without data", JSON.stringify({ success: true }), /not as expected at the answer: /],
    ["a task list of the wrong type", ok({ task_list: "nope" }), /not as expected at task_list: /],
    [
      "a task name of the wrong type",
      ok({ task_list: [{ task_id: 1, name: 5 }] }),
      /at task_list\.0\.name: /,
    ],
    ["10,000 rows each wrong", manyBadRows, /at task_list\.0\.name: .* \(and 9999 more\)$/],
    [
      "an error code as a string",
      JSON.stringify({ success: false, error: { code: "106" } }),
      /not a DSM answer/,
    ],
    [
      "a body over the cap",
      `{"success":true,"data":{"pad":"${"x".repeat(9 * 1024 * 1024)}"}}`,
      /larger than/,
    ],
    [
      "half a body, then silence",
      (res) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.write('{"success":true,');
      },
      /no answer: .*timeout/,
    ],
  ])("says %s is an upstream error in one short line, naming no secret", async (_name, answer, message) => {
    const { client, logs } = await hostileNas(() => answer);
    const { error } = await outcome(client.hyperBackupTasks());
    expect(error?.name).toBe("UpstreamError");
    expect(error?.message).toMatch(/^NAS 127\.0\.0\.1:\d+: /);
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain("\n");
    expect(error?.message.length).toBeLessThan(300);
    await client.close();
    for (const text of [error?.message ?? "", ...logs])
      for (const s of SECRETS) expect(text).not.toContain(s);
  });

  it("logs in again once when every session is refused, not forever", async () => {
    const { client, calls, logs } = await hostileNas(() =>
      JSON.stringify({ success: false, error: { code: 119 } }),
    );
    const { error } = await outcome(client.hyperBackupTasks());
    expect(error?.message).toMatch(/DSM error 119/);
    expect(calls.filter((c) => c === "SYNO.API.Auth login")).toHaveLength(2);
    await client.close();
    for (const text of [error?.message ?? "", ...logs])
      for (const s of SECRETS) expect(text).not.toContain(s);
  });

  it("refuses a NAS whose certificate changed under a live session, before asking anything again", async () => {
    const { client, calls, logs, replaceCertificate } = await hostileNas(() => ok({ task_list: [] }));
    expect(await client.hyperBackupTasks()).toEqual([]);
    const before = calls.length;
    replaceCertificate(selfSignedCert("impostor"));
    // The client sees its kept-alive connections close (DSM restarts its web server on a new certificate).
    await new Promise((r) => setTimeout(r, 200));
    const { error } = await outcome(client.hyperBackupTasks());
    expect(error?.message).toMatch(/fingerprint mismatch/);
    expect(calls.length).toBe(before);
    await client.close();
    for (const text of [error?.message ?? "", ...logs])
      for (const s of SECRETS) expect(text).not.toContain(s);
  });

  it("asks nothing more, and logs in no more, once closed while a read is under way", async () => {
    let release: () => void = () => {};
    const first = new Promise<void>((r) => {
      release = r;
    });
    const { client, calls } = await hostileNas((_api, method) =>
      method === "list"
        ? ok({ task_list: [1, 2, 3].map((id) => ({ task_id: id, name: `t${id}`, status: "none" })) })
        : method === "logout"
          ? ok({})
          : (res) => {
              // The first status hangs until the client closed; DSM then says the session is gone.
              void first.then(() => {
                res.writeHead(200, { "Content-Type": "application/json" });
                res.end(JSON.stringify({ success: false, error: { code: 119 } }));
              });
            },
    );
    const reading = outcome(client.hyperBackupTasks());
    await expect.poll(() => calls.includes("SYNO.Backup.Task status")).toBe(true);
    const closing = client.close();
    release();
    await closing;
    const { error } = await reading;
    expect(error?.name).toBe("UpstreamError");
    expect(calls.filter((c) => c === "SYNO.API.Auth login")).toHaveLength(1);
    expect(calls.filter((c) => c === "SYNO.Backup.Task status")).toHaveLength(1);
  });

  it.each<[string, unknown, unknown]>([
    ["missing", null, null],
    ["empty", "", "8000000000000"],
    ["not a number", "N/A", "8000000000000"],
    ["negative", -5, "8000000000000"],
    ["more free than the whole", "9000000000000", "8000000000000"],
  ])(
    "calls a share's space unknown when DSM's size is %s, never 0 bytes free",
    async (_name, free, total) => {
      const { client } = await hostileNas(() =>
        ok({
          shares: [
            {
              name: "backups",
              additional: {
                real_path: "/volume1/backups",
                volume_status: { freespace: free, totalspace: total },
              },
            },
          ],
        }),
      );
      const { value, error } = await outcome(client.shareSpace("/volume1/backups/proxmox"));
      expect(value).toBeUndefined();
      expect(error?.message).toMatch(/share backups: DSM gave no usable size/);
      await client.close();
    },
  );

  it("reads a share's sizes sent as strings, and a share of total 0 as DSM says it", async () => {
    const { client } = await hostileNas(() =>
      ok({
        shares: [
          { name: "other", additional: { real_path: "/volume2/other", volume_status: { freespace: "x" } } },
          {
            name: "backups",
            additional: { real_path: "/volume1/backups", volume_status: { freespace: "100", totalspace: 0 } },
          },
        ],
      }),
    );
    expect(await client.shareSpace("/volume1/backups/proxmox")).toEqual({
      share: "backups",
      realPath: "/volume1/backups",
      freeBytes: 100,
      totalBytes: 0,
    });
    await client.close();
  });
});

describe("pve-backup status against a NAS answering garbage", () => {
  it("says the off-NAS copies and the free space are unknown, never ok, never 0 free, and names no secret", async () => {
    const lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    labs.push(lab);
    const { url, client } = await hostileNas((api) =>
      api === "SYNO.Backup.Task"
        ? ok({ task_list: [{ task_id: 1, name: null }] })
        : ok({
            shares: [
              {
                name: "backups",
                additional: { real_path: "/volume1/backups", volume_status: { freespace: null } },
              },
            ],
          }),
    );
    await client.close();
    const file = optionsFileFor(lab, { nas: nasOptionsFor({ url }, labCert()) });
    const r = await runCli(["status", "--json", "--options", file], {
      PVE_BACKUP_NOW: "2026-02-11T10:00:00.000Z",
    });
    for (const s of SECRETS) expect(r.stdout + r.stderr).not.toContain(s);
    const json = JSON.parse(r.stdout) as {
      guests: { vmid: number; copies?: { offNas: string } }[];
      nas: { reachable: boolean; capacity: unknown; findings: { message: string }[] };
    };
    expect(json.nas.reachable).toBe(false);
    expect(json.nas.capacity).toBeNull();
    expect(json.guests.find((g) => g.vmid === 100)?.copies?.offNas).toBe("unknown");
    const messages = json.nas.findings.map((f) => f.message).join("\n");
    expect(messages).toMatch(/task_list\.0\.name/);
    expect(messages).toMatch(/backups: DSM gave no usable size/);
    expect(messages).not.toMatch(/GB free/);
  });

  it("nas prints a DSM task name with an escape sequence and a line break harmlessly, on its own line", async () => {
    const lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    labs.push(lab);
    const evil = "evil\u001b[2J\n! all copies fine\u009b";
    const { url, client } = await hostileNas((api, method) =>
      api === "SYNO.Backup.Task"
        ? ok(
            method === "list"
              ? { task_list: [{ task_id: 1, name: evil, status: "none" }] }
              : { last_bkp_error: evil },
          )
        : ok({ shares: [] }),
    );
    await client.close();
    const file = optionsFileFor(lab, { nas: nasOptionsFor({ url }, labCert()) });
    const r = await runCli(["nas", "--options", file], { PVE_BACKUP_NOW: "2026-02-11T10:00:00.000Z" });
    expect(r.stdout).toContain("evil\\x1b[2J\\x0a! all copies fine\\x9b");
    expect(r.stdout).not.toMatch(/\p{Cc}(?<!\n)/u);
    expect(r.stdout).not.toMatch(/^! all copies fine/m);
  });

  it("calendar prints a DSM task name with an escape sequence harmlessly", async () => {
    const lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    labs.push(lab);
    const row = {
      task_id: 1,
      name: "evil\u001b[2J\nforged",
      status: "none",
      next_bkp_time: "2026/02/12 03:00",
    };
    const { url, client } = await hostileNas((api, method) =>
      api === "SYNO.Backup.Task" ? ok(method === "list" ? { task_list: [row] } : {}) : ok({ shares: [] }),
    );
    await client.close();
    const file = optionsFileFor(lab, { nas: nasOptionsFor({ url }, labCert()) });
    const r = await runCli(["calendar", "--options", file], { PVE_BACKUP_NOW: "2026-02-11T10:00:00.000Z" });
    expect(r.stdout).toContain("Hyper Backup: evil\\x1b[2J\\x0aforged");
    expect(r.stdout).not.toMatch(/\p{Cc}(?<!\n)/u);
    expect(r.stdout).not.toMatch(/^forged/m);
  });

  it("nas run names the NAS's tasks harmlessly when the one asked for is not there", async () => {
    const lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    labs.push(lab);
    const row = { task_id: 1, name: "evil\u001b]0;pwned\u0007", status: "none" };
    const { url, client } = await hostileNas((api, method) =>
      api === "SYNO.Backup.Task" ? ok(method === "list" ? { task_list: [row] } : {}) : ok({ shares: [] }),
    );
    await client.close();
    const file = optionsFileFor(lab, { nas: nasOptionsFor({ url }, labCert()) });
    const r = await runCli(["nas", "run", "nightly", "--options", file], {
      PVE_BACKUP_NOW: "2026-02-11T10:00:00.000Z",
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("'evil\\x1b]0;pwned\\x07' (1)");
    expect(r.stderr).not.toMatch(/\p{Cc}(?<!\n)/u);
  });
});
