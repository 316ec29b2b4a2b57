import { describe, expect, it } from "vitest";
import { createDataItemParser } from "../../src/pve/json-items.js";

/** Feeds `text` as UTF-8 in pieces of `size` bytes (splitting characters too); returns the items. */
function parseInPieces(text: string, size: number): unknown[] {
  const bytes = Buffer.from(text, "utf8");
  const items: unknown[] = [];
  const parser = createDataItemParser((item) => items.push(item));
  for (let i = 0; i < bytes.length; i += size) parser.write(bytes.subarray(i, i + size));
  parser.end();
  return items;
}

const SIZES = [1, 2, 3, 5, 7, 16, 64, 1024, 1 << 30];

function row(i: number, notes: string) {
  return {
    volid: `nas:backup/vzdump-qemu-${1000 + i}-2026_02_11-03_00_${String(i % 60).padStart(2, "0")}.vma.zst`,
    content: "backup",
    format: "vma.zst",
    subtype: "qemu",
    vmid: 1000 + i,
    ctime: 1_770_778_800 + i,
    size: 1_000_000_000 + i,
    notes,
  };
}

describe("createDataItemParser: the items of `data`, as the answer streams in", () => {
  const answers: [string, string][] = [
    [
      "a content listing",
      JSON.stringify({ data: Array.from({ length: 300 }, (_, i) => row(i, `guest-${i}`)) }),
    ],
    ["an empty list", '{"data":[]}'],
    ["other keys around the list", '{"total":2,"data":[{"a":1},{"b":[1,2,{"c":"},{"}]}],"message":"x"}'],
    ["a `data` key deeper down is not the list", '{"meta":{"data":[9]},"data":[{"a":1}]}'],
    ["scalars and lists as items", '{"data":[1,"two",null,true,[3,{"x":"]"}],{"y":{}}]}'],
    [
      "strings that look like structure",
      JSON.stringify({
        data: [
          row(1, '},{"volid":"fake"},{'),
          row(2, 'a "quoted" \\ backslash\\'),
          row(3, "line\nbreak\ttab \u0000 and \\u escapes"),
          row(4, "\\"),
          row(5, "\\\\"),
        ],
      }),
    ],
    [
      "characters of several bytes, split anywhere",
      JSON.stringify({ data: [row(1, "Grüße 🎉 日本語"), row(2, "ÅÄÖ"), row(3, "𝄞")] }),
    ],
    ["pretty-printed", JSON.stringify({ data: [row(1, "a"), row(2, "b"), { x: [1, 2] }] }, null, 2)],
    ["whitespace around it all", ' \n{ "data" : [ {"a":1} , {"b":2} ] }\n '],
  ];

  it.each(answers)("%s: the same items as JSON.parse, however the text is split", (_name, text) => {
    const expected = (JSON.parse(text) as { data: unknown[] }).data;
    for (const size of SIZES) expect(parseInPieces(text, size), `pieces of ${size}`).toEqual(expected);
  });

  it("hands items on as their piece comes in, not at the end", () => {
    const text = JSON.stringify({ data: Array.from({ length: 100 }, (_, i) => row(i, "n")) });
    const seen: number[] = [];
    const parser = createDataItemParser(() => seen.push(1));
    const bytes = Buffer.from(text);
    parser.write(bytes.subarray(0, bytes.length / 2));
    const afterHalf = seen.length;
    parser.write(bytes.subarray(bytes.length / 2));
    parser.end();
    expect(afterHalf).toBeGreaterThan(40);
    expect(seen).toHaveLength(100);
  });

  it.each<[string, string]>([
    ["not an object", "[1,2]"],
    ["a string", '"data"'],
    ["no data list", '{"data":null}'],
    ["no data at all", '{"total":0}'],
    ["cut off", '{"data":[{"a":1},{"b":'],
    ["cut off in a string", '{"data":[{"a":"x'],
    ["cut off after the list", '{"data":[1]'],
    ["an item that is not JSON", '{"data":[{"a":1},{b:2}]}'],
    ["an item that is not JSON, alone", '{"data":[{b:2}]}'],
    ["two items without a comma", '{"data":[{"a":1} {"b":2}]}'],
    ["an empty item", '{"data":[1,,2]}'],
    ["a leading comma", '{"data":[,1]}'],
    ["a trailing comma", '{"data":[1,]}'],
    ["unbalanced brackets", '{"data":[{"a":[1}]}'],
    ["a list closed by a brace", '{"data":[1}}'],
    ["text after the answer", '{"data":[]} x'],
    ["a second object", '{"data":[]}{}'],
  ])("refuses %s", (_name, text) => {
    for (const size of [1, 3, 1 << 30]) expect(() => parseInPieces(text, size)).toThrow(SyntaxError);
  });
});

describe("createDataItemParser: an item that does not end", () => {
  const feed = (head: string, filler: string, pieces: number) => {
    const parser = createDataItemParser(() => {});
    parser.write(Buffer.from(head));
    const piece = Buffer.from(filler.repeat(64 * 1024));
    for (let i = 0; i < pieces; i++) parser.write(piece);
  };

  it.each([
    ["a string inside the first item", '{"data":[{"volid":"', "a"],
    ["a string after items cut in batches", '{"data":[{"a":1},{"b":2},{"volid":"', "a"],
    ["a nested value", '{"data":[{"a":', "[1,"],
    ["a string outside `data`", '{"message":"', "a"],
  ])("refuses %s past 1 MiB instead of keeping it", (_what, head, filler) => {
    // 64 pieces of 64 KiB and more: the parser gives up on the 17th piece, within 1 MiB and one piece.
    expect(() => feed(head, filler, 64)).toThrow("an item of the answer larger than 1 MiB; not read");
  });

  it("takes an item just under 1 MiB", () => {
    const notes = "n".repeat(1024 * 1024 - 100);
    expect(parseInPieces(JSON.stringify({ data: [{ a: 1 }, { notes }] }), 64 * 1024)).toEqual([
      { a: 1 },
      { notes },
    ]);
  });
});
