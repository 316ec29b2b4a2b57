import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { createPanelApp } from "../../src/server/panel/serve.js";
import { applyPolicy, planPolicy } from "../../src/service/policy.js";
import { type PanelLab, READ_ONLY_TOKEN, startPanelLab } from "./harness.js";

const labs: PanelLab[] = [];
afterEach(async () => {
  for (const l of labs.splice(0)) await l.stop();
});
async function lab(scenario: string): Promise<PanelLab> {
  const l = await startPanelLab(scenario, { bundlePath: "/nonexistent/panel.js" });
  labs.push(l);
  return l;
}

const ownedJobs = (l: PanelLab) =>
  l.lab.state.jobs
    .filter((j) => j.id.startsWith("pve-backup-"))
    .map((j) => j.id)
    .sort();

/** A raw HTTP request, to send headers fetch does not let a caller choose (Host). */
function raw(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? "GET",
        headers: opts.headers,
      },
      (res) => {
        let body = "";
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("the panel's JSON on loopback", () => {
  it("applies only the plan that was confirmed, by its fingerprint", async () => {
    const l = await lab("seed");
    const plan = (await (await fetch(`${l.url}api/panel/plan`)).json()) as {
      clusters: { cluster: string; fingerprint: string; plan: { create: { id: string }[] } }[];
    };
    expect(plan.clusters[0]?.plan.create.map((j) => j.id)).toEqual([
      "pve-backup-p0",
      "pve-backup-p1",
      "pve-backup-p2",
      "pve-backup-manual",
    ]);

    const unconfirmed = await post(`${l.url}api/panel/apply`, {});
    expect(unconfirmed.status).toBe(400);
    expect(((await unconfirmed.json()) as { error: string }).error).toMatch(/^confirm the plan first/);
    const stale = await post(`${l.url}api/panel/apply`, { confirmed: { home: "0000000000000000" } });
    expect(stale.status).toBe(400);
    expect(((await stale.json()) as { error: string }).error).toBe(
      "the plan for home changed since it was shown; review it again, nothing was applied",
    );
    expect(ownedJobs(l)).toEqual([]);

    const ok = await post(`${l.url}api/panel/apply`, { confirmed: { home: plan.clusters[0]?.fingerprint } });
    expect(ok.status).toBe(200);
    expect(ownedJobs(l)).toEqual(["pve-backup-manual", "pve-backup-p0", "pve-backup-p1", "pve-backup-p2"]);
  });

  it("refuses an apply sent as a form, from another origin, or to another host name", async () => {
    const l = await lab("seed");
    const form = await fetch(`${l.url}api/panel/apply`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "confirmed=x",
    });
    expect(form.status).toBe(415);
    const cross = await post(`${l.url}api/panel/apply`, { confirmed: {} }, { origin: "http://evil.example" });
    expect(cross.status).toBe(403);
    const rebound = await raw(`${l.url}api/panel/overview`, { headers: { host: "evil.example:8099" } });
    expect(rebound.status).toBe(421);
    const bad = await raw(`${l.url}api/panel/apply`, {
      method: "POST",
      headers: { "content-type": "application/json", host: new URL(l.url).host },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expect(ownedJobs(l)).toEqual([]);
  });

  it("answers bad task ids, guests and clusters with a sentence, and reads a real task's log", async () => {
    const l = await lab("tiered");
    const get = async (path: string) => {
      const r = await fetch(`${l.url}api/panel/${path}`);
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    expect(await get("task-log?cluster=home&upid=../../etc/passwd")).toEqual({
      status: 400,
      body: { error: "'../../etc/passwd' is not a PVE task id (UPID:…)" },
    });
    expect((await get("archives?cluster=home&vmid=abc")).status).toBe(400);
    expect((await get("archives?cluster=nope&vmid=100")).body).toEqual({ error: "no cluster named 'nope'" });
    expect((await get("archives?cluster=home")).body).toEqual({ error: "give 'vmid' once, as text" });
    expect((await get("nothing-here")).status).toBe(404);

    const overview = (await get("overview")).body as { attempts: { vmid: number; upid: string }[] };
    const p0 = overview.attempts.find((a) => a.vmid === 100);
    const log = await get(`task-log?cluster=home&upid=${encodeURIComponent(p0?.upid ?? "")}`);
    expect(log.status).toBe(200);
    expect(log.body.lines).toContain("INFO: Starting Backup of VM 100 (qemu)");
    expect(log.body.truncated).toBe(false);
  });

  it("says the token may not see a storage's backups instead of listing none", async () => {
    const l = await startPanelLab("seed", { bundlePath: "/nonexistent/panel.js", token: READ_ONLY_TOKEN });
    labs.push(l);
    const r = (await (await fetch(`${l.url}api/panel/archives?cluster=home&vmid=100`)).json()) as {
      storages: { key: string; archives: unknown[]; error?: string }[];
    };
    const nas = r.storages.find((s) => s.key === "nas-backups");
    expect(nas?.archives).toEqual([]);
    expect(nas?.error).toMatch(/^the token may not see backups on 'nas-backups' \(PVE then lists none\)/);
  });

  it("says the panel is not built when its script is missing", async () => {
    const l = await lab("seed");
    const page = await (await fetch(l.url)).text();
    expect(page).toContain("The panel is not built: run <code>npm run build</code>");
    expect((await fetch(`${l.url}panel.js`)).status).toBe(404);
  });
});

describe("the panel behind another server on the same port", () => {
  it("answers what that server hands over, as a plain request handler", async () => {
    const l = await lab("seed");
    const panel = createPanelApp(l.deps);
    // The JSON API answers its own paths and hands every other request to the panel.
    const server = createServer((req, res) => {
      if (req.url === "/api/status") res.end('{"guests":[]}');
      else panel(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${base}/api/status`)).text()).toBe('{"guests":[]}');
      expect(await (await fetch(`${base}/`)).text()).toContain("<title>PVE Backup</title>");
      const overview = (await (await fetch(`${base}/api/panel/overview`)).json()) as { guests: unknown[] };
      expect(overview.guests.length).toBeGreaterThan(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("the panel through ingress", () => {
  it("makes the script's address and the page's base under X-Ingress-Path, and only that kind of path", async () => {
    const l = await startPanelLab("seed", { bundlePath: new URL(import.meta.url).pathname });
    labs.push(l);
    const page = async (ingressPath: string) =>
      (await raw(`${l.ingressUrl}/`, { headers: { "x-ingress-path": ingressPath } })).body;
    const good = await page("/api/hassio_ingress/abc-DEF_123");
    expect(good).toContain('<pve-backup-panel data-base="/api/hassio_ingress/abc-DEF_123">');
    expect(good).toContain('<script type="module" src="/api/hassio_ingress/abc-DEF_123/panel.js">');
    const evil = await page('/x"><script>alert(1)</script>');
    expect(evil).toContain('<pve-backup-panel data-base="">');
    expect(evil).not.toContain("alert(1)");
    expect((await raw(`${l.ingressUrl}/api/panel/overview`, {})).status).toBe(200);
  });
});

describe("the policy service", () => {
  it("runs one apply at a time: a second one meanwhile is refused and changes nothing", async () => {
    const l = await lab("seed");
    const app = l.deps.app;
    const nowMs = l.lab.nowMs();
    const [first, second] = await Promise.allSettled([
      applyPolicy(app, { nowMs }),
      applyPolicy(app, { nowMs }),
    ]);
    expect(first.status).toBe("fulfilled");
    expect(second.status).toBe("rejected");
    expect((second as PromiseRejectedResult).reason).toBeInstanceOf(InputError);
    expect((second as PromiseRejectedResult).reason.message).toBe(
      "the policy is being applied already; wait for it to finish",
    );
    const [after] = await planPolicy(app, { nowMs });
    expect(after?.inSync).toBe(true);
  });

  it("refuses a confirmed plan that PVE has moved away from since", async () => {
    const l = await lab("seed");
    const app = l.deps.app;
    const nowMs = l.lab.nowMs();
    const [shown] = await planPolicy(app, { nowMs });
    // Someone creates the P0 job by hand, with another schedule, after the plan was shown.
    l.lab.state.jobs.push({
      id: "pve-backup-p0",
      type: "vzdump",
      schedule: "05:00",
      vmid: "100,102",
      enabled: 1,
    });
    await expect(applyPolicy(app, { nowMs, confirmed: { home: shown?.fingerprint ?? "" } })).rejects.toThrow(
      "the plan for home changed since it was shown",
    );
    expect(ownedJobs(l)).toEqual(["pve-backup-p0"]);
  });
});
