import { describe, expect, it } from "vitest";
import { formatHumanSize, parseHumanSize } from "../../src/core/size.js";

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

describe("parseHumanSize", () => {
  it.each<[string, number]>([
    // format_size output as in vzdump's "archive file size:" lines.
    ["4.12GB", Math.round(4.12 * GiB)],
    ["341MB", 341 * MiB],
    ["12KB", 12 * KiB],
    ["0KB", 0],
    ["1.00TB", TiB],
    ["1024.00GB", 1024 * GiB],
    // Tolerated spellings.
    ["512B", 512],
    ["512 B", 512],
    ["120.0 MiB", 120 * MiB],
    ["1.3 GiB", Math.round(1.3 * GiB)],
    ["2TiB", 2 * TiB],
    ["4 KiB", 4 * KiB],
    [" 4KB ", 4 * KiB],
    ["0.5B", 1],
  ])("parses %j", (text, bytes) => {
    expect(parseHumanSize(text)).toBe(bytes);
  });

  it.each([
    "",
    "GB",
    "4.12",
    "4.12 gb",
    "4.12Gb",
    "4.12XB",
    "4.12PB",
    "4,12GB",
    "-1KB",
    "1e3KB",
    ".5GB",
    "4.GB",
    "4.12  GB",
    "NaN",
    "99999999999TB",
  ])("rejects %j", (text) => {
    expect(parseHumanSize(text)).toBeUndefined();
  });
});

describe("formatHumanSize", () => {
  it.each<[number, string]>([
    [0, "0KB"],
    [1023, "0KB"],
    [KiB, "1KB"],
    [12345, "12KB"],
    [MiB - 1, "1023KB"],
    [MiB, "1MB"],
    [341 * MiB, "341MB"],
    [GiB - 1, "1023MB"],
    [GiB, "1.00GB"],
    // Storage content example of the reference: 4423680000 bytes.
    [4423680000, "4.12GB"],
    [Math.floor(1.004 * GiB), "1.00GB"],
    [Math.floor(1.006 * GiB), "1.01GB"],
    [Math.floor(1.999 * GiB), "2.00GB"],
    // Exact ties round half to even, as printf("%.2f").
    [1.125 * GiB, "1.12GB"],
    [1.375 * GiB, "1.38GB"],
    [TiB - 1, "1024.00GB"],
    [TiB, "1.00TB"],
    [2.5 * TiB, "2.50TB"],
    [1024 * TiB, "1024.00TB"],
    // Odd input.
    [1536.7, "1KB"],
    [-5, "0KB"],
    [Number.NaN, "0KB"],
    [Number.POSITIVE_INFINITY, "0KB"],
  ])("formats %d bytes as %s", (bytes, text) => {
    expect(formatHumanSize(bytes)).toBe(text);
  });

  it.each([12 * KiB, 341 * MiB, 4 * GiB, 3 * TiB])("parses its own output back (%d)", (bytes) => {
    expect(parseHumanSize(formatHumanSize(bytes))).toBe(bytes);
  });
});
