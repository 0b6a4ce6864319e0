#!/usr/bin/env node
// Draws the Proxyscope icon (a lens over three connected nodes on a rounded square) and writes
// it as PNGs: assets/icons/<N>x<N>.png for electron-builder's Linux targets and icon.png
// (512x512) for macOS/Windows. No image libraries and no downloads: the shapes are rendered with
// 4x4 supersampling and encoded with zlib. Run `node scripts/make-icons.mjs` after changing it;
// the PNGs are committed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'icons');
const SIZES = [16, 24, 32, 48, 64, 128, 256, 512];

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
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
export function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Shapes in unit coordinates (0..1), painted in order; each returns true when (x, y) is inside.
const BG = [0x17, 0x3f, 0x5f];
const WHITE = [0xff, 0xff, 0xff];
const ACCENT = [0x3d, 0xdc, 0x97];
const dist = (x, y, cx, cy) => Math.hypot(x - cx, y - cy);
function segDist(x, y, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
}
function roundedSquare(x, y, r = 0.2, m = 0.04) {
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - m - r), 0);
  const qy = Math.max(Math.abs(y - 0.5) - (0.5 - m - r), 0);
  return Math.hypot(qx, qy) <= r;
}
const LENS = { cx: 0.44, cy: 0.44, r: 0.24, w: 0.055 };
const NODES = [
  [0.36, 0.36],
  [0.53, 0.39],
  [0.42, 0.53],
];
function paint(x, y) {
  if (!roundedSquare(x, y)) return null;
  let c = BG;
  // Edges and nodes inside the lens.
  const inLens = dist(x, y, LENS.cx, LENS.cy) < LENS.r - LENS.w / 2;
  if (inLens) {
    for (let i = 0; i < NODES.length; i++) {
      const [a, b] = [NODES[i], NODES[(i + 1) % NODES.length]];
      if (segDist(x, y, a[0], a[1], b[0], b[1]) < 0.016) c = ACCENT;
    }
    for (const [nx, ny] of NODES) if (dist(x, y, nx, ny) < 0.045) c = ACCENT;
  }
  // Ring and handle.
  if (Math.abs(dist(x, y, LENS.cx, LENS.cy) - LENS.r) < LENS.w / 2) c = WHITE;
  const hs = LENS.r / Math.SQRT2 + 0.03;
  if (segDist(x, y, LENS.cx + hs, LENS.cy + hs, 0.78, 0.78) < 0.05) c = WHITE;
  return c;
}

export function render(size) {
  const ss = 4;
  const px = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const c = paint((x + (sx + 0.5) / ss) / size, (y + (sy + 0.5) / ss) / size);
          if (!c) continue;
          r += c[0];
          g += c[1];
          b += c[2];
          a += 1;
        }
      }
      const o = (y * size + x) * 4;
      if (a > 0) {
        px[o] = Math.round(r / a);
        px[o + 1] = Math.round(g / a);
        px[o + 2] = Math.round(b / a);
      }
      px[o + 3] = Math.round((a / (ss * ss)) * 255);
    }
  }
  return px;
}

mkdirSync(OUT, { recursive: true });
for (const size of SIZES) writeFileSync(join(OUT, `${size}x${size}.png`), encodePng(size, render(size)));
writeFileSync(join(OUT, 'icon.png'), encodePng(512, render(512)));
console.log(`wrote ${SIZES.length + 1} icons to ${OUT}`);
