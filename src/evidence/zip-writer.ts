// The evidence package's ZIP writer (APPNOTE 6.3): fflate's writes no ZIP64, so a package whose
// original or whole size passes 4 GiB could not be written. Each part is written once, in order
// (stored, or deflated at level 6), its CRC-32 and sizes known before its local header, so no
// data descriptors; an entry whose size or offset needs 64 bits gets the ZIP64 extra field, and a
// package whose directory does the ZIP64 end record and locator (zip-reader.ts reads both).
import { open } from 'node:fs/promises';
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipInput {
  path: string;
  bytes: Buffer;
  /** Stored as is (an original, the card: already compressed or read in ranges by the verifier), else deflated. */
  stored: boolean;
}

export interface ZipWriteOptions {
  /** `always` writes the ZIP64 records for every entry and the end, whatever the sizes (a small package proves the path). */
  zip64?: 'auto' | 'always';
  /** The entries' modification time (default now). */
  modified?: Date;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const UTF8_NAMES = 0x800;
const MAX16 = 0xffff;
const MAX32 = 0xffffffff;
/** 2.0 (deflate) and 4.5 (ZIP64), as "version needed to extract" says them. */
const VERSION = { plain: 20, zip64: 45 };

/** MS-DOS time and date, in the writer's local time as ZIP tools read them. */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

function zip64Extra(values: number[]): Buffer {
  const extra = Buffer.alloc(4 + 8 * values.length);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => extra.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return extra;
}

export async function writeZip(file: string, inputs: ZipInput[], options: ZipWriteOptions = {}): Promise<void> {
  const always = options.zip64 === 'always';
  const { time, date } = dosDateTime(options.modified ?? new Date());
  const handle = await open(file, 'w');
  try {
    let offset = 0;
    const write = async (...chunks: Buffer[]) => {
      for (const chunk of chunks) {
        // One write(2) moves at most about 2 GiB on Linux: a larger original takes several.
        for (let done = 0; done < chunk.length;) {
          const { bytesWritten } = await handle.write(chunk, done, chunk.length - done);
          done += bytesWritten;
        }
        offset += chunk.length;
      }
    };
    const central: Buffer[] = [];
    for (const input of inputs) {
      const name = Buffer.from(input.path, 'utf8');
      const data = input.stored ? input.bytes : deflateRawSync(input.bytes, { level: 6 });
      const crc = crc32(input.bytes);
      const at = offset;
      // The local header carries both sizes in its ZIP64 field; the directory each field that passes 32 bits.
      const local64 = always || input.bytes.length >= MAX32 || data.length >= MAX32;
      const central64 = always ? [input.bytes.length, data.length, at] : [];
      if (!always) {
        if (input.bytes.length >= MAX32) central64.push(input.bytes.length);
        if (data.length >= MAX32) central64.push(data.length);
        if (at >= MAX32) central64.push(at);
      }
      const method = input.stored ? 0 : 8;
      const localExtra = local64 ? zip64Extra([input.bytes.length, data.length]) : Buffer.alloc(0);
      const header = Buffer.alloc(30);
      header.writeUInt32LE(LOCAL, 0);
      header.writeUInt16LE(local64 ? VERSION.zip64 : VERSION.plain, 4);
      header.writeUInt16LE(UTF8_NAMES, 6);
      header.writeUInt16LE(method, 8);
      header.writeUInt16LE(time, 10);
      header.writeUInt16LE(date, 12);
      header.writeUInt32LE(crc, 14);
      header.writeUInt32LE(local64 ? MAX32 : data.length, 18);
      header.writeUInt32LE(local64 ? MAX32 : input.bytes.length, 22);
      header.writeUInt16LE(name.length, 26);
      header.writeUInt16LE(localExtra.length, 28);
      await write(header, name, localExtra, data);

      const extra = central64.length ? zip64Extra(central64) : Buffer.alloc(0);
      const entry = Buffer.alloc(46);
      entry.writeUInt32LE(CENTRAL, 0);
      const needed = central64.length || local64 ? VERSION.zip64 : VERSION.plain;
      entry.writeUInt16LE(needed, 4); // made by: that version, MS-DOS attributes (none)
      entry.writeUInt16LE(needed, 6);
      entry.writeUInt16LE(UTF8_NAMES, 8);
      entry.writeUInt16LE(method, 10);
      entry.writeUInt16LE(time, 12);
      entry.writeUInt16LE(date, 14);
      entry.writeUInt32LE(crc, 16);
      entry.writeUInt32LE(always || data.length >= MAX32 ? MAX32 : data.length, 20);
      entry.writeUInt32LE(always || input.bytes.length >= MAX32 ? MAX32 : input.bytes.length, 24);
      entry.writeUInt16LE(name.length, 28);
      entry.writeUInt16LE(extra.length, 30);
      entry.writeUInt32LE(always || at >= MAX32 ? MAX32 : at, 42);
      central.push(entry, name, extra);
    }

    const directoryOffset = offset;
    await write(...central);
    const directorySize = offset - directoryOffset;
    const end64 = always || inputs.length >= MAX16 || directoryOffset >= MAX32 || directorySize >= MAX32;
    if (end64) {
      const recordAt = offset;
      const record = Buffer.alloc(56);
      record.writeUInt32LE(EOCD64, 0);
      record.writeBigUInt64LE(44n, 4); // the record's size after this field
      record.writeUInt16LE(VERSION.zip64, 12);
      record.writeUInt16LE(VERSION.zip64, 14);
      record.writeBigUInt64LE(BigInt(inputs.length), 24);
      record.writeBigUInt64LE(BigInt(inputs.length), 32);
      record.writeBigUInt64LE(BigInt(directorySize), 40);
      record.writeBigUInt64LE(BigInt(directoryOffset), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(EOCD64_LOCATOR, 0);
      locator.writeBigUInt64LE(BigInt(recordAt), 8);
      locator.writeUInt32LE(1, 16); // disks in all
      await write(record, locator);
    }
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(EOCD, 0);
    eocd.writeUInt16LE(end64 ? MAX16 : inputs.length, 8);
    eocd.writeUInt16LE(end64 ? MAX16 : inputs.length, 10);
    eocd.writeUInt32LE(end64 ? MAX32 : directorySize, 12);
    eocd.writeUInt32LE(end64 ? MAX32 : directoryOffset, 16);
    await write(eocd);
  } finally {
    await handle.close();
  }
}
