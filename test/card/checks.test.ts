import { describe, expect, it } from "vitest";
import {
  ago,
  checkMarks,
  copiesFromAttributes,
  copiesFromJson,
  copiesPhrases,
  testRestoreFromJson,
  testRestorePhrases,
  verificationFromAttributes,
  verificationFromJson,
  verificationPhrases,
} from "../../lovelace/common/checks.js";
import { catalogue, type HassLike } from "../../lovelace/pve-backup-card/model.js";

/** The words the card and the panel share for the 3-2-1 copies and the last verification. */

const NOW = Date.parse("2026-02-12T12:00:00Z");
const hoursAgo = (h: number) => new Date(NOW - h * 3_600_000).toISOString();
const said = (list: { text: string; tone: string }[]) => list.map((p) => `${p.text} [${p.tone}]`).join(" · ");

describe("ago", () => {
  it.each([
    [0, "just now"],
    [-5, "just now"],
    [0.5, "30 min ago"],
    [9, "9 h ago"],
    [47, "47 h ago"],
    [48, "2 days ago"],
    [24 * 40, "40 days ago"],
  ])("%s hours back reads %s", (h, want) => {
    expect(ago(NOW - h * 3_600_000, NOW)).toBe(want);
  });
});

describe("the 3-2-1 copies in words", () => {
  it.each([
    [
      { pve: 3, nas: 3, offNas: "yes", offNasTime: hoursAgo(9) },
      "3 on PVE [plain] · 3 on the NAS [plain] · off-NAS: yes, 9 h ago [ok]",
    ],
    [
      { pve: 3, nas: 3, offNas: "yes", offNasTime: null },
      "3 on PVE [plain] · 3 on the NAS [plain] · off-NAS: yes [ok]",
    ],
    [
      { pve: 2, nas: 0, offNas: "no", offNasTime: null },
      "2 on PVE [plain] · 0 on the NAS [plain] · off-NAS: no [warn]",
    ],
    // Unknown is greyed, never ok.
    [
      { pve: 1, nas: null, offNas: "unknown", offNasTime: null },
      "1 on PVE [plain] · on the NAS: unknown [muted] · off-NAS: unknown [muted]",
    ],
    [
      { pve: 1, nas: 1, offNas: "maybe", offNasTime: "garbage" },
      "1 on PVE [plain] · 1 on the NAS [plain] · off-NAS: unknown [muted]",
    ],
    // The reason is said with unknown, and only there.
    [
      {
        pve: 2,
        nas: null,
        offNas: "unknown",
        offNasTime: null,
        offNasReason: "storage nfs2 is not on this NAS",
      },
      "2 on PVE [plain] · on the NAS: unknown [muted] · off-NAS: unknown (storage nfs2 is not on this NAS) [muted]",
    ],
    [
      { pve: 2, nas: 2, offNas: "no", offNasTime: null, offNasReason: "stale" },
      "2 on PVE [plain] · 2 on the NAS [plain] · off-NAS: no [warn]",
    ],
  ])("%j reads %s", (json, want) => {
    const c = copiesFromJson(json);
    expect(c).toBeDefined();
    expect(said(copiesPhrases(c as NonNullable<typeof c>, NOW))).toBe(want);
  });

  it("is absent when the status or the attributes do not carry it (an older add-on)", () => {
    expect(copiesFromJson(undefined)).toBeUndefined();
    expect(copiesFromJson(null)).toBeUndefined();
    expect(copiesFromAttributes({ size_bytes: 1 })).toBeUndefined();
    expect(
      copiesFromAttributes({ copies_pve: null, copies_nas: null, off_nas: "unknown", off_nas_time: null }),
    ).toEqual({ pve: null, nas: null, offNas: "unknown", offNasMs: null, offNasReason: null });
    expect(
      copiesFromAttributes({ copies_pve: 3, copies_nas: 2, off_nas: "yes", off_nas_time: hoursAgo(1) }),
    ).toEqual({ pve: 3, nas: 2, offNas: "yes", offNasMs: NOW - 3_600_000, offNasReason: null });
    expect(
      copiesFromAttributes({ off_nas: "unknown", off_nas_reason: "the NAS is not configured" }),
    ).toMatchObject({ offNas: "unknown", offNasReason: "the NAS is not configured" });
  });
});

describe("the last verification in words", () => {
  it.each([
    [
      { time: hoursAgo(50), depth: "full", result: "ok", durationMs: 1, message: "" },
      "Verified 2 days ago [plain] · full check [plain] · OK [ok]",
    ],
    [
      { time: hoursAgo(3), depth: "api", result: "ok", durationMs: 1, message: "" },
      "Verified 3 h ago [plain] · quick check [plain] · OK [ok]",
    ],
    [
      { time: hoursAgo(3), depth: "full", result: "failed", durationMs: 1, message: "zstd: truncated frame" },
      "Check failed: zstd: truncated frame [error] · 3 h ago · full check [muted]",
    ],
    [{ time: null, depth: null, result: "failed", message: "" }, "Check failed [error]"],
    [null, "Never verified [muted]"],
    [{ time: hoursAgo(1), result: "pending" }, "Verification result unknown (1 h ago) [muted]"],
    [{}, "Verification result unknown [muted]"],
  ])("%j reads %s", (json, want) => {
    const v = verificationFromJson(json);
    expect(v).not.toBeUndefined();
    expect(said(verificationPhrases(v ?? null, NOW))).toBe(want);
  });

  it("reads the last-backup sensor's attributes: absent, never, failed with its message", () => {
    expect(verificationFromJson(undefined)).toBeUndefined();
    expect(verificationFromAttributes({ size_bytes: 1 })).toBeUndefined();
    expect(
      verificationFromAttributes({
        last_verified: null,
        last_verified_result: null,
        last_verified_depth: null,
      }),
    ).toBeNull();
    expect(
      verificationFromAttributes({
        last_verified: hoursAgo(2),
        last_verified_result: "failed",
        last_verified_depth: "full",
        last_verified_message: "bad VMA header checksum",
      }),
    ).toEqual({
      timeMs: NOW - 7_200_000,
      result: "failed",
      depth: "full",
      message: "bad VMA header checksum",
    });
  });

  it("marks the collapsed row for a failed check or no off-NAS copy only", () => {
    const failed = verificationFromJson({ result: "failed" });
    const ok = verificationFromJson({ result: "ok" });
    expect(checkMarks(failed, undefined)).toEqual({ checkFailed: true, noOffNas: false });
    expect(checkMarks(ok, copiesFromJson({ pve: 1, nas: 1, offNas: "no" }))).toEqual({
      checkFailed: false,
      noOffNas: true,
    });
    expect(checkMarks(null, copiesFromJson({ pve: 1, nas: 1, offNas: "unknown" }))).toEqual({
      checkFailed: false,
      noOffNas: false,
    });
    expect(checkMarks(undefined, undefined)).toEqual({ checkFailed: false, noOffNas: false });
  });
});

describe("the last test restore in words", () => {
  it.each([
    [{ time: hoursAgo(72), result: "ok", durationMs: 1, message: "" }, "Test restore OK 3 days ago [plain]"],
    [
      { time: hoursAgo(5), result: "failed", durationMs: 1, message: "no guest agent after 300 s" },
      "Test restore failed: no guest agent after 300 s [error] · 5 h ago [muted]",
    ],
    [{ result: "failed" }, "Test restore failed [error]"],
    [null, "No test restore [muted]"],
    [{ time: hoursAgo(1) }, "Test restore result unknown 1 h ago [muted]"],
  ])("%j reads %s", (json, want) => {
    const t = testRestoreFromJson(json);
    expect(said(testRestorePhrases(t ?? null, NOW))).toBe(want);
  });

  it("is absent when the status does not carry it", () => {
    expect(testRestoreFromJson(undefined)).toBeUndefined();
  });
});

describe("the card's model reads the checks from the last-backup sensor", () => {
  const hass = (attributes: object): HassLike =>
    ({
      entities: {
        "sensor.g1": {
          entity_id: "sensor.g1",
          device_id: "d1",
          platform: "pve_backup",
          translation_key: "last_backup",
        },
      },
      devices: { d1: { id: "d1", name: "db (VM 101)", identifiers: [["pve_backup", "home_101"]] } },
      states: { "sensor.g1": { entity_id: "sensor.g1", state: hoursAgo(1), attributes } },
    }) as unknown as HassLike;

  it("has neither copies nor verification when an older add-on publishes none", () => {
    const [g] = catalogue(hass({ size_bytes: 1 })).guests;
    expect(g?.copies).toBeUndefined();
    expect(g?.verification).toBeUndefined();
  });

  it("has both when published", () => {
    const [g] = catalogue(
      hass({
        last_verified: hoursAgo(2),
        last_verified_result: "ok",
        last_verified_depth: "api",
        copies_pve: 3,
        copies_nas: 3,
        off_nas: "no",
        off_nas_time: null,
      }),
    ).guests;
    expect(g?.copies).toEqual({ pve: 3, nas: 3, offNas: "no", offNasMs: null, offNasReason: null });
    expect(g?.verification).toMatchObject({ result: "ok", depth: "api" });
  });
});
