import { describe, expect, it } from "vitest";
import { createDsmClient, type DsmClientOptions } from "../../src/dsm/client.js";
import { silentLogger } from "../../src/log.js";
import type { SimDsm, SimHyperBackupTask } from "../../src/sim/dsm.js";
import { NAS_USER, selfSignedCert, simDsmPerTest } from "./support.js";

const start = simDsmPerTest();
const NOW = Date.parse("2026-02-11T10:00:00Z");
const H = 3_600_000;

/** Last night's task: ran 01:00 Berlin (00:00 UTC), succeeded, next tonight. */
const nightly = (over: Partial<SimHyperBackupTask> = {}): SimHyperBackupTask => ({
  task_id: 3,
  name: "NAS to USB",
  state: "backupable",
  status: "none",
  last_bkp_result: "done",
  last_bkp_error: "",
  lastRunMs: NOW - 10 * H,
  lastEndMs: NOW - 9 * H,
  lastSuccessMs: NOW - 10 * H,
  nextRunMs: NOW + 14 * H,
  type: "image:image_local",
  folders: ["/volume1/backups"],
  ...over,
});

const clientFor = (dsm: SimDsm, fingerprint: string, over: Partial<DsmClientOptions> = {}) =>
  createDsmClient(
    {
      baseUrl: dsm.url,
      username: NAS_USER.account,
      password: NAS_USER.password,
      fingerprint,
      timeZone: "Europe/Berlin",
      timeoutMs: 5000,
      ...over,
    },
    { log: silentLogger },
  );

const logins = (dsm: SimDsm) => dsm.calls.filter((c) => c.api === "SYNO.API.Auth" && c.method === "login");

describe("DSM client against the DSM stand-in", () => {
  it("logs in with a SynoToken and reads the tasks, their local times turned into instants", async () => {
    const { dsm, cert } = await start({ tasks: [nightly()] });
    const client = clientFor(dsm, cert.fingerprint);
    const tasks = await client.hyperBackupTasks();
    expect(tasks).toEqual([
      {
        id: 3,
        name: "NAS to USB",
        state: "backupable",
        status: "none",
        lastResult: "done",
        lastError: "",
        lastRunMs: NOW - 10 * H,
        lastEndMs: NOW - 9 * H,
        lastSuccessMs: NOW - 10 * H,
        nextRunMs: NOW + 14 * H,
        destination: "image:image_local",
        destinationKind: "local",
        folders: [{ path: "/volume1/backups", missing: false }],
        excludes: [],
      },
    ]);
    expect(logins(dsm)).toHaveLength(1);
    expect(dsm.calls.every((c) => c.errorCode === null)).toBe(true);
    await client.close();
    expect(dsm.sessions()).toBe(0);
    expect(dsm.calls.at(-1)).toMatchObject({ api: "SYNO.API.Auth", method: "logout" });
  });

  it("refuses a certificate whose fingerprint is not the pinned one before sending anything", async () => {
    const { dsm } = await start({ tasks: [nightly()] });
    const other = selfSignedCert("impostor");
    const client = clientFor(dsm, other.fingerprint);
    const err = await client.hyperBackupTasks().catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/fingerprint mismatch/);
    expect((err as Error).message).not.toContain(NAS_USER.password);
    // Not even discovery reached DSM, let alone the login.
    expect(dsm.calls).toEqual([]);
    expect(dsm.sessions()).toBe(0);
    await client.close();
  });

  it("logs in again once when DSM ends the session, then succeeds", async () => {
    const { dsm, cert } = await start({ tasks: [nightly()] });
    const client = clientFor(dsm, cert.fingerprint);
    await client.hyperBackupTasks();
    dsm.expireSessions();
    const tasks = await client.hyperBackupTasks();
    expect(tasks?.map((t) => t.name)).toEqual(["NAS to USB"]);
    expect(logins(dsm)).toHaveLength(2);
    expect(dsm.calls.filter((c) => c.errorCode === 106)).toHaveLength(1);
    await client.close();
  });

  it("gives up after one new login when the new session is refused too", async () => {
    const { dsm, cert } = await start({ tasks: [nightly()] });
    const client = clientFor(dsm, cert.fingerprint);
    await client.shareSpace("/volume1/backups");
    // Every session expires as soon as DSM has answered with it: the retry fails too, and is not retried.
    const calls = dsm.calls.length;
    dsm.expireSessions();
    const original = dsm.calls.push.bind(dsm.calls);
    dsm.calls.push = (...c) => {
      dsm.expireSessions();
      return original(...c);
    };
    const err = await client.hyperBackupTasks().catch((e: unknown) => e as Error);
    expect((err as Error).message).toMatch(/DSM error 106/);
    expect(logins(dsm)).toHaveLength(2);
    expect(dsm.calls.length - calls).toBeLessThan(8);
    await client.close();
  });

  it("says Hyper Backup is not installed with null, not with an empty list", async () => {
    const { dsm, cert } = await start({ hyperBackup: false });
    const client = clientFor(dsm, cert.fingerprint);
    expect(await client.hyperBackupTasks()).toBeNull();
    await client.close();
  });

  it("reads free space of the share holding a folder, as any user may", async () => {
    const { dsm, cert } = await start({ users: [{ ...NAS_USER, admin: false }] });
    const client = clientFor(dsm, cert.fingerprint);
    expect(await client.shareSpace("/volume1/backups/proxmox/dump")).toEqual({
      share: "backups",
      realPath: "/volume1/backups",
      freeBytes: 6_765_432_109_876,
      totalBytes: 7_999_999_999_999,
    });
    expect(await client.shareSpace("/volume2/other")).toBeUndefined();
    await expect(client.hyperBackupTasks()).rejects.toThrow(/DSM error 105 .*administrators/);
    await client.close();
  });

  it("runs a task now", async () => {
    const { dsm, cert } = await start({ tasks: [nightly()] });
    const client = clientFor(dsm, cert.fingerprint);
    await client.runTask(3);
    expect(dsm.tasks[0]).toMatchObject({ status: "backup", last_bkp_result: "backingup", lastRunMs: NOW });
    await expect(client.runTask(3)).rejects.toThrow(/DSM error 4401 \(Hyper Backup refused/);
    await expect(client.runTask(99)).rejects.toThrow(/DSM error 4400/);
    await client.close();
  });

  it("tells a wrong password without repeating it", async () => {
    const { dsm, cert } = await start();
    const client = clientFor(dsm, cert.fingerprint, { password: "wrong-Passw0rd-here" });
    const err = (await client.shareSpace("/volume1/backups").catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/DSM error 400 .*nas\.password/);
    expect(err.message).not.toContain("wrong-Passw0rd-here");
    expect(logins(dsm)).toHaveLength(1);
    await client.close();
  });

  it("logs in to a two-step account with its device token, and explains the refusal without", async () => {
    const { dsm, cert } = await start({ users: [{ ...NAS_USER, deviceId: "dev-123" }] });
    const without = clientFor(dsm, cert.fingerprint);
    await expect(without.shareSpace("/volume1/backups")).rejects.toThrow(/403 .*device_token/);
    await without.close();
    const withToken = clientFor(dsm, cert.fingerprint, { deviceToken: "dev-123" });
    expect((await withToken.shareSpace("/volume1/backups"))?.share).toBe("backups");
    await withToken.close();
  });
});

describe("DSM stand-in", () => {
  it("answers a call without the session's SynoToken with 119, like DSM", async () => {
    const { dsm, cert } = await start({ tasks: [nightly()] });
    const client = clientFor(dsm, cert.fingerprint);
    await client.shareSpace("/volume1/backups");
    const login = await fetchForm(dsm.url, cert, {
      api: "SYNO.API.Auth",
      version: "7",
      method: "login",
      account: NAS_USER.account,
      passwd: NAS_USER.password,
      format: "sid",
      enable_syno_token: "yes",
    });
    const sid = (login as { data: { sid: string } }).data.sid;
    const noToken = await fetchForm(dsm.url, cert, {
      api: "SYNO.Backup.Task",
      version: "1",
      method: "list",
      _sid: sid,
    });
    expect(noToken).toEqual({ success: false, error: { code: 119 } });
    const v2 = await fetchForm(dsm.url, cert, {
      api: "SYNO.Backup.Task",
      version: "2",
      method: "list",
      _sid: sid,
      SynoToken: (login as { data: { synotoken: string } }).data.synotoken,
    });
    expect(v2).toEqual({ success: false, error: { code: 103 } });
    await client.close();
  });
});

async function fetchForm(
  url: string,
  cert: { cert: string },
  form: Record<string, string>,
): Promise<unknown> {
  const { request } = await import("node:https");
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/webapi/entry.cgi`,
      { method: "POST", ca: cert.cert, headers: { "Content-Type": "application/x-www-form-urlencoded" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
      },
    );
    req.on("error", reject);
    req.end(new URLSearchParams(form).toString());
  });
}
