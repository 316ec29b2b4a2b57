import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { ADMIN, type SimClient, simClient } from "./client.js";

/** The wire contract of the simulated pveproxy: envelope, headers, auth, errors (reference §1). */

let lab: SimLab;
let api: SimClient;
beforeAll(async () => {
  lab = await startSimLab({ scenario: "seed", clock: "manual" });
  api = simClient(lab);
});
afterAll(async () => {
  await api.close();
  await lab.stop();
});

describe("envelope and headers", () => {
  it("wraps success in {data} with PVE's exact headers", async () => {
    const r = await api.get("/version");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json;charset=UTF-8");
    expect(r.headers.get("server")).toBe("pve-api-daemon/3.0");
    expect(r.headers.get("cache-control")).toBe("max-age=0");
    expect(r.json).toEqual({
      data: { version: "9.1.5", release: "9.1", repoid: expect.stringMatching(/^[0-9a-f]{16}$/) },
    });
  });

  it("serves a certificate whose SHA-256 fingerprint it reports, also as the node's ssl_fingerprint", async () => {
    expect(lab.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const nodes = await api.data<Array<Record<string, unknown>>>("/nodes");
    expect(nodes).toEqual([
      expect.objectContaining({
        node: "pve",
        status: "online",
        type: "node",
        ssl_fingerprint: lab.fingerprint,
      }),
    ]);
  });

  it("answers 0/1 for booleans, never true/false", async () => {
    const storages = await api.data<Array<Record<string, unknown>>>("/nodes/pve/storage");
    for (const s of storages) {
      for (const key of ["shared", "enabled", "active"]) expect([0, 1]).toContain(s[key]);
    }
    const vms = await api.data<Array<Record<string, unknown>>>("/cluster/resources", { type: "vm" });
    expect(vms.map((v) => v.template)).toEqual([0, 0, 0, 0, 0]);
  });
});

describe("authentication", () => {
  it("answers 401 'No ticket' without a body when no credentials are sent", async () => {
    const r = await simClient(lab, null).get("/version");
    expect(r.status).toBe(401);
    expect(r.statusText).toBe("No ticket");
    expect(r.text).toBe("");
  });

  it("answers 401 'Authentication failed!' without a body for a wrong secret or an unknown token", async () => {
    for (const token of [
      { id: ADMIN.id, secret: "00000000-0000-0000-0000-000000000000" },
      { id: "nobody@pve!x", secret: ADMIN.secret },
    ]) {
      const r = await simClient(lab, token).get("/version");
      expect([r.status, r.statusText, r.text]).toEqual([401, "Authentication failed!", ""]);
    }
  });

  it("accepts a space instead of the first '=' of the token header", async () => {
    const r = await api.request("GET", "/version", {
      headers: { authorization: `PVEAPIToken ${ADMIN.id}=${ADMIN.secret}` },
    });
    expect(r.status).toBe(200);
  });
});

describe("errors", () => {
  it("answers 501 with the method and path for an unknown route", async () => {
    const r = await api.get("/nodes/pve/frobnicate");
    expect(r.status).toBe(501);
    expect(r.statusText).toBe("Method 'GET /nodes/pve/frobnicate' not implemented");
    expect(r.json).toEqual({ data: null, message: "Method 'GET /nodes/pve/frobnicate' not implemented\n" });
  });

  it("refuses a body on DELETE (parameters of GET/DELETE come only from the query) with 501", async () => {
    const r = await api.request("DELETE", "/cluster/backup/backup-2f93d6b8-41aa", { form: { a: "1" } });
    expect([r.status, r.statusText]).toEqual([501, "Unexpected content for method 'DELETE'"]);
    expect(lab.state.jobs.map((j) => j.id)).toContain("backup-2f93d6b8-41aa");
  });

  it("reports parameter errors as 400 with an errors object per parameter", async () => {
    const r = await api.get("/nodes/pve/tasks", {
      errors: "true",
      typefiltr: "vzdump",
      source: "both",
      limit: "x",
    });
    expect(r.status).toBe(400);
    expect(r.statusText).toBe("Parameter verification failed.");
    expect(r.json).toEqual({
      data: null,
      message: "Parameter verification failed.\n",
      errors: {
        errors: "type check ('boolean') failed - got 'true'",
        typefiltr: "property is not defined in schema and the schema does not allow additional properties",
        source: "value 'both' does not have a value in the enumeration 'archive, active, all'",
        limit: "type check ('integer') failed - got 'x'",
      },
    });
  });

  it("names a missing required parameter", async () => {
    const r = await api.get("/cluster/jobs/schedule-analyze");
    expect(r.json?.errors).toEqual({ schedule: "property is missing and it is not optional" });
  });

  it("says which privilege is missing with 403", async () => {
    const r = await api.request("POST", "/cluster/backup", {
      form: { schedule: "daily", vmid: "100" },
      headers: { authorization: "PVEAPIToken=monitor@pve!readonly=0a9e3b7c-1d2f-4e5a-8b6c-7d8e9f0a1b2c" },
    });
    expect([r.status, r.statusText]).toEqual([403, "Permission check failed (/, Sys.Modify)"]);
  });
});

describe("nodes", () => {
  it("answers 595 without a body for any call to an offline node", async () => {
    lab.state.nodes.push({ name: "pve2", online: false, fingerprint: "AA" });
    try {
      for (const path of ["/nodes/pve2/storage", "/nodes/pve2/tasks"]) {
        const r = await api.get(path);
        expect([r.status, r.statusText, r.text]).toEqual([595, "Connection refused", ""]);
      }
    } finally {
      lab.state.nodes.pop();
    }
  });

  it("fails like pveproxy's name lookup for a name that is no cluster node, and answers localhost itself", async () => {
    const r = await api.get("/nodes/pve.lab.lan/storage");
    expect(r.status).toBe(500);
    expect(r.statusText).toMatch(/^hostname lookup 'pve.lab.lan' failed/);
    expect((await api.get("/nodes/localhost/storage")).status).toBe(200);
  });
});

describe("latency and request log", () => {
  it("delays every answer by the injected latency and logs each request", async () => {
    lab.setLatency(150);
    const t0 = performance.now();
    await api.get("/version");
    const elapsed = performance.now() - t0;
    lab.setLatency(0);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(lab.requestLog.at(-1)).toEqual({ method: "GET", path: "/api2/json/version", status: 200 });
  });
});
