// Draws the tray icons (one per tray state) as PNG: Electron's tray cannot show SVG. Run with
// `npx tsx assets/tray/generate.ts`; the PNGs are committed, so the build needs nothing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

type Rgb = [number, number, number];
/** The shape inside the coloured disc, in unit coordinates (-1..1, y down). */
type Glyph = (x: number, y: number) => boolean;

const states: Record<string, { color: Rgb; glyph: Glyph }> = {
  // a document sheet: all is well
  idle: { color: [46, 125, 50], glyph: (x, y) => Math.abs(x) < 0.38 && Math.abs(y) < 0.5 && !(x > 0.1 && y < -0.22 && x - y > 0.32) },
  // two arrows: a session is running
  exchanging: {
    color: [21, 101, 192],
    glyph: (x, y) => (Math.abs(y + 0.25) < 0.09 && Math.abs(x) < 0.5) || (Math.abs(y - 0.25) < 0.09 && Math.abs(x) < 0.5) || (x > 0.2 && x < 0.5 && Math.abs(y + 0.25) < 0.5 - x) || (x < -0.2 && x > -0.5 && Math.abs(y - 0.25) < 0.5 + x),
  },
  // an exclamation mark: the clerk is needed
  attention: { color: [239, 108, 0], glyph: (x, y) => Math.abs(x) < 0.12 && ((y > -0.6 && y < 0.2) || (y > 0.38 && y < 0.6)) },
  // a broken line: no network
  offline: { color: [117, 117, 117], glyph: (x, y) => Math.abs(y) < 0.1 && Math.abs(x) < 0.6 && Math.abs(x) > 0.15 },
  // a cross: the last session failed
  error: { color: [198, 40, 40], glyph: (x, y) => (Math.abs(x - y) < 0.17 || Math.abs(x + y) < 0.17) && Math.abs(x) < 0.5 && Math.abs(y) < 0.5 },
};

function crc32(data: Buffer): number {
  let c = ~0;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** RGBA with 4×4 supersampling for smooth edges. */
function draw(size: number, color: Rgb, glyph: Glyph): Buffer {
  const rows: Buffer[] = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0
    for (let px = 0; px < size; px++) {
      let disc = 0;
      let mark = 0;
      for (let sy = 0; sy < 4; sy++)
        for (let sx = 0; sx < 4; sx++) {
          const x = ((px + (sx + 0.5) / 4) / size) * 2 - 1;
          const y = ((py + (sy + 0.5) / 4) / size) * 2 - 1;
          if (x * x + y * y <= 0.94) {
            disc++;
            if (glyph(x / 0.94, y / 0.94)) mark++;
          }
        }
      const a = disc / 16;
      const w = disc ? mark / disc : 0;
      const o = 1 + px * 4;
      for (let i = 0; i < 3; i++) row[o + i] = Math.round(color[i]! * (1 - w) + 255 * w);
      row[o + 3] = Math.round(a * 255);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const folder = import.meta.dirname;
for (const [name, { color, glyph }] of Object.entries(states)) {
  writeFileSync(join(folder, `${name}.png`), draw(16, color, glyph));
  writeFileSync(join(folder, `${name}@2x.png`), draw(32, color, glyph));
}
