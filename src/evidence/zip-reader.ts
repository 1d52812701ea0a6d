// A ZIP read through a file handle, so verify-evidence never holds the package: the central
// directory (found from the end-of-central-directory record) says where each entry lies, and an
// entry is read as a stream (stored, or deflated through zlib), so a 1 GiB original passes
// through in chunks. ZIP64 (APPNOTE 4.3.14-4.3.15, 4.5.3): a package above 4 GiB or 65,535
// entries has its directory's place and count in the ZIP64 end record, and an entry's sizes or
// offset above 4 GiB in its ZIP64 extra field, where the 32-bit field says 0xFFFFFFFF.
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  /** As the directory declares it; the reader never trusts it beyond a limit. */
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const UTF8_NAMES = 0x800;

export class ZipReader {
  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    readonly entries: Map<string, ZipEntry>,
  ) {}

  static async open(file: string): Promise<ZipReader> {
    const handle = await open(file, 'r');
    try {
      return new ZipReader(file, handle, await readDirectory(handle));
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  /** Where the entry's data lies in the file (for a stored entry: its very bytes). */
  async dataStart(entry: ZipEntry): Promise<number> {
    const head = Buffer.alloc(30);
    await this.handle.read(head, 0, 30, entry.localOffset);
    if (head.readUInt32LE(0) !== LOCAL)
      throw new Error(`${entry.name}: no local header where the central directory puts it`);
    return entry.localOffset + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
  }

  /** The entry's bytes as they were before compression, streamed. */
  async stream(entry: ZipEntry): Promise<Readable> {
    const start = await this.dataStart(entry);
    const raw =
      entry.compressedSize === 0
        ? Readable.from([])
        : createReadStream(this.file, { start, end: start + entry.compressedSize - 1 });
    if (entry.method === 0) return raw;
    if (entry.method === 8) return pipeline(raw, createInflateRaw(), () => undefined);
    raw.destroy();
    throw new Error(`${entry.name}: compression method ${entry.method} is not one a package uses (stored or deflated)`);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const ZIP64_EXTRA = 0x0001;
const MAX16 = 0xffff;
const MAX32 = 0xffffffff;

/** A 64-bit little-endian field as a number; past 2^53 no file this reader opens could be that large. */
function u64(b: Buffer, at: number): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('a ZIP64 field beyond any file size');
  return Number(v);
}

/** Where the central directory lies and how many entries it has: from the end record, or its ZIP64 record. */
async function directoryPlace(handle: FileHandle, size: number) {
  const tailLength = Math.min(size, 22 + MAX16);
  const tail = Buffer.alloc(tailLength);
  await handle.read(tail, 0, tailLength, size - tailLength);
  let eocd = -1;
  for (let i = tailLength - 22; i >= 0 && eocd < 0; i--) if (tail.readUInt32LE(i) === EOCD) eocd = i;
  if (eocd < 0) throw new Error('no end-of-central-directory record');
  const place = {
    count: tail.readUInt16LE(eocd + 10),
    size: tail.readUInt32LE(eocd + 12),
    offset: tail.readUInt32LE(eocd + 16),
  };
  const maxed = place.count === MAX16 || place.size === MAX32 || place.offset === MAX32;
  const record = await zip64EndRecord(handle, size - tailLength + eocd);
  if (record) return { count: u64(record, 32), size: u64(record, 40), offset: u64(record, 48) };
  if (maxed) throw new Error('the end record points to a ZIP64 end record that is not there');
  return place;
}

/** The ZIP64 end record its locator (just before the end record) points to, if there is one. */
async function zip64EndRecord(handle: FileHandle, eocdAt: number): Promise<Buffer | undefined> {
  if (eocdAt < 20 + 56) return undefined;
  const locator = Buffer.alloc(20);
  await handle.read(locator, 0, 20, eocdAt - 20);
  if (locator.readUInt32LE(0) !== EOCD64_LOCATOR) return undefined;
  const recordAt = locator.readBigUInt64LE(8);
  if (recordAt > BigInt(eocdAt - 20 - 56)) return undefined;
  const record = Buffer.alloc(56);
  await handle.read(record, 0, 56, Number(recordAt));
  return record.readUInt32LE(0) === EOCD64 ? record : undefined;
}

/** The entry's sizes and offset, each from its ZIP64 extra field where the 32-bit field is 0xFFFFFFFF (in APPNOTE's order). */
function zip64Fields(
  name: string,
  extra: Buffer,
  fields: { size: number; compressedSize: number; localOffset: number },
): typeof fields {
  const wanted = (['size', 'compressedSize', 'localOffset'] as const).filter((k) => fields[k] === MAX32);
  if (wanted.length === 0) return fields;
  for (let p = 0; p + 4 <= extra.length; p += 4 + extra.readUInt16LE(p + 2)) {
    if (extra.readUInt16LE(p) !== ZIP64_EXTRA) continue;
    const length = extra.readUInt16LE(p + 2);
    if (length < wanted.length * 8 || p + 4 + length > extra.length)
      throw new Error(`${name}: its ZIP64 extra field is too short`);
    const out = { ...fields };
    wanted.forEach((k, i) => (out[k] = u64(extra, p + 4 + i * 8)));
    return out;
  }
  throw new Error(`${name}: sizes beyond 4 GiB without a ZIP64 extra field`);
}

async function readDirectory(handle: FileHandle): Promise<Map<string, ZipEntry>> {
  const { size } = await handle.stat();
  const { count, size: directorySize, offset: directoryOffset } = await directoryPlace(handle, size);
  if (directoryOffset + directorySize > size) throw new Error('the central directory lies beyond the end of the file');
  const directory = Buffer.alloc(directorySize);
  await handle.read(directory, 0, directorySize, directoryOffset);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > directory.length || directory.readUInt32LE(p) !== CENTRAL)
      throw new Error(`the central directory is damaged at entry ${n + 1}`);
    const nameLength = directory.readUInt16LE(p + 28);
    const extraLength = directory.readUInt16LE(p + 30);
    const next = p + 46 + nameLength + extraLength + directory.readUInt16LE(p + 32);
    if (next > directory.length) throw new Error(`the central directory is damaged at entry ${n + 1}`);
    const name = directory
      .subarray(p + 46, p + 46 + nameLength)
      .toString(directory.readUInt16LE(p + 8) & UTF8_NAMES ? 'utf8' : 'latin1');
    const extra = directory.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
    entries.set(name, {
      name,
      method: directory.readUInt16LE(p + 10),
      ...zip64Fields(name, extra, {
        size: directory.readUInt32LE(p + 24),
        compressedSize: directory.readUInt32LE(p + 20),
        localOffset: directory.readUInt32LE(p + 42),
      }),
    });
    p = next;
  }
  return entries;
}
