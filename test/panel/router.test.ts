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

/** A POST as the panel's script sends it (JSON, with its header), plus `headers`. */
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-pve-backup": "panel", ...headers },
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
    expect(form.status).toBe(403);
    const formWithHeader = await fetch(`${l.url}api/panel/apply`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-pve-backup": "panel" },
      body: "confirmed=x",
    });
    expect(formWithHeader.status).toBe(415);
    const cross = await post(`${l.url}api/panel/apply`, { confirmed: {} }, { origin: "http://evil.example" });
    expect(cross.status).toBe(403);
    const rebound = await raw(`${l.url}api/panel/overview`, { headers: { host: "evil.example:8099" } });
    expect(rebound.status).toBe(421);
    const bad = await raw(`${l.url}api/panel/apply`, {
      method: "POST",
      headers: { "content-type": "application/json", host: new URL(l.url).host, "x-pve-backup": "panel" },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expect(ownedJobs(l)).toEqual([]);
  });

  it("answers an unchanged overview with a 304 and no body, and sends it again once it changed", async () => {
    const l = await lab("tiered");
    const first = await fetch(`${l.url}api/panel/overview`);
    const etag = first.headers.get("etag");
    const full = (await first.text()).length;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${l.url}api/panel/overview`, { headers: { "if-none-match": etag as string } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect(again.headers.get("x-pve-backup-now")).toBe(new Date(l.lab.nowMs()).toISOString());
    // The clock moves, nothing else: still unchanged.
    await l.lab.advance(60_000);
    const later = await fetch(`${l.url}api/panel/overview`, { headers: { "if-none-match": etag as string } });
    expect(later.status).toBe(304);
    expect(later.headers.get("x-pve-backup-now")).toBe(new Date(l.lab.nowMs()).toISOString());
    // Tonight's P0 run starts: the next poll gets the whole overview with a new tag.
    await l.lab.advance(16 * 60_000);
    await l.deps.refreshNow();
    const changed = await fetch(`${l.url}api/panel/overview`, {
      headers: { "if-none-match": etag as string },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
    const body = (await changed.json()) as { now: string; attempts: { end: string | null }[] };
    expect(body.now).toBe(new Date(l.lab.nowMs()).toISOString());
    expect(body.attempts.some((a) => a.end === null)).toBe(true);
    console.info(`panel overview poll (tiered lab): ${full} bytes in full, 0 bytes when unchanged (304)`);
  });

  it("carries the status's copies, checks and NAS side in the overview, inside the ETag: news there is a new body, not a 304", async () => {
    const l = await lab("tiered");
    const base = l.deps.status?.();
    expect(base?.guests.length).toBe(5);
    // As the service without the NAS or verification: no such keys, in the status or the overview.
    const plain = (await (await fetch(`${l.url}api/panel/overview`)).json()) as Record<string, unknown> & {
      guests: Record<string, unknown>[];
    };
    expect("nas" in plain).toBe(false);
    expect(plain.guests.some((g) => "copies" in g || "lastVerified" in g || "lastTestRestore" in g)).toBe(
      false,
    );

    const withChecks = (offNas: "yes" | "unknown") => ({
      ...(base as NonNullable<typeof base>),
      guests: (base?.guests ?? []).map((g) =>
        g.vmid === 100
          ? {
              ...g,
              copies: {
                pve: 3,
                nas: 3,
                offNas,
                offNasTime: offNas === "yes" ? "2026-02-10T05:00:00.000Z" : null,
                offNasReason: null,
              },
              lastVerified: {
                time: "2026-02-10T06:00:00.000Z",
                depth: "full" as const,
                result: "failed" as const,
                durationMs: 900,
                message: "zstd: truncated",
              },
              lastTestRestore: null,
            }
          : { ...g, lastVerified: null },
      ),
      nas: null,
    });
    let status = withChecks("yes");
    const server = createServer(createPanelApp({ ...l.deps, status: () => status }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/panel/overview`;
      const first = await fetch(url);
      const etag = first.headers.get("etag") as string;
      const body = (await first.json()) as { nas: unknown; guests: Record<string, unknown>[] };
      expect(body.nas).toBeNull();
      const g100 = body.guests.find((g) => g.vmid === 100);
      expect(g100).toMatchObject({
        copies: { pve: 3, nas: 3, offNas: "yes" },
        lastVerified: { result: "failed", message: "zstd: truncated" },
        lastTestRestore: null,
      });
      expect(body.guests.find((g) => g.vmid === 101)).toMatchObject({ lastVerified: null });
      expect("copies" in (body.guests.find((g) => g.vmid === 101) ?? {})).toBe(false);
      expect((await fetch(url, { headers: { "if-none-match": etag } })).status).toBe(304);
      // DSM can no longer tell: the off-NAS copy turns unknown, and the poll gets it.
      status = withChecks("unknown");
      const changed = await fetch(url, { headers: { "if-none-match": etag } });
      expect(changed.status).toBe(200);
      expect(changed.headers.get("etag")).not.toBe(etag);
      const after = (await changed.json()) as { guests: { vmid: number; copies?: { offNas: string } }[] };
      expect(after.guests.find((g) => g.vmid === 100)?.copies?.offNas).toBe("unknown");
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("tells each guest's own span inside a task that backed up several", async () => {
    const l = await lab("tiered");
    const overview = (await (await fetch(`${l.url}api/panel/overview`)).json()) as {
      attempts: { vmid: number; upid: string; start: string; end: string | null }[];
    };
    const counts = new Map<string, number>();
    for (const a of overview.attempts) counts.set(a.upid, (counts.get(a.upid) ?? 0) + 1);
    const upid = [...counts].find(([, n]) => n > 1)?.[0] as string;
    expect(upid).toBeDefined();
    const task = overview.attempts.filter((a) => a.upid === upid);
    const r = await fetch(`${l.url}api/panel/task-guests?cluster=home&upid=${encodeURIComponent(upid)}`);
    expect(r.status).toBe(200);
    const spans = (await r.json()) as {
      ended: boolean;
      guests: { vmid: number; start: string; end: string }[];
    };
    expect(spans.ended).toBe(true);
    expect(spans.guests.map((g) => g.vmid).sort()).toEqual(task.map((a) => a.vmid).sort());
    const [one, two] = spans.guests;
    // One after the other, inside the task.
    expect(Date.parse(one?.start as string)).toBeGreaterThanOrEqual(Date.parse(task[0]?.start as string));
    expect(Date.parse(one?.end as string)).toBeGreaterThan(Date.parse(one?.start as string));
    expect(Date.parse(two?.start as string)).toBeGreaterThanOrEqual(Date.parse(one?.end as string));
    expect(Date.parse(two?.end as string)).toBeLessThanOrEqual(Date.parse(task[0]?.end as string) + 1000);
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

describe("state-changing requests from another site", () => {
  it("are refused on loopback and through ingress; the panel's own apply works through ingress", async () => {
    const l = await lab("seed");
    const plan = (await (await fetch(`${l.url}api/panel/plan`)).json()) as {
      clusters: { cluster: string; fingerprint: string }[];
    };
    const confirmed = { home: plan.clusters[0]?.fingerprint as string };
    const body = JSON.stringify({ confirmed });
    const json = { "content-type": "application/json" };
    const refused = async (url: string, headers: Record<string, string>) => {
      const r = await raw(url, { method: "POST", headers: { ...json, ...headers }, body });
      return { status: r.status, error: (JSON.parse(r.body) as { error?: string }).error };
    };
    // Loopback: without the panel's header, marked cross-site, or from another origin.
    const host = new URL(l.url).host;
    const loop = `${l.url}api/panel/apply`;
    expect(await refused(loop, { host })).toEqual({
      status: 403,
      error: "refused: the request lacks the x-pve-backup header; use the panel's own page",
    });
    expect(
      (await refused(loop, { host, "x-pve-backup": "panel", "sec-fetch-site": "cross-site" })).status,
    ).toBe(403);
    expect(
      (await refused(loop, { host, "x-pve-backup": "panel", origin: "http://evil.example" })).status,
    ).toBe(403);
    // Ingress: the proxies pass the browser's headers and set X-Forwarded-Host to Home Assistant's host.
    const ingress = `${l.ingressUrl}/api/panel/apply`;
    const proxied = {
      "x-ingress-path": "/api/hassio_ingress/abc",
      "x-forwarded-host": "homeassistant.local:8123",
      "x-forwarded-proto": "http",
    };
    expect(await refused(ingress, { ...proxied, origin: "http://homeassistant.local:8123" })).toMatchObject({
      status: 403,
    });
    expect(
      (await refused(ingress, { ...proxied, "x-pve-backup": "panel", origin: "http://evil.example" })).status,
    ).toBe(403);
    expect(
      (
        await refused(ingress, {
          ...proxied,
          "x-pve-backup": "panel",
          origin: "null",
          "sec-fetch-site": "same-site",
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await refused(ingress, {
          ...proxied,
          "x-pve-backup": "panel",
          origin: "http://homeassistant.local:8123",
          "sec-fetch-site": "cross-site",
        })
      ).status,
    ).toBe(403);
    expect(ownedJobs(l)).toEqual([]);
    // The panel's own request from Home Assistant's page applies.
    const own = await raw(ingress, {
      method: "POST",
      headers: {
        ...json,
        ...proxied,
        "x-pve-backup": "panel",
        origin: "http://homeassistant.local:8123",
        "sec-fetch-site": "same-origin",
      },
      body,
    });
    expect(own.status).toBe(200);
    // A browser's same-origin request passes even when a proxy leaves X-Forwarded-Host out.
    const again = await raw(ingress, {
      method: "POST",
      headers: {
        ...json,
        "x-ingress-path": "/api/hassio_ingress/abc",
        "x-pve-backup": "panel",
        origin: "http://homeassistant.local:8123",
        "sec-fetch-site": "same-origin",
      },
      body,
    });
    expect(again.status).toBe(200);
    expect(ownedJobs(l)).toEqual(["pve-backup-manual", "pve-backup-p0", "pve-backup-p1", "pve-backup-p2"]);
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
