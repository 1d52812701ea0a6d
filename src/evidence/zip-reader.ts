// A ZIP read through a file handle, so verify-evidence never holds the package: the central
// directory (found from the end-of-central-directory record) says where each entry lies, and an
// entry is read as a stream (stored, or deflated through zlib), so a 1 GiB original passes
// through in chunks. ZIP64 (entries or packages above 4 GiB) is refused by name, not misread.
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

async function readDirectory(handle: FileHandle): Promise<Map<string, ZipEntry>> {
  const { size } = await handle.stat();
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = Buffer.alloc(tailLength);
  await handle.read(tail, 0, tailLength, size - tailLength);
  let eocd = -1;
  for (let i = tailLength - 22; i >= 0 && eocd < 0; i--) if (tail.readUInt32LE(i) === EOCD) eocd = i;
  if (eocd < 0) throw new Error('no end-of-central-directory record');
  const count = tail.readUInt16LE(eocd + 10);
  const directorySize = tail.readUInt32LE(eocd + 12);
  const directoryOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff)
    throw new Error('a ZIP64 package, which this verifier does not read yet');
  if (directoryOffset + directorySize > size) throw new Error('the central directory lies beyond the end of the file');
  const directory = Buffer.alloc(directorySize);
  await handle.read(directory, 0, directorySize, directoryOffset);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > directory.length || directory.readUInt32LE(p) !== CENTRAL)
      throw new Error(`the central directory is damaged at entry ${n + 1}`);
    const nameLength = directory.readUInt16LE(p + 28);
    const next = p + 46 + nameLength + directory.readUInt16LE(p + 30) + directory.readUInt16LE(p + 32);
    const name = directory
      .subarray(p + 46, p + 46 + nameLength)
      .toString(directory.readUInt16LE(p + 8) & UTF8_NAMES ? 'utf8' : 'latin1');
    const entry = {
      name,
      method: directory.readUInt16LE(p + 10),
      compressedSize: directory.readUInt32LE(p + 20),
      size: directory.readUInt32LE(p + 24),
      localOffset: directory.readUInt32LE(p + 42),
    };
    if ([entry.compressedSize, entry.size, entry.localOffset].includes(0xffffffff))
      throw new Error(`${name}: a ZIP64 entry, which this verifier does not read yet`);
    entries.set(name, entry);
    p = next;
  }
  return entries;
}
