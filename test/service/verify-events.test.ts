import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import type { VerificationResult } from "../../src/service/verify.js";
import { createVerificationEvents } from "../../src/service/verify-events.js";

const result = (vmid: number, ok = true): VerificationResult => ({
  cluster: "home",
  vmid,
  name: `g${vmid}`,
  volid: `nas:backup/vzdump-qemu-${vmid}.vma.zst`,
  depth: "api",
  result: ok ? "ok" : "failed",
  durationMs: 3,
  message: "m",
  trigger: "resume",
});

describe("verification events", () => {
  it("keeps what Home Assistant could not take and fires it, in order, once it is back", async () => {
    let up = false;
    const fired: [string, unknown][] = [];
    const logs: string[] = [];
    const events = createVerificationEvents({
      fire: async (type, data) => {
        if (!up) throw new Error("Home Assistant is not connected");
        fired.push([type, data.vmid]);
      },
      log: { ...silentLogger, warn: (m: string) => logs.push(m) },
    });
    await events.tell(result(101));
    await events.tell(result(105, false));
    expect(fired).toEqual([]);
    expect(events.waiting()).toBe(2);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(
      /could not fire pve_backup_verification_finished \(Home Assistant is not connected\): 1 event/,
    );
    up = true;
    await events.flush();
    expect(fired).toEqual([
      ["pve_backup_verification_finished", 101],
      ["pve_backup_verification_failed", 105],
    ]);
    expect(events.waiting()).toBe(0);
  });

  it("drops the oldest beyond its cap", async () => {
    const logs: string[] = [];
    const events = createVerificationEvents({
      fire: () => Promise.reject(new Error("down")),
      log: { ...silentLogger, warn: (m: string) => logs.push(m) },
      cap: 2,
    });
    for (const v of [100, 101, 102]) await events.tell(result(v));
    expect(events.waiting()).toBe(2);
    expect(logs.join("\n")).toMatch(/more than 2 verification events wait/);
  });

  it("keeps a test restore's event in the same queue, in order with the verifications", async () => {
    let up = false;
    const fired: string[] = [];
    const events = createVerificationEvents({
      fire: async (type) => {
        if (!up) throw new Error("Home Assistant is not connected");
        fired.push(type);
      },
      log: silentLogger,
    });
    await events.tell(result(101));
    await events.tellEvent({ type: "pve_backup_test_restore_failed", data: { vmid: 100 } });
    expect(events.waiting()).toBe(2);
    up = true;
    await events.flush();
    expect(fired).toEqual(["pve_backup_verification_finished", "pve_backup_test_restore_failed"]);
  });
});
