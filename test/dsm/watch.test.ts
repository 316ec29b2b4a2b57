import { describe, expect, it } from "vitest";
import { parseOptions } from "../../src/config/schema.js";
import { demoOptions } from "../../src/demo.js";
import type { DsmClient } from "../../src/dsm/client.js";
import { createNasWatch } from "../../src/dsm/watch.js";
import { silentLogger } from "../../src/log.js";
import { createPveReader } from "../../src/pve/reader.js";
import { createMonitor, policyFromConfig } from "../../src/service/monitor.js";
import { tieredLab } from "../support/scenarios.js";
import { simApiPerTest } from "../support/sim-api.js";
import { NAS_USER, simDsmPerTest } from "./support.js";

const startLab = simApiPerTest();
const startDsm = simDsmPerTest();
const NOW = Date.parse("2026-02-11T10:00:00Z");

describe("the service's NAS watch", () => {
  it("reads the NAS after a refresh, once per interval, asks for a refresh when it has news, and logs out", async () => {
    const { lab, api } = await startLab(tieredLab());
    const { dsm, cert } = await startDsm({ tasks: [] });
    const config = parseOptions(
      demoOptions(lab, {
        nas: {
          url: dsm.url,
          username: NAS_USER.account,
          password: NAS_USER.password,
          fingerprint: cert.fingerprint,
          nfs_server: "10.0.0.150",
        },
      }),
      { defaultTimeZone: "UTC" },
    );
    const monitor = createMonitor({
      readers: new Map([["home", createPveReader({ cluster: "home", api, log: silentLogger })]]),
      policy: policyFromConfig(config),
    });
    await monitor.refresh(NOW);
    let changes = 0;
    const watch = createNasWatch({
      config,
      app: { monitor, apis: new Map([["home", api]]) },
      log: silentLogger,
      nowMs: () => NOW,
      onChange: () => changes++,
    });
    expect(watch).toBeDefined();
    watch?.afterRefresh();
    watch?.afterRefresh();
    await expect.poll(() => changes).toBe(1);
    expect(watch?.latest()?.view.findings.map((f) => f.kind)).toEqual(["no_task"]);
    expect(watch?.latest()?.view.copies.get(100)).toEqual({
      pve: 3,
      nas: 3,
      offNas: "no",
      offNasMs: null,
      offNasReason: null,
    });
    watch?.afterRefresh();
    await watch?.close();
    expect(dsm.calls.filter((c) => c.method === "login")).toHaveLength(1);
    expect(dsm.sessions()).toBe(0);
    expect(changes).toBe(1);
  });

  it("is off without nas options or without a backup storage", () => {
    const config = parseOptions(
      demoOptions({ url: "https://127.0.0.1:8006", fingerprint: `${"AB:".repeat(31)}AB` }),
      {
        defaultTimeZone: "UTC",
      },
    );
    const deps = {
      app: {
        monitor: createMonitor({ readers: new Map(), policy: policyFromConfig(config) }),
        apis: new Map(),
      },
      log: silentLogger,
      nowMs: () => NOW,
      onChange: () => {},
    };
    expect(createNasWatch({ config, ...deps })).toBeUndefined();
  });

  it("stops at once while a read hangs on a slow NAS: the client is closed first, the read then ends", async () => {
    const { lab, api } = await startLab(tieredLab());
    const config = parseOptions(
      demoOptions(lab, {
        nas: {
          url: "https://127.0.0.1:5001",
          username: NAS_USER.account,
          password: NAS_USER.password,
          nfs_server: "10.0.0.150",
        },
      }),
      { defaultTimeZone: "UTC" },
    );
    const monitor = createMonitor({
      readers: new Map([["home", createPveReader({ cluster: "home", api, log: silentLogger })]]),
      policy: policyFromConfig(config),
    });
    await monitor.refresh(NOW);
    // A NAS that answers nothing until its connections are closed, as the real client's transport does.
    let abort: (err: Error) => void = () => {};
    const asked: string[] = [];
    const dsm: DsmClient = {
      hyperBackupTasks: () => {
        asked.push("tasks");
        return new Promise((_resolve, reject) => {
          abort = reject;
        });
      },
      shareSpace: async () => undefined,
      runTask: async () => {},
      close: async () => {
        asked.push("close");
        abort(new Error("no answer: socket closed"));
      },
    };
    let changes = 0;
    const watch = createNasWatch({
      config,
      app: { monitor, apis: new Map([["home", api]]) },
      log: silentLogger,
      nowMs: () => NOW,
      onChange: () => changes++,
      dsm,
    });
    watch?.afterRefresh();
    await expect.poll(() => asked).toEqual(["tasks"]);
    await watch?.close();
    expect(asked).toEqual(["tasks", "close"]);
    expect(changes).toBe(0);
  }, 10_000);
});
