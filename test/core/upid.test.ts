import { describe, expect, it } from "vitest";
import { formatUpid, parseUpid, type Upid, type UpidFields } from "../../src/core/upid.js";

describe("parseUpid", () => {
  it.each<[string, Omit<Upid, "upid">]>([
    // Reference example (pve-api.md §4.2).
    [
      "UPID:pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:",
      {
        node: "pve1",
        pid: 662316,
        pstart: 32761045,
        startMs: 1736042402000,
        type: "vzdump",
        id: "",
        user: "root@pam",
      },
    ],
    [
      "UPID:pve1:0009F001:01F2AA10:67798C11:vzdump:100:ha@pve!backup:",
      {
        node: "pve1",
        pid: 651265,
        pstart: 32680464,
        startMs: 1736018961000,
        type: "vzdump",
        id: "100",
        user: "ha@pve",
        tokenId: "backup",
      },
    ],
    // 9-digit pstart (uptime over ~497 days), lower-case hex, hyphenated node, imgdel id.
    [
      "UPID:pve-node-2:0000abcd:1000000A0:6779e7a2:imgdel:100@nas:root@pam:",
      {
        node: "pve-node-2",
        pid: 0xabcd,
        pstart: 0x1000000a0,
        startMs: 0x6779e7a2 * 1000,
        type: "imgdel",
        id: "100@nas",
        user: "root@pam",
      },
    ],
    // Single-character node; a "!" with nothing after it is not a token.
    [
      "UPID:n:00000001:00000002:00000000:prunebackups:nas:odd@pve!:",
      {
        node: "n",
        pid: 1,
        pstart: 2,
        startMs: 0,
        type: "prunebackups",
        id: "nas",
        user: "odd@pve!",
      },
    ],
    [
      "UPID:pve1:FFFFFFFF:FFFFFFFFF:FFFFFFFF:vzdump::a@b!t-1:",
      {
        node: "pve1",
        pid: 0xffffffff,
        pstart: 0xfffffffff,
        startMs: 0xffffffff * 1000,
        type: "vzdump",
        id: "",
        user: "a@b",
        tokenId: "t-1",
      },
    ],
  ])("parses %s", (text, expected) => {
    expect(parseUpid(text)).toEqual({ upid: text, ...expected });
  });

  it("omits tokenId for a plain user", () => {
    expect(parseUpid("UPID:pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:")).not.toHaveProperty("tokenId");
  });

  it.each([
    ["empty", ""],
    ["no trailing colon", "UPID:pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam"],
    ["lower-case prefix", "upid:pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:"],
    ["leading space", " UPID:pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:"],
    ["trailing newline", "UPID:pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:\n"],
    ["7-digit pid", "UPID:pve1:00A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:"],
    ["9-digit pid", "UPID:pve1:0000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:"],
    ["7-digit pstart", "UPID:pve1:000A1B2C:1F3E4D5:6779E7A2:vzdump::root@pam:"],
    ["10-digit pstart", "UPID:pve1:000A1B2C:001F3E4D55:6779E7A2:vzdump::root@pam:"],
    ["9-digit start time", "UPID:pve1:000A1B2C:01F3E4D5:06779E7A2:vzdump::root@pam:"],
    ["non-hex pid", "UPID:pve1:000G1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:"],
    ["node starting with a hyphen", "UPID:-pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:"],
    ["node ending with a hyphen", "UPID:pve1-:000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:"],
    ["node with a dot", "UPID:pve1.lan:000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:"],
    ["empty type", "UPID:pve1:000A1B2C:01F3E4D5:6779E7A2::100:root@pam:"],
    ["empty user", "UPID:pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump:100::"],
    ["slash in id", "UPID:pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump:a/b:root@pam:"],
    ["space in user", "UPID:pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump::root @pam:"],
    ["extra field", "UPID:pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump:100:x:root@pam:"],
  ])("rejects %s", (_label, text) => {
    expect(parseUpid(text)).toBeUndefined();
  });
});

describe("formatUpid", () => {
  it.each<[UpidFields, string]>([
    [
      {
        node: "pve1",
        pid: 662316,
        pstart: 32761045,
        startMs: 1736042402000,
        type: "vzdump",
        id: "",
        user: "root@pam",
      },
      "UPID:pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:",
    ],
    [
      {
        node: "pve1",
        pid: 651265,
        pstart: 32680464,
        startMs: 1736018961999,
        type: "vzdump",
        id: "100",
        user: "ha@pve",
        tokenId: "backup",
      },
      "UPID:pve1:0009F001:01F2AA10:67798C11:vzdump:100:ha@pve!backup:",
    ],
    [
      {
        node: "n",
        pid: 1,
        pstart: 0x1000000a0,
        startMs: 0,
        type: "imgdel",
        id: "100@nas",
        user: "ha@pve!backup",
      },
      "UPID:n:00000001:1000000A0:00000000:imgdel:100@nas:ha@pve!backup:",
    ],
  ])("formats %j", (fields, expected) => {
    expect(formatUpid(fields)).toBe(expected);
  });

  it.each([
    "UPID:pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:",
    "UPID:pve1:0009F001:01F2AA10:67798C11:vzdump:100:ha@pve!backup:",
    "UPID:pve-node-2:0000ABCD:1000000A0:6779E7A2:imgdel:100@nas:root@pam:",
  ])("round-trips %s", (text) => {
    const parsed = parseUpid(text);
    expect(parsed).toBeDefined();
    expect(formatUpid(parsed as Upid)).toBe(text);
  });
});
