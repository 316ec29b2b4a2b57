// Draws the add-on's icon.png (128×128) and logo.png (250×100): a server stack with a check
// badge, and the same beside "PVE BACKUP" in a small pixel font. Our own artwork, made by code:
// shapes are painted at 4× and averaged down (anti-aliasing), then written as PNG with zlib.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";

const SS = 4; // supersampling factor
const BLUE = [31, 111, 235, 255];
const WHITE = [255, 255, 255, 255];
const GREEN = [46, 160, 67, 255];
const DARK = [36, 41, 47, 255];
const LED = [63, 185, 80, 255];

function canvas(w, h) {
  return { w: w * SS, h: h * SS, px: new Uint8ClampedArray(w * SS * h * SS * 4) };
}

/** Paint every sample (x, y in output pixels) for which `inside` holds. */
function fill(c, inside, rgba) {
  for (let y = 0; y < c.h; y++)
    for (let x = 0; x < c.w; x++)
      if (inside((x + 0.5) / SS, (y + 0.5) / SS)) c.px.set(rgba, (y * c.w + x) * 4);
}

const roundRect = (x0, y0, w, h, r) => (x, y) => {
  const cx = Math.min(Math.max(x, x0 + r), x0 + w - r);
  const cy = Math.min(Math.max(y, y0 + r), y0 + h - r);
  return x >= x0 && x <= x0 + w && y >= y0 && y <= y0 + h && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
/** A thick segment from (ax, ay) to (bx, by). */
const stroke = (ax, ay, bx, by, half) => (x, y) => {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= half * half;
};

/** The icon's drawing in a 128-unit square at (ox, oy), scaled by s. */
function drawIcon(c, ox, oy, s) {
  const at = (f) => (x, y) => f((x - ox) / s, (y - oy) / s);
  fill(c, at(roundRect(4, 4, 120, 120, 24)), BLUE);
  for (const top of [26, 52, 78]) {
    fill(c, at(roundRect(22, top, 72, 20, 5)), WHITE);
    fill(c, at(circle(34, top + 10, 4)), LED);
    fill(c, at(roundRect(46, top + 8, 36, 4, 2)), BLUE);
  }
  fill(c, at(circle(94, 94, 24)), WHITE);
  fill(c, at(circle(94, 94, 20)), GREEN);
  fill(
    c,
    at((x, y) => stroke(83, 95, 91, 103, 3.5)(x, y) || stroke(91, 103, 106, 86, 3.5)(x, y)),
    WHITE,
  );
}

const FONT = {
  P: ["11110", "10001", "10001", "11110", "10000", "10000", "10000"],
  V: ["10001", "10001", "10001", "10001", "10001", "01010", "00100"],
  E: ["11111", "10000", "10000", "11110", "10000", "10000", "11111"],
  B: ["11110", "10001", "10001", "11110", "10001", "10001", "11110"],
  A: ["01110", "10001", "10001", "11111", "10001", "10001", "10001"],
  C: ["01110", "10001", "10000", "10000", "10000", "10001", "01110"],
  K: ["10001", "10010", "10100", "11000", "10100", "10010", "10001"],
  U: ["10001", "10001", "10001", "10001", "10001", "10001", "01110"],
};

function drawText(c, text, ox, oy, cell, rgba) {
  [...text].forEach((ch, i) => {
    FONT[ch].forEach((row, r) => {
      [...row].forEach((bit, col) => {
        if (bit === "1") {
          const x0 = ox + (i * 6 + col) * cell;
          const y0 = oy + r * cell;
          fill(c, (x, y) => x >= x0 && x < x0 + cell && y >= y0 && y < y0 + cell, rgba);
        }
      });
    });
  });
}

/** Average each SS×SS block (premultiplied) into one pixel. */
function downsample(c) {
  const w = c.w / SS;
  const h = c.h / SS;
  const out = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const acc = [0, 0, 0, 0];
      for (let j = 0; j < SS; j++)
        for (let i = 0; i < SS; i++) {
          const k = ((y * SS + j) * c.w + x * SS + i) * 4;
          const a = c.px[k + 3];
          for (let n = 0; n < 3; n++) acc[n] += c.px[k + n] * a;
          acc[3] += a;
        }
      const o = (y * w + x) * 4;
      for (let n = 0; n < 3; n++) out[o + n] = acc[3] ? Math.round(acc[n] / acc[3]) : 0;
      out[o + 3] = Math.round(acc[3] / (SS * SS));
    }
  return { w, h, rgba: out };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
export function encodePng({ w, h, rgba }) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const raw = Buffer.alloc((w * 4 + 1) * h);
  for (let y = 0; y < h; y++) rgba.copy(raw, y * (w * 4 + 1) + 1, y * w * 4, (y + 1) * w * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const addon = join(dirname(fileURLToPath(import.meta.url)), "../addon");

const icon = canvas(128, 128);
drawIcon(icon, 0, 0, 1);
writeFileSync(join(addon, "icon.png"), encodePng(downsample(icon)));

const logo = canvas(250, 100);
drawIcon(logo, 2, 4, 92 / 128);
drawText(logo, "PVE", 104, 14, 5, BLUE);
drawText(logo, "BACKUP", 104, 56, 4, DARK);
writeFileSync(join(addon, "logo.png"), encodePng(downsample(logo)));
process.stdout.write("addon-icons: icon.png, logo.png\n");
