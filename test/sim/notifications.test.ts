import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { renderTemplate } from "../../src/sim/template.js";
import { seed } from "../support/scenarios.js";
import { enc, READ_ONLY, type SimClient, simClient } from "./client.js";

/** Notification targets, matchers and the webhook a finished vzdump task calls (reference §7). */

/** May manage notification targets, but holds no Sys.* privilege on `/`. */
const MAPPER = { id: "mapper@pve!notify", secret: "22222222-3333-4444-8555-666666666666" };

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback HTTP server standing in for Home Assistant's webhook endpoint. */
async function receiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      res.end("ok");
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** The body the reference suggests for Home Assistant (§7.3). */
const HA_BODY =
  '{"title":"{{ escape title }}","severity":"{{ severity }}","timestamp":{{ timestamp }},' +
  '"fields":{{ json fields }},"message":"{{ escape message }}"}';

let lab: SimLab;
let api: SimClient;
let ha: Awaited<ReturnType<typeof receiver>>;
beforeEach(async () => {
  const s = seed();
  s.roles = { NotifyAdmin: ["Mapping.Audit", "Mapping.Modify", "Mapping.Use"] };
  s.tokens.push({ ...MAPPER, acl: [{ path: "/mapping/notifications", roles: ["NotifyAdmin"] }] });
  lab = await startSimLab({ scenario: s, clock: "manual" });
  api = simClient(lab);
  ha = await receiver();
});
afterEach(async () => {
  await api.close();
  await lab.stop();
  ha.server.closeAllConnections();
  await new Promise<void>((ok) => ha.server.close(() => ok()));
});

async function createWebhook(extra: Record<string, string | string[]> = {}) {
  const r = await api.post("/cluster/notifications/endpoints/webhook", {
    name: "homeassistant",
    method: "post",
    url: `${ha.url}/api/webhook/{{ secrets.hook }}`,
    header: [
      `name=Content-Type,value=${b64("application/json")}`,
      `name=X-Node,value=${b64("{{ fields.hostname }}")}`,
    ],
    body: b64(HA_BODY),
    secret: `name=hook,value=${b64("s3cr3t-hook-id")}`,
    comment: "pve-backup",
    ...extra,
  });
  expect(r.json).toEqual({ data: null });
}

async function createMatcher(extra: Record<string, string | string[]> = {}) {
  const r = await api.post("/cluster/notifications/matchers", {
    name: "ha-vzdump",
    "match-field": "exact:type=vzdump",
    target: "homeassistant",
    ...extra,
  });
  expect(r.json).toEqual({ data: null });
}

async function taskStatus(upid: string) {
  return api.data<Record<string, unknown>>(`/nodes/pve/tasks/${enc(upid)}/status`);
}

const bodies = () => ha.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);

describe("webhook targets", () => {
  it("stores base64 headers, body and secrets, and never returns a secret's value", async () => {
    await createWebhook();
    const list = await api.get("/cluster/notifications/endpoints/webhook");
    expect(list.json?.data).toEqual([
      {
        name: "homeassistant",
        method: "post",
        url: `${ha.url}/api/webhook/{{ secrets.hook }}`,
        header: [
          `name=Content-Type,value=${b64("application/json")}`,
          `name=X-Node,value=${b64("{{ fields.hostname }}")}`,
        ],
        body: b64(HA_BODY),
        comment: "pve-backup",
        origin: "user-created",
        secret: ["name=hook"],
      },
    ]);
    expect(list.text).not.toContain("s3cr3t");
    expect(list.text).not.toContain(b64("s3cr3t-hook-id"));
    const one = await api.data<Record<string, unknown>>(
      "/cluster/notifications/endpoints/webhook/homeassistant",
    );
    expect(one).toMatchObject({
      name: "homeassistant",
      secret: ["name=hook"],
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    expect(await api.data("/cluster/notifications/targets")).toEqual([
      { name: "homeassistant", type: "webhook", comment: "pve-backup", origin: "user-created" },
      {
        name: "mail-to-root",
        type: "sendmail",
        comment: "Send mails to root@pam's email address",
        origin: "builtin",
      },
    ]);
  });

  it("checks parameters the way PVE does: lowercase method, configid names, unique names", async () => {
    const upper = await api.post("/cluster/notifications/endpoints/webhook", {
      name: "ha",
      method: "POST",
      url: "http://127.0.0.1/",
    });
    expect([upper.status, upper.json?.errors]).toEqual([
      400,
      { method: "value 'POST' does not have a value in the enumeration 'post, put, get'" },
    ]);
    const bad = await api.post("/cluster/notifications/endpoints/webhook", { name: "1ha", method: "post" });
    expect(bad.json?.errors).toEqual({
      name: "invalid format - invalid configuration ID '1ha'\n",
      url: "property is missing and it is not optional",
    });
    const taken = await api.post("/cluster/notifications/endpoints/webhook", {
      name: "default-matcher",
      method: "post",
      url: "http://127.0.0.1/",
    });
    expect([taken.status, taken.statusText]).toEqual([
      400,
      "Cannot create 'default-matcher', an entity with the same name already exists",
    ]);
    const header = await api.post("/cluster/notifications/endpoints/webhook", {
      name: "ha",
      method: "post",
      url: "http://127.0.0.1/",
      header: "Content-Type=application/json",
    });
    expect(Object.keys(header.json?.errors ?? {})).toEqual(["header"]);
  });

  it("updates like proxmox-notify: secrets kept by name, headers must be base64, digest checked", async () => {
    await createWebhook();
    const path = "/cluster/notifications/endpoints/webhook/homeassistant";
    const { digest } = await api.data<{ digest: string }>(path);
    expect(
      (await api.put(path, { secret: ["name=hook", `name=extra,value=${b64("x")}`], method: "put", digest }))
        .status,
    ).toBe(200);
    expect(await api.data(path)).toMatchObject({ method: "put", secret: ["name=hook", "name=extra"] });
    const stale = await api.put(path, { comment: "again", digest });
    expect([stale.status, stale.statusText]).toEqual([
      400,
      "detected modified configuration - file changed by other user? Try again.",
    ]);
    const unknown = await api.put(path, { secret: "name=nope" });
    expect([unknown.status, unknown.statusText]).toEqual([400, "secret 'nope' not known"]);
    const notBase64 = await api.put(path, { header: "name=X-A,value=not base64!" });
    expect([notBase64.status, notBase64.statusText]).toEqual([
      400,
      "header 'X-A' does not have valid base64 encoded data",
    ]);
    await api.put(path, { delete: ["comment", "secret"] });
    const after = await api.data<Record<string, unknown>>(path);
    expect(after).not.toHaveProperty("comment");
    expect(after).not.toHaveProperty("secret");
    const missing = await api.get("/cluster/notifications/endpoints/webhook/nope");
    expect([missing.status, missing.statusText]).toEqual([404, "endpoint 'nope' not found"]);
  });

  it("refuses to delete a target a matcher still uses; a deleted built-in matcher comes back", async () => {
    await createWebhook();
    await createMatcher();
    const used = await api.delete("/cluster/notifications/endpoints/webhook/homeassistant");
    expect([used.status, used.statusText]).toEqual([
      400,
      "cannot delete 'homeassistant', referenced by: ha-vzdump",
    ]);
    expect((await api.delete("/cluster/notifications/matchers/ha-vzdump")).status).toBe(200);
    expect((await api.delete("/cluster/notifications/endpoints/webhook/homeassistant")).status).toBe(200);

    await api.put("/cluster/notifications/matchers/default-matcher", { disable: "1" });
    expect(await api.data("/cluster/notifications/matchers/default-matcher")).toMatchObject({
      disable: 1,
      origin: "modified-builtin",
    });
    await api.delete("/cluster/notifications/matchers/default-matcher");
    expect(await api.data("/cluster/notifications/matchers")).toEqual([
      {
        name: "default-matcher",
        mode: "all",
        target: ["mail-to-root"],
        comment: "Route all notifications to mail-to-root",
        origin: "builtin",
      },
    ]);
  });
});

describe("matchers", () => {
  it("validate their rules and targets", async () => {
    await createWebhook();
    const field = await api.post("/cluster/notifications/matchers", {
      name: "m1",
      "match-field": "type=vzdump",
    });
    expect(field.json?.errors).toEqual({ "match-field": "invalid match-field statement: type=vzdump" });
    const severity = await api.post("/cluster/notifications/matchers", {
      name: "m1",
      "match-severity": "fatal",
    });
    expect(severity.json?.errors).toEqual({ "match-severity": "invalid severity fatal" });
    const target = await api.post("/cluster/notifications/matchers", { name: "m1", target: "nope" });
    expect([target.status, target.statusText]).toEqual([404, "endpoint 'nope' does not exist"]);
    await createMatcher({
      "match-severity": "error",
      mode: "any",
      "invert-match": "1",
      comment: "errors only",
    });
    expect(await api.data("/cluster/notifications/matchers/ha-vzdump")).toEqual({
      name: "ha-vzdump",
      "match-field": ["exact:type=vzdump"],
      "match-severity": ["error"],
      mode: "any",
      "invert-match": 1,
      target: ["homeassistant"],
      comment: "errors only",
      origin: "user-created",
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });
});

describe("vzdump notifications", () => {
  it("POSTs the rendered body to the webhook when a backup finishes (no job-id for a manual run)", async () => {
    await createWebhook();
    await createMatcher();
    const run = await api.post("/nodes/pve/vzdump", {
      vmid: "105",
      storage: "nas-backups",
      compress: "zstd",
    });
    const upid = run.json?.data as string;
    await lab.advance(60_000);
    await lab.settleNotifications();
    const status = await taskStatus(upid);
    expect(status.exitstatus).toBe("OK");

    expect(ha.received).toHaveLength(1);
    const [request] = ha.received;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/api/webhook/s3cr3t-hook-id");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["x-node"]).toBe("pve");
    const body = bodies()[0] as Record<string, unknown>;
    expect(body).toMatchObject({
      title: "vzdump backup status (pve.lab): backup successful",
      severity: "info",
      fields: { hostname: "pve", type: "vzdump" },
    });
    expect(Object.keys(body.fields as object)).toEqual(["hostname", "type"]);
    const endSec = Math.floor((lab.state.tasks.find((t) => t.upid === upid)?.endMs ?? 0) / 1000);
    expect(body.timestamp).toBe(endSec);
    const message = String(body.message);
    expect(message).toContain("Details\n=======\nVMID    Name           Status    Time    Size");
    expect(message).toMatch(
      /\n105 {5}pihole-home {4}ok {8}15s {5}333\.786 MiB {4}\/mnt\/pve\/nas-backups\/dump\/vzdump-lxc-105-2026_02_11-10_00_00\.tar\.zst/,
    );
    expect(message).toContain("Logs\n====\nvzdump 105 --storage nas-backups --compress zstd");
    expect(message).toContain("105: INFO: Starting Backup of VM 105 (lxc)");

    // The default matcher still routes everything to mail-to-root; secrets stay masked in the log.
    expect(lab.notifications).toEqual([
      { target: "mail-to-root", url: "mailto:root@pam", method: "sendmail" },
      { target: "homeassistant", url: `${ha.url}/api/webhook/<masked>`, method: "POST", status: 200 },
    ]);
  });

  it("adds job-id for a scheduled run and reports a failed guest as an error", async () => {
    await createWebhook();
    await createMatcher();
    await api.post("/cluster/backup", {
      id: "nightly",
      schedule: "10:05",
      vmid: "102,105",
      storage: "nas-backups",
    });
    const guest = lab.state.guests.find((g) => g.vmid === 105);
    if (guest) guest.failWith = "tar: write error";
    await lab.advance(10 * 60_000);
    await lab.settleNotifications();
    expect(bodies()).toEqual([
      expect.objectContaining({
        title: "vzdump backup status (pve.lab): backup failed",
        severity: "error",
        fields: { hostname: "pve", "job-id": "nightly", type: "vzdump" },
      }),
    ]);
    expect(String(bodies()[0]?.message)).toContain("105: ERROR: Backup of VM 105 failed - tar: write error");
  });

  it("does not call the webhook for a run with mailto in notification-mode auto (legacy mail)", async () => {
    await createWebhook();
    await createMatcher();
    const legacy = await api.post("/nodes/pve/vzdump", {
      vmid: "105",
      storage: "nas-backups",
      mailto: "admin@example.com",
    });
    await lab.advance(60_000);
    await lab.settleNotifications();
    expect((await taskStatus(legacy.json?.data as string)).exitstatus).toBe("OK");
    expect(ha.received).toEqual([]);
    expect(lab.notifications).toEqual([]);

    // notification-system wins over mailto.
    await api.post("/nodes/pve/vzdump", {
      vmid: "105",
      storage: "nas-backups",
      mailto: "admin@example.com",
      "notification-mode": "notification-system",
    });
    await lab.advance(60_000);
    await lab.settleNotifications();
    expect(ha.received).toHaveLength(1);
  });

  it("notifies a job-level failure, and only targets whose matcher matches", async () => {
    await createWebhook();
    await createMatcher({ "match-severity": "error" });
    await api.post("/nodes/pve/vzdump", { vmid: "105", storage: "nas-backups" });
    await lab.advance(60_000);
    await lab.settleNotifications();
    expect(ha.received).toEqual([]);

    const nas = lab.state.storages.find((s) => s.id === "nas-backups");
    if (nas) nas.active = false;
    await api.post("/nodes/pve/vzdump", { vmid: "105", storage: "nas-backups" });
    await lab.settleNotifications();
    expect(bodies()).toEqual([
      expect.objectContaining({
        title:
          "vzdump backup status (pve.lab): backup failed: could not activate storage 'nas-backups': storage 'nas-backups' is not online",
        severity: "error",
      }),
    ]);
  });

  it("logs a failed delivery without touching the task", async () => {
    await createWebhook({ url: "http://127.0.0.1:9/unreachable" });
    await createMatcher();
    const run = await api.post("/nodes/pve/vzdump", { vmid: "105", storage: "nas-backups" });
    await lab.advance(60_000);
    await lab.settleNotifications();
    expect((await taskStatus(run.json?.data as string)).exitstatus).toBe("OK");
    const delivery = lab.notifications.find((n) => n.target === "homeassistant");
    expect(delivery).toMatchObject({ url: "http://127.0.0.1:9/unreachable", method: "POST" });
    expect(delivery?.status).toBeUndefined();
    expect(delivery?.error).toMatch(/fetch failed/);
  });

  it("sends a test notification to one target", async () => {
    await createWebhook();
    expect((await api.post("/cluster/notifications/targets/homeassistant/test")).json).toEqual({
      data: null,
    });
    await lab.settleNotifications();
    expect(bodies()).toEqual([
      expect.objectContaining({
        title: "Test notification",
        severity: "info",
        fields: {},
        message: "This is a test of the notification target 'homeassistant'.\n",
      }),
    ]);
    const unknown = await api.post("/cluster/notifications/targets/nope/test");
    expect([unknown.status, unknown.statusText]).toEqual([404, "endpoint 'nope' does not exist"]);
  });
});

describe("notification permissions", () => {
  it("lets a PVEAuditor token read targets and matchers but change nothing", async () => {
    await createWebhook();
    const auditor = simClient(lab, READ_ONLY);
    try {
      const list = await auditor.get("/cluster/notifications/endpoints/webhook");
      expect(list.status).toBe(200);
      expect(list.text).not.toContain(b64("s3cr3t-hook-id"));
      expect((await auditor.get("/cluster/notifications/matchers")).status).toBe(200);
      const writes = [
        auditor.post("/cluster/notifications/endpoints/webhook", {
          name: "xx",
          method: "post",
          url: "http://x/",
        }),
        auditor.put("/cluster/notifications/endpoints/webhook/homeassistant", { comment: "x" }),
        auditor.delete("/cluster/notifications/endpoints/webhook/homeassistant"),
        auditor.post("/cluster/notifications/matchers", { name: "xx" }),
      ];
      for (const r of await Promise.all(writes)) {
        expect([r.status, r.statusText]).toEqual([
          403,
          "Permission check failed (/mapping/notifications, Mapping.Modify)",
        ]);
      }
      expect(lab.state.notifications.webhooks.map((w) => w.name)).toEqual(["homeassistant"]);
    } finally {
      await auditor.close();
    }
  });

  it("needs Sys.Audit+Sys.Modify (or Sys.AccessNetwork) on / besides Mapping.Modify to write a webhook", async () => {
    const mapper = simClient(lab, MAPPER);
    try {
      const r = await mapper.post("/cluster/notifications/endpoints/webhook", {
        name: "xx",
        method: "post",
        url: "http://x/",
      });
      expect([r.status, r.statusText]).toEqual([403, "Permission check failed"]);
      // Matchers only need Mapping.Modify.
      expect((await mapper.post("/cluster/notifications/matchers", { name: "quiet" })).status).toBe(200);
    } finally {
      await mapper.close();
    }
  });
});

describe("webhook templates", () => {
  it("renders variables and the escape, json and url-encode helpers like proxmox-notify", () => {
    const data = {
      title: 'say "hi"\n',
      severity: "info",
      timestamp: 1_770_800_000,
      fields: { type: "vzdump", hostname: "pve", "job-id": "a b/c" },
    };
    expect(renderTemplate("{{ escape title }}", data)).toBe('say \\"hi\\"\\n');
    expect(renderTemplate("{{ json fields }}", data)).toBe(
      '{"hostname":"pve","job-id":"a b/c","type":"vzdump"}',
    );
    expect(renderTemplate("{{ url-encode fields.job-id }}|{{fields.[job-id]}}", data)).toBe(
      "a%20b%2Fc|a b/c",
    );
    expect(renderTemplate("{{ timestamp }} {{ missing }}{{! comment }} {{~ severity }}", data)).toBe(
      "1770800000 info",
    );
    expect(() => renderTemplate("{{ escape missing }}", data)).toThrow("escape: missing text parameter");
    expect(() => renderTemplate("{{#if title}}x{{/if}}", data)).toThrow(/unsupported/);
  });
});
