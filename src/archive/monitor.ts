// The client's memory of the archive: the last signed tree head it accepted. Each new head
// must be signed by the operator and extend the remembered one (a consistency proof), so a
// rewritten or truncated archive is caught by every client that ever saw the old tree.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ArchiveVerificationError } from './errors';
import { treeHeadFromJson, treeHeadToJson, verifyTreeHead, type SignedTreeHead } from './tree-head';
import { verifyTreeHeadConsistency } from './verify';

export interface TreeHeadStore {
  load(): Promise<SignedTreeHead | undefined>;
  save(head: SignedTreeHead): Promise<void>;
}

export class MemoryTreeHeadStore implements TreeHeadStore {
  private head: SignedTreeHead | undefined;
  async load(): Promise<SignedTreeHead | undefined> {
    return this.head;
  }
  async save(head: SignedTreeHead): Promise<void> {
    this.head = head;
  }
}

/** A small JSON file (in the profile folder); written to a temporary name and renamed, so a crash never leaves half a head. */
export class JsonFileTreeHeadStore implements TreeHeadStore {
  constructor(readonly path: string) {}

  async load(): Promise<SignedTreeHead | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      return treeHeadFromJson(JSON.parse(text));
    } catch (e) {
      // A damaged memory must not silently become "never saw a tree": that would forgive a rewrite.
      throw new Error(`the last archive tree head in ${this.path} is unreadable; restore or delete it deliberately`, {
        cause: e,
      });
    }
  }

  async save(head: SignedTreeHead): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(treeHeadToJson(head), null, 2)}\n`);
    await rename(temporary, this.path);
  }
}

/** Asks the hub for PROOF(first, second). */
export type ConsistencyProofSource = (first: number, second: number) => Promise<Buffer[]>;

export interface TreeHeadMonitorOptions {
  operatorCertificate: Buffer | string;
  store: TreeHeadStore;
  consistencyProof: ConsistencyProofSource;
  /** Told about every failed check before it is thrown (a notification, a log line). */
  onAlarm?: (error: ArchiveVerificationError) => void;
}

export interface Observation {
  /** The head remembered before this one (undefined the first time). */
  previous: SignedTreeHead | undefined;
  /** The head remembered now. */
  current: SignedTreeHead;
}

export class TreeHeadMonitor {
  constructor(private readonly options: TreeHeadMonitorOptions) {}

  lastSeen(): Promise<SignedTreeHead | undefined> {
    return this.options.store.load();
  }

  /**
   * Checks a head fetched from the hub. On success it becomes the remembered head (when it is
   * larger); on failure the remembered head stays, onAlarm hears it, and the error is thrown.
   */
  async observe(head: SignedTreeHead): Promise<Observation> {
    try {
      verifyTreeHead(head, this.options.operatorCertificate);
      const previous = await this.options.store.load();
      if (previous === undefined) {
        await this.options.store.save(head);
        return { previous, current: head };
      }
      const proof =
        head.treeSize > previous.treeSize ? await this.options.consistencyProof(previous.treeSize, head.treeSize) : [];
      verifyTreeHeadConsistency(previous, head, proof);
      if (head.treeSize > previous.treeSize) {
        await this.options.store.save(head);
        return { previous, current: head };
      }
      return { previous, current: previous };
    } catch (e) {
      if (e instanceof ArchiveVerificationError) this.options.onAlarm?.(e);
      throw e;
    }
  }
}
