// The hub's archive routes as the client reaches them over HTTP with a bearer token: the
// ArchiveSource the auditor checks, the consistency proofs the tree-head monitor asks for, the
// organization's entries and usage, and the originals streamed with their hash checked on
// the way (a changed byte fails the download, it never lands silently on disk).
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { z } from 'zod';
import { ErrorBody } from '../protocol/errors';
import {
  ArchiveEntriesPage,
  ArchivedEntry,
  ArchiveUsage,
  ConsistencyProof,
  InclusionProof,
  NotArchivedPage,
  organizationRoutes,
  SignedTreeHead as SignedTreeHeadSchema,
} from '../protocol/organization';
import type { ArchiveSource } from './auditor';
import type { ArchivedEntry as Entry } from './entry';
import { ArchiveVerificationError } from './errors';
import { treeHeadFromJson, type SignedTreeHead } from './tree-head';
import { hashesFromHex, type InclusionProofJson } from './verify';

type OrganizationRouteName = keyof typeof organizationRoutes;

/** The hub refused an archive call or answered something the protocol does not allow. */
export class ArchiveHttpError extends Error {
  override readonly name = 'ArchiveHttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface HttpArchiveSourceOptions {
  /** The hub's base URL, e.g. http://127.0.0.1:8480 */
  url: string;
  /** The bearer token of a logged-in user of the organization. */
  token: string;
  fetch?: typeof fetch;
}

export interface RouteCall {
  params?: Record<string, string | number>;
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON. */
  body?: unknown;
}

/** One call of an organization or archive route with the bearer token; a refusal is an ArchiveHttpError with the hub's code and words. */
export async function callOrganizationRoute(options: HttpArchiveSourceOptions, name: OrganizationRouteName, call: RouteCall = {}): Promise<Response> {
  const route = organizationRoutes[name];
  const params = call.params ?? {};
  const path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_, key: string) => encodeURIComponent(String(params[key])));
  const search = new URLSearchParams(Object.entries(call.query ?? {}).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]])));
  const url = `${options.url.replace(/\/$/, '')}${path}${search.size > 0 ? `?${search}` : ''}`;
  const headers: Record<string, string> = { authorization: `Bearer ${options.token}` };
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  const response = await (options.fetch ?? fetch)(url, { method: route.method, headers, ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}) });
  if (!response.ok) {
    const text = await response.text();
    const body = ErrorBody.safeParse((() => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return undefined;
      }
    })());
    throw new ArchiveHttpError(response.status, body.success ? body.data.error : 'bad-answer', `${route.method} ${path}: ${body.success ? body.data.message : `HTTP ${response.status} ${text.slice(0, 200)}`}`);
  }
  return response;
}

/** The JSON answer of a route, checked against the protocol. */
export async function organizationRouteJson<S extends z.ZodType>(options: HttpArchiveSourceOptions, schema: S, name: OrganizationRouteName, call?: RouteCall): Promise<z.output<S>> {
  const response = await callOrganizationRoute(options, name, call);
  const parsed = schema.safeParse(await response.json());
  if (!parsed.success) throw new ArchiveHttpError(response.status, 'bad-answer', `the hub's answer to ${name} does not match the protocol: ${parsed.error.message}`);
  return parsed.data;
}

export class HttpArchiveSource implements ArchiveSource {
  constructor(private readonly options: HttpArchiveSourceOptions) {}

  private request(name: OrganizationRouteName, params: Record<string, string | number> = {}, query: Record<string, string | number | undefined> = {}): Promise<Response> {
    return callOrganizationRoute(this.options, name, { params, query });
  }

  private json<S extends z.ZodType>(schema: S, name: OrganizationRouteName, params?: Record<string, string | number>, query?: Record<string, string | number | undefined>): Promise<z.output<S>> {
    return organizationRouteJson(this.options, schema, name, { params, query });
  }

  async treeHead(): Promise<SignedTreeHead> {
    return treeHeadFromJson(await this.json(SignedTreeHeadSchema, 'archiveTreeHead'));
  }

  async entry(index: number): Promise<Entry | undefined> {
    try {
      return await this.json(ArchivedEntry, 'getArchiveEntry', { index });
    } catch (e) {
      if (e instanceof ArchiveHttpError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** A hub that lists the entry but cannot prove it is in its signed tree has failed the audit for it. */
  async inclusionProof(index: number, treeSize: number): Promise<InclusionProofJson> {
    try {
      return await this.json(InclusionProof, 'archiveInclusionProof', {}, { index, treeSize });
    } catch (e) {
      if (!(e instanceof ArchiveHttpError) || (e.status < 500 && e.status !== 404)) throw e;
      throw new ArchiveVerificationError('not-included', `the hub gives no inclusion proof for entry ${index} in the tree of ${treeSize} entries: ${e.message}`, { cause: e });
    }
  }

  /** PROOF(first, second) for TreeHeadMonitor. */
  async consistencyProof(first: number, second: number): Promise<Buffer[]> {
    const proof = await this.json(ConsistencyProof, 'archiveConsistencyProof', {}, { from: first, to: second });
    if (proof.first !== first || proof.second !== second) {
      throw new ArchiveVerificationError('inconsistent', `asked for a consistency proof from ${first} to ${second} entries, the hub sent one from ${proof.first} to ${proof.second}`);
    }
    return hashesFromHex(proof.hashes);
  }

  usage(): Promise<z.output<typeof ArchiveUsage>> {
    return this.json(ArchiveUsage, 'archiveUsage');
  }

  entries(after?: number, limit?: number): Promise<z.output<typeof ArchiveEntriesPage>> {
    return this.json(ArchiveEntriesPage, 'listArchiveEntries', {}, { after, limit });
  }

  /** Every entry of the organization, page by page. */
  async *allEntries(): AsyncGenerator<Entry> {
    let after: number | undefined;
    for (;;) {
      const page = await this.entries(after, 500);
      yield* page.entries;
      if (page.next === null) return;
      after = page.next;
    }
  }

  notArchived(after?: number, limit?: number): Promise<z.output<typeof NotArchivedPage>> {
    return this.json(NotArchivedPage, 'listNotArchived', {}, { after, limit });
  }

  /**
   * The original bytes of an entry as a stream that fails (ArchiveVerificationError
   * 'entry-changed') at its end when the bytes do not hash to the entry's blobSha256 or have
   * another size: write it to a temporary file and keep that only when the stream ends cleanly.
   */
  async original(entry: Pick<Entry, 'index' | 'fileName' | 'blobSha256' | 'size'>): Promise<Readable> {
    const response = await this.request('getArchiveEntryData', { index: entry.index });
    if (!response.body) throw new ArchiveHttpError(response.status, 'bad-answer', `the hub sent no bytes for archive entry ${entry.index}`);
    const hash = createHash('sha256');
    let size = 0;
    const check = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
      flush(done) {
        const actual = hash.digest('hex');
        if (actual === entry.blobSha256 && size === entry.size) return done();
        done(
          new ArchiveVerificationError(
            'entry-changed',
            `the original of entry ${entry.index} (${entry.fileName}) is ${size} bytes hashing to ${actual}; the archived entry says ${entry.size} bytes, SHA-256 ${entry.blobSha256}`,
          ),
        );
      },
    });
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    body.on('error', (e) => check.destroy(e));
    return body.pipe(check);
  }
}
