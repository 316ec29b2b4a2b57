import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import { restoreFaults } from "../../src/sim/restore.js";
import { archiveVolid } from "../../src/sim/state.js";
import { freePort } from "../ha/hass.js";
import { optionsFileFor, runCli, statusOf } from "../support/cli.js";
import { tieredLab } from "../support/scenarios.js";
import { openPathFor, sshdAvailable, startSshd } from "../support/sshd.js";
import { smallVmaSpec, vmaBytes } from "./vma-fixture.js";

/** `pve-backup verify` and `test-restore` as built, against the simulated lab (and a real sshd). */

let lab: SimLab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

const newest = (l: SimLab, vmid: number) =>
  l.state.archives.filter((a) => a.vmid === vmid).sort((a, b) => b.ctimeSec - a.ctimeSec)[0] as NonNullable<
    SimLab["state"]["archives"][number]
  >;

describe("pve-backup verify", () => {
  it("checks every guest's newest archive through PVE, keeps the result beside the options, shows it in status", async () => {
    lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    restoreFaults(lab.state).damaged.add(archiveVolid(newest(lab, 102)));
    const options = optionsFileFor(lab);
    const r = await runCli(["verify", "--json", "--options", options]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      results: { vmid: number; result: string; message: string; depth: string }[];
    };
    const by = Object.fromEntries(out.results.map((x) => [x.vmid, x]));
    expect(by[100]).toMatchObject({
      result: "ok",
      depth: "api",
      message: expect.stringMatching(/PVE read the archive's header and config/),
    });
    expect(by[102]).toMatchObject({
      result: "failed",
      message: expect.stringMatching(/PVE cannot read the archive's config: .*wrong vma header chechsum/),
    });
    expect(existsSync(join(dirname(options), "pve-backup-verify.json"))).toBe(true);
    const status = await statusOf(lab);
    // statusOf writes its own options file: read the ledger through one beside the first.
    expect(status.byVmid[100]?.lastVerified === null || status.byVmid[100]?.lastVerified === undefined).toBe(
      true,
    );
    const s = await runCli(["status", "--json", "--options", options], {
      PVE_BACKUP_NOW: new Date(lab.nowMs()).toISOString(),
    });
    const guests = (JSON.parse(s.stdout) as { guests: { vmid: number; lastVerified: unknown }[] }).guests;
    expect(guests.find((g) => g.vmid === 100)?.lastVerified).toMatchObject({ depth: "api", result: "ok" });
    expect(guests.find((g) => g.vmid === 102)?.lastVerified).toMatchObject({ result: "failed" });
  });

  it("takes a tier or a vmid, and refuses a word that is neither", async () => {
    lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    const options = optionsFileFor(lab);
    const tier = await runCli(["verify", "P0", "--json", "--options", options]);
    expect((JSON.parse(tier.stdout) as { results: { vmid: number }[] }).results.map((x) => x.vmid)).toEqual([
      100, 102,
    ]);
    const one = await runCli(["verify", "103", "--options", options]);
    expect(one).toMatchObject({ code: 0, stdout: expect.stringMatching(/^103 .*: ok \(api/) });
    const bad = await runCli(["verify", "P9", "--options", options]);
    expect(bad).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/'P9' is neither a vmid nor a tier \(tiers: P0, P1, P2\)/),
    });
    const full = await runCli(["verify", "--full", "--options", options]);
    expect(full).toMatchObject({ code: 64, stderr: expect.stringMatching(/set verify\.dump_path/) });
  });

  it("resumes an interrupted run with the archives it had not reached", async () => {
    lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    const options = optionsFileFor(lab);
    const ledgerPath = join(dirname(options), "pve-backup-verify.json");
    const first = await runCli(["verify", "--json", "--options", options]);
    expect(first.code).toBe(0);
    // As if the process had died after the first archive of a second run.
    const ledger = JSON.parse(readFileSync(ledgerPath, "utf8"));
    const targets = ["100", "101", "102", "103", "105"].map((v) => {
      const a = newest(lab as SimLab, Number(v));
      return {
        key: `home_${v}`,
        vmid: Number(v),
        volid: archiveVolid(a),
        node: "pve",
        sizeBytes: a.sizeBytes,
        guestType: a.type,
        fileName: a.fileName,
        storage: "nas-backups",
        name: "",
      };
    });
    writeFileSync(
      ledgerPath,
      JSON.stringify({ ...ledger, run: { depth: "api", startedMs: 0, targets, done: [targets[0]?.volid] } }),
    );
    const again = await runCli(["verify", "--options", options]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^resuming: 1 of 5 already checked\n101 /);
    expect(again.stdout).not.toMatch(/^100 /m);
    expect(JSON.parse(readFileSync(ledgerPath, "utf8")).run).toBeNull();
  });

  it("doctor lists the privileges verification and test restores need", async () => {
    lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    const r = await runCli(["doctor", "--options", optionsFileFor(lab, { verify: { spare_vmid: 990 } })]);
    expect(r.stdout).toMatch(/Verification and test restores \(optional/);
    expect(r.stdout).toMatch(/ok +VM\.Allocate on \/vms\/990: create and destroy the test guest/);
    expect(r.stdout).toMatch(/VM\.GuestAgent\.Audit on \/vms\/990/);
  });

  it("doctor names backups that may disappoint: agent off in snapshot mode, a failed verification", async () => {
    lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    restoreFaults(lab.state).agentOff.add(100);
    restoreFaults(lab.state).damaged.add(archiveVolid(newest(lab, 102)));
    const options = optionsFileFor(lab);
    await runCli(["verify", "102", "--options", options]);
    const r = await runCli(["doctor", "--json", "--options", options]);
    const findings = (JSON.parse(r.stdout) as { findings: { vmid: number; kind: string; message: string }[] })
      .findings;
    expect(findings).toContainEqual({
      vmid: 100,
      kind: "crash_consistent",
      message: expect.stringMatching(/snapshot mode with its QEMU guest agent off/),
    });
    expect(findings).toContainEqual({
      vmid: 102,
      kind: "verification_failed",
      message: expect.stringMatching(/wrong vma header chechsum/),
    });
    expect(findings.filter((f) => f.vmid === 101)).toEqual([]);
  });

  it("says a vmid that names no guest does not exist, and a spare VMID that is not a number is not a VMID", async () => {
    lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    const options = optionsFileFor(lab);
    expect(await runCli(["verify", "99999", "--options", options])).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/guest 99999 does not exist on cluster home/),
    });
    expect(
      await runCli(["test-restore", "99999", "--spare-vmid", "990", "--options", options]),
    ).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/guest 99999 does not exist on cluster home/),
    });
    expect(await runCli(["test-restore", "100", "--spare-vmid", "abc", "--options", options])).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/'abc' is not a VMID/),
    });
  });

  it("test-restore refuses a spare VMID that exists, before changing anything", async () => {
    lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    const before = lab.state.guests.length;
    const r = await runCli(["test-restore", "100", "--spare-vmid", "101", "--options", optionsFileFor(lab)]);
    expect(r).toMatchObject({ code: 64, stderr: expect.stringMatching(/VMID 101 is in use/) });
    expect(lab.state.guests.length).toBe(before);
  });

  it.skipIf(!sshdAvailable())("reads the archive in full from the NAS over SFTP with --full", async () => {
    lab = await startSimLab({ scenario: tieredLab(), clock: "manual" });
    const sshd = await startSshd({ port: await freePort() });
    try {
      const dump = join(mkdtempSync(join(tmpdir(), "pve-backup-nas-")), "dump");
      mkdirSync(dump);
      openPathFor(dump);
      const a = newest(lab, 100);
      const zst = execFileSync("zstd", ["-q", "-c"], { input: vmaBytes(smallVmaSpec()) });
      writeFileSync(join(dump, a.fileName), zst);
      // PVE lists the file as the NAS holds it.
      const at = lab.state.archives.indexOf(a);
      lab.state.archives[at] = { ...a, sizeBytes: zst.length };
      const log = join(dump, a.fileName.replace(/\.vma(\.zst)?$/, ".log"));
      writeFileSync(
        log,
        "2026-02-11 03:00:01 INFO: Starting Backup of VM 100 (qemu)\n2026-02-11 03:01:00 INFO: Finished Backup of VM 100 (00:00:59)\n",
      );
      const options = optionsFileFor(lab, {
        ha_backups: {
          host: "127.0.0.1",
          port: sshd.port,
          username: sshd.user,
          private_key: sshd.privateKey,
          host_key_fingerprint: sshd.hostKeyFingerprint,
          share_path: "/unused",
        },
        verify: { dump_path: dump, max_mb_per_s: 0 },
      });
      const ok = await runCli(["verify", "100", "--full", "--options", options]);
      expect(ok).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(/ok \(full.*zstd checksum, VMA header, extents and disks/),
      });
      const damaged = Buffer.from(zst);
      damaged[Math.floor(damaged.length / 2)] = (damaged[Math.floor(damaged.length / 2)] as number) ^ 1;
      writeFileSync(join(dump, a.fileName), damaged);
      const bad = await runCli(["verify", "100", "--full", "--options", options]);
      expect(bad).toMatchObject({
        code: 1,
        stdout: expect.stringMatching(/failed \(full.*zstd stream is damaged/),
      });
      const ledger = JSON.parse(readFileSync(join(dirname(options), "pve-backup-verify.json"), "utf8"));
      expect(ledger.lastVerified.home_100).toMatchObject({ depth: "full", result: "failed" });
      expect(ledger.run).toBeNull();
    } finally {
      await sshd.stop();
    }
  });
});
