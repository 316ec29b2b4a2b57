import { describe, expect, it } from "vitest";
import { updateParams } from "../../src/pve/jobs.js";

describe("updateParams", () => {
  const desired = { storage: "nas", "notes-template": "{{guestname}}", schedule: "03:00" };
  it.each<[string, { field: string; to: string | number | null }[], Record<string, string | number>]>([
    ["changed fields only", [{ field: "schedule", to: "03:00" }], { schedule: "03:00" }],
    [
      "drops go to delete",
      [
        { field: "mailto", to: null },
        { field: "bwlimit", to: null },
      ],
      { delete: "mailto,bwlimit" },
    ],
    [
      "notes-template brings storage along (PVE checks requires per request)",
      [{ field: "notes-template", to: "{{guestname}}" }],
      { "notes-template": "{{guestname}}", storage: "nas" },
    ],
    [
      "a changed storage is not overridden",
      [
        { field: "notes-template", to: "x" },
        { field: "storage", to: "nas2" },
      ],
      { "notes-template": "x", storage: "nas2" },
    ],
  ])("%s", (_n, changes, params) => {
    expect(updateParams(changes, desired)).toEqual(params);
  });
});
