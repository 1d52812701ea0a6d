// The hub's data directory: hub.sqlite (WAL), blobs/ (content-addressed files) and operator/
// (the operator's key and certificate). Opened the same way by `serve` and by administration.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BlobFiles } from './blobs';
import { openOperator, type Operator } from './operator';
import { SqliteStorage } from './storage/sqlite';
import type { HubStorage } from './storage/storage';

export interface HubData {
  dir: string;
  storage: HubStorage;
  blobs: BlobFiles;
  operator: Operator;
}

export const defaultMaxBlobSize = 512 * 1024 * 1024;

export async function openHubData(dir: string, options: { maxBlobSize?: number } = {}): Promise<HubData> {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const storage = new SqliteStorage(join(root, 'hub.sqlite'));
  try {
    const blobs = new BlobFiles(join(root, 'blobs'), options.maxBlobSize ?? defaultMaxBlobSize);
    const operator = await openOperator(root, storage);
    return { dir: root, storage, blobs, operator };
  } catch (e) {
    await storage.close();
    throw e;
  }
}
