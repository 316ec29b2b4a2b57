import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoOptions } from "../../src/demo.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { restoreFaults } from "../../src/sim/restore.js";
import { archiveVolid } from "../../src/sim/state.js";
import { tieredLab } from "../support/scenarios.js";
import { type AddonProcess, addon } from "./addon.js";
import { collectEvents, freePort, type Hass, startHass, waitFor } from "./hass.js";

/**
 * Verification end to end: a real Home Assistant Core with the companion integration, the add-on
 * as it runs (`node dist/main.js`) on the simulated lab, `pve_backup.verify` and the per-guest
 * `verify` buttons called as a user calls them, the events, the cluster's problem sensor and the
 * Repairs read back from Home Assistant.
 */

let hass: Hass;
let lab: SimLab;
let add: AddonProcess;

const newest = (vmid: number) =>
  archiveVolid(
    lab.state.archives
      .filter((a) => a.vmid === vmid)
      .sort((a, b) => b.ctimeSec - a.ctimeSec)[0] as NonNullable<SimLab["state"]["archives"][number]>,
  );

beforeAll(async () => {
  hass = await startHass({ components: ["repairs"] });
  const now = Date.now() - (Date.now() % 60_000);
  lab = await startSimLab({ scenario: tieredLab({ now: new Date(now).toISOString() }), clock: "manual" });
  // Guest 100 runs in snapshot mode with its guest agent off: crash-consistent backups.
  restoreFaults(lab.state).agentOff.add(100);
  // A NAS login that leads nowhere: the full check must say so, not call an archive broken.
  const closedPort = await freePort();
  add = addon(
    {
      ...demoOptions(lab),
      timezone: "UTC",
      refresh_interval_s: 5,
      ha_backups: {
        host: "127.0.0.1",
        port: closedPort,
        username: "pve",
        password: "not-used",
        share_path: "/volume1/homeassistant_backups",
        host_key_fingerprint: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
      },
      verify: { dump_path: "/volume1/pve-backups/dump" },
    },
    hass,
    await freePort(),
  );
  await add.start();
}, 300_000);

afterAll(async () => {
  await add?.stop();
  await hass?.stop();
  await lab?.stop();
});

const entityId = async (uniqueId: string): Promise<string> => {
  const list = await hass.ws<{ unique_id: string; entity_id: string }[]>({
    type: "config/entity_registry/list",
  });
  const e = list.find((x) => x.unique_id === `pve_backup_${uniqueId}`);
  if (!e) throw new Error(`no entity ${uniqueId}`);
  return e.entity_id;
};
const stateOf = async (uniqueId: string) =>
  (
    await hass.rest<{ state: string; attributes: Record<string, unknown> }>(
      "GET",
      `/api/states/${await entityId(uniqueId)}`,
    )
  ).body;
const verify = (data: Record<string, unknown>) =>
  hass.ws<{ response: { results: Record<string, unknown>[]; pending: unknown[]; joined: boolean } }>({
    type: "call_service",
    domain: "pve_backup",
    service: "verify",
    service_data: data,
    return_response: true,
  });
const press = async (uniqueId: string) =>
  hass.ws({
    type: "call_service",
    domain: "button",
    service: "press",
    target: { entity_id: await entityId(uniqueId) },
  });
const issues = async () =>
  (
    await hass.ws<{
      issues: { domain: string; issue_id: string; translation_placeholders: Record<string, string> }[];
    }>({
      type: "repairs/list_issues",
    })
  ).issues.filter((i) => i.domain === "pve_backup");

describe.sequential("verification from Home Assistant", () => {
  it("verifies a guest through the service, answers with the result, fires the event and updates its sensor", async () => {
    await waitFor(
      async () => (await entityId("home_100_verify").catch(() => undefined)) !== undefined,
      60_000,
      "no verify button",
    );
    const events = await collectEvents(hass.url, hass.token, "pve_backup_verification_finished");
    try {
      const r = (await verify({ guests: ["100"] })).response;
      expect(r.results).toEqual([
        expect.objectContaining({
          cluster: "home",
          vmid: 100,
          volid: newest(100),
          depth: "api",
          result: "ok",
          message: expect.stringMatching(/PVE read the archive's header and config/),
        }),
      ]);
      await waitFor(() => events.events.length > 0, 10_000, "no pve_backup_verification_finished");
      expect(events.events[0]?.data).toMatchObject({
        cluster: "home",
        vmid: 100,
        name: "homeassistant",
        volid: newest(100),
        depth: "api",
        result: "ok",
        trigger: "service",
        duration_ms: expect.any(Number),
      });
      await waitFor(
        async () => (await stateOf("home_100_last_backup")).attributes.last_verified_result === "ok",
        30_000,
        "last_verified_result did not turn ok",
      );
      expect((await stateOf("home_100_last_backup")).attributes.last_verified_depth).toBe("api");
      expect((await stateOf("home_verification_problem")).state).toBe("off");
    } finally {
      events.close();
    }
  });

  it("verifies a guest when its button is pressed, also when pressed twice at once", async () => {
    const events = await collectEvents(hass.url, hass.token, "pve_backup_verification_finished");
    try {
      await Promise.all([press("home_101_verify"), press("home_101_verify")]);
      await waitFor(() => events.events.length > 0, 30_000, "the button fired no verification");
      expect(events.events[0]?.data).toMatchObject({ vmid: 101, result: "ok", trigger: "button" });
      await waitFor(
        async () => (await stateOf("home_101_last_backup")).attributes.last_verified_result === "ok",
        30_000,
        "the button's result did not reach the sensor",
      );
      // The second press joined the first check or answered with it: one check, one event.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(events.events).toHaveLength(1);
    } finally {
      events.close();
    }
  });

  it("refuses bad input with a sentence: an unknown guest or tier, a NAS that cannot be reached", async () => {
    await expect(verify({ guests: ["99999"] })).rejects.toThrow(/guest 99999 does not exist on cluster home/);
    await expect(verify({ tier: "P9" })).rejects.toThrow(/'P9' is not a tier \(tiers: P0, P1, P2\)/);
    await expect(verify({ guests: ["100"], full: true })).rejects.toThrow(
      /could not reach the NAS at 127\.0\.0\.1/,
    );
    // Nothing was recorded against the archive.
    expect((await stateOf("home_100_last_backup")).attributes.last_verified_depth).toBe("api");
    expect((await stateOf("home_verification_problem")).state).toBe("off");
  });

  it("verifies while a backup of the same guest runs (the finished archive)", async () => {
    await hass.ws({
      type: "call_service",
      domain: "pve_backup",
      service: "backup_now",
      service_data: { guests: ["102"] },
    });
    await waitFor(
      () => lab.state.tasks.some((t) => t.endMs === undefined && t.type === "vzdump"),
      30_000,
      "no backup of 102 running",
    );
    const r = (await verify({ guests: ["102"] })).response;
    expect(r.results).toEqual([expect.objectContaining({ vmid: 102, result: "ok", volid: newest(102) })]);
  });

  it("turns the problem sensor on and raises a Repair for a guest without a good archive, and clears both when they verify again", async () => {
    await lab.advance(10 * 60_000);
    // 102's older archive passed above; 105 was never verified.
    const damaged = [newest(102), newest(105)];
    for (const v of damaged) restoreFaults(lab.state).damaged.add(v);
    const failed = await collectEvents(hass.url, hass.token, "pve_backup_verification_failed");
    try {
      const r = (await verify({ guests: ["home_102", "105"] })).response;
      expect(r.results).toEqual([
        expect.objectContaining({
          vmid: 102,
          result: "failed",
          message: expect.stringMatching(/wrong vma header chechsum/),
        }),
        expect.objectContaining({
          vmid: 105,
          result: "failed",
          message: expect.stringMatching(/no configuration file/),
        }),
      ]);
      await waitFor(() => failed.events.length === 2, 10_000, "no pve_backup_verification_failed");
      expect(failed.events.map((e) => [e.data.vmid, e.data.volid, e.data.result])).toEqual([
        [102, damaged[0], "failed"],
        [105, damaged[1], "failed"],
      ]);
    } finally {
      failed.close();
    }
    await waitFor(
      async () => (await stateOf("home_verification_problem")).state === "on",
      30_000,
      "the verification problem sensor did not turn on",
    );
    expect((await stateOf("home_verification_problem")).attributes.guests).toEqual([
      expect.objectContaining({ vmid: 102, name: "vaultwarden", check: "verification" }),
      expect.objectContaining({ vmid: 105, name: "pihole-home", check: "verification" }),
    ]);
    await waitFor(
      async () => (await issues()).some((i) => i.issue_id === "verification_failed_home_105"),
      60_000,
      "no Repair for the guest without a good archive",
    );
    expect(
      (await issues()).find((i) => i.issue_id === "verification_failed_home_105")?.translation_placeholders,
    ).toMatchObject({
      cluster: "home",
      vmid: "105",
      name: "pihole-home",
    });
    // 102 has an older archive that passed: a problem, not a Repair.
    expect((await issues()).map((i) => i.issue_id)).not.toContain("verification_failed_home_102");

    restoreFaults(lab.state).damaged.clear();
    const r = (await verify({ guests: ["102", "105"] })).response;
    expect(r.results.map((x) => x.result)).toEqual(["ok", "ok"]);
    await waitFor(
      async () => (await stateOf("home_verification_problem")).state === "off",
      30_000,
      "the problem sensor did not clear",
    );
    await waitFor(
      async () => !(await issues()).some((i) => i.issue_id.startsWith("verification_failed_")),
      60_000,
      "the Repair did not go",
    );
  });

  it("raises a Repair for a VM backed up without its guest agent, gone once the agent is on", async () => {
    await waitFor(
      async () => (await issues()).some((i) => i.issue_id === "crash_consistent_home_100"),
      60_000,
      "no Repair for the crash-consistent backups",
    );
    expect(
      (await issues()).find((i) => i.issue_id === "crash_consistent_home_100")?.translation_placeholders,
    ).toMatchObject({
      name: "homeassistant",
      message: expect.stringMatching(/snapshot mode with its QEMU guest agent off/),
    });
    restoreFaults(lab.state).agentOff.delete(100);
    // The findings are read again after a verification (and hourly).
    await verify({ guests: ["103"] });
    await waitFor(
      async () => !(await issues()).some((i) => i.issue_id === "crash_consistent_home_100"),
      60_000,
      "the Repair did not go",
    );
  });

  it("resumes a run a restart interrupted with the archives it had not reached", async () => {
    await add.stop();
    // As a kill mid-run leaves it: 100 checked, 101 and 105 not yet.
    const path = join(dirname(add.logFile), "pve-backup-verify.json");
    const ledger = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    const target = (vmid: number) => ({
      key: `home_${vmid}`,
      vmid,
      volid: newest(vmid),
      node: "pve",
      sizeBytes: 1,
    });
    writeFileSync(
      path,
      JSON.stringify({
        ...ledger,
        run: {
          depth: "api",
          startedMs: lab.nowMs(),
          targets: [100, 101, 105].map(target),
          done: [newest(100)],
        },
      }),
    );
    const events = await collectEvents(hass.url, hass.token, "pve_backup_verification_finished");
    try {
      await add.start();
      await waitFor(() => events.events.length >= 2, 60_000, "the interrupted run did not resume");
      expect(events.events.map((e) => [e.data.vmid, e.data.trigger])).toEqual([
        [101, "resume"],
        [105, "resume"],
      ]);
      await waitFor(
        () => (JSON.parse(readFileSync(path, "utf8")) as { run: unknown }).run === null,
        10_000,
        "the resumed run was not closed",
      );
    } finally {
      events.close();
    }
  });

  it("after a restart mid test restore destroys the copy the add-on made and fires pve_backup_test_restore_failed", async () => {
    await add.stop();
    const path = join(dirname(add.logFile), "pve-backup-verify.json");
    const ledger = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    // As a kill during a test restore of 100 leaves it: the ledger's note and the copy on 9100.
    writeFileSync(
      path,
      JSON.stringify({
        ...ledger,
        testRestoreRun: {
          cluster: "home",
          key: "home_100",
          vmid: 100,
          name: "guest100",
          volid: newest(100),
          spareVmid: 9100,
          guestType: "qemu",
          startedMs: lab.nowMs(),
        },
      }),
    );
    lab.state.guests.push({
      vmid: 9100,
      name: "pve-backup-test-restore-100",
      type: "qemu",
      node: "pve",
      status: "stopped",
      template: false,
      backupBytes: 0,
      backupSeconds: 0,
    });
    const events = await collectEvents(hass.url, hass.token, "pve_backup_test_restore_failed");
    // The sim's clock is manual: its destroy task ends as time moves on.
    const ticking = setInterval(() => void lab.advance(2000), 200);
    try {
      await add.start();
      await waitFor(() => events.events.length >= 1, 60_000, "no pve_backup_test_restore_failed");
      expect(events.events[0]?.data).toMatchObject({
        cluster: "home",
        vmid: 100,
        volid: newest(100),
        result: "failed",
        spare_vmid: 9100,
        message: expect.stringMatching(
          /a restart interrupted the test restore; its copy on 9100 was destroyed/,
        ),
      });
      expect(lab.state.guests.some((g) => g.vmid === 9100)).toBe(false);
      const after = JSON.parse(readFileSync(path, "utf8")) as {
        testRestoreRun?: unknown;
        lastTestRestore: Record<string, { result: string }>;
      };
      expect(after.testRestoreRun ?? null).toBeNull();
      expect(after.lastTestRestore.home_100?.result).toBe("failed");
    } finally {
      clearInterval(ticking);
      events.close();
    }
  });
});
