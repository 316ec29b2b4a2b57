import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/errors.js";
import { type SupervisorStandIn, startSupervisorStandIn } from "../../src/sim/supervisor.js";
import { createSupervisorClient } from "../../src/supervisor/client.js";

const TOKEN = "addon-token-0123456789";
let standIn: SupervisorStandIn | undefined;
let hung: Server | undefined;

afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
  await new Promise((r) => (hung ? hung.close(r) : r(undefined)));
  hung = undefined;
});

async function start(discovery: readonly string[] = ["pve_backup"]) {
  const seen: string[] = [];
  standIn = await startSupervisorStandIn({
    token: TOKEN,
    // No Core behind it: the calls under test never reach the proxy.
    core: { url: "http://127.0.0.1:9", token: "core" },
    addon: {
      slug: "local_pve_backup",
      name: "PVE Backup",
      version: "0.1.0",
      discovery,
      homeassistantApi: true,
      ingressEntry: "/api/hassio_ingress/abc",
      options: { clusters: [] },
    },
    onDiscovery: (d) => {
      seen.push(d.service);
    },
  });
  return { url: standIn.url, seen };
}

describe("the Supervisor client against the stand-in", () => {
  it("reads the add-on's own info", async () => {
    const { url } = await start();
    const info = await createSupervisorClient({ baseUrl: url, token: TOKEN }).selfInfo();
    expect(info).toEqual({
      slug: "local_pve_backup",
      hostname: "local-pve-backup",
      version: "0.1.0",
      ingressEntry: "/api/hassio_ingress/abc",
      ingressUrl: "/api/hassio_ingress/abc/",
      ingressPort: 8099,
    });
  });

  it("announces the add-on once per service, and again under the same uuid", async () => {
    const { url, seen } = await start();
    const client = createSupervisorClient({ baseUrl: url, token: TOKEN });
    const first = await client.announce("pve_backup", { addon: "local_pve_backup" });
    const again = await client.announce("pve_backup", { addon: "local_pve_backup" });
    expect(again).toBe(first);
    expect(seen).toEqual(["pve_backup", "pve_backup"]);
  });

  it("says the service must be listed under discovery when the Supervisor refuses it", async () => {
    const { url } = await start([]);
    const err = await createSupervisorClient({ baseUrl: url, token: TOKEN })
      .announce("pve_backup", {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).message).toMatch(/403 Apps must list services/);
    expect((err as UpstreamError).retryable).toBe(false);
  });

  it("names the token when the Supervisor answers 401, without echoing it", async () => {
    const { url } = await start();
    const err = (await createSupervisorClient({ baseUrl: url, token: "wrong-token" })
      .selfInfo()
      .catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/401 .*SUPERVISOR_TOKEN/);
    expect(err.message).not.toContain("wrong-token");
  });

  it("gives up on a Supervisor that never answers, after its timeout", async () => {
    hung = createServer(() => {
      // Never answers.
    });
    await new Promise<void>((r) => hung?.listen(0, "127.0.0.1", r));
    const port = (hung.address() as AddressInfo).port;
    const err = (await createSupervisorClient({
      baseUrl: `http://127.0.0.1:${port}`,
      token: TOKEN,
      timeoutMs: 200,
    })
      .selfInfo()
      .catch((e: unknown) => e)) as UpstreamError;
    expect(err.message).toMatch(/no answer in 200 ms/);
    expect(err.retryable).toBe(true);
    hung.closeAllConnections();
  });

  it("refuses the core proxy's hassio paths and methods the Supervisor does not proxy", async () => {
    const { url } = await start();
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await fetch(`${url}/core/api/hassio/addons`, { headers: auth })).status).toBe(403);
    expect((await fetch(`${url}/core/api/states`, { method: "PUT", headers: auth })).status).toBe(405);
    expect((await fetch(`${url}/core/api/states`)).status).toBe(401);
    // Core is not there: the proxy says so as a 502.
    expect((await fetch(`${url}/core/api/states`, { headers: auth })).status).toBe(502);
  });
});
