// The hub's time-stamp service: POST /v1/tsp answered for `openssl ts -query`, verified by
// `openssl ts -verify` against the certificates `edo-hub operator` prints, and listed in OpenAPI.
// Runs in: node (vitest), a real hub child process on loopback, OpenSSL.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHubCommand, startHub, type StartedHub } from '../support/hub';

let hub: StartedHub;
const dir = mkdtempSync(join(tmpdir(), 'edo-hub-tsp-'));
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  hub = await startHub();
});
afterAll(() => hub.stop());

describe('POST /v1/tsp', () => {
  it('answers an RFC 3161 request with a token openssl ts -verify accepts against the operator certificate', async () => {
    const printed = await runHubCommand(['operator', '--data', hub.dataDir]);
    expect(printed.code, printed.stderr).toBe(0);
    const pems = printed.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g) ?? [];
    expect(pems).toHaveLength(2);
    writeFileSync(file('operator.pem'), pems[0]!);
    writeFileSync(file('tsa.pem'), pems[1]!);
    const tsaText = execFileSync('openssl', ['x509', '-in', file('tsa.pem'), '-noout', '-ext', 'extendedKeyUsage'], {
      encoding: 'utf8',
    });
    expect(tsaText).toMatch(/critical\s+Time Stamping/);

    writeFileSync(file('signature.bin'), 'a signature value');
    execFileSync(
      'openssl',
      ['ts', '-query', '-data', file('signature.bin'), '-sha256', '-cert', '-out', file('q.tsq')],
      { stdio: 'pipe' },
    );
    const answer = await fetch(`${hub.url}/v1/tsp`, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: readFileSync(file('q.tsq')),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/timestamp-reply');
    writeFileSync(file('r.tsr'), Buffer.from(await answer.arrayBuffer()));
    const verified = execFileSync(
      'openssl',
      ['ts', '-verify', '-queryfile', file('q.tsq'), '-in', file('r.tsr'), '-CAfile', file('operator.pem')],
      { encoding: 'utf8' },
    );
    expect(verified).toContain('Verification: OK');
  });

  it('refuses another media type with the protocol error, and a malformed request with an RFC 3161 rejection', async () => {
    const wrongType = await fetch(`${hub.url}/v1/tsp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
    const malformed = await fetch(`${hub.url}/v1/tsp`, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: 'not DER',
    });
    expect(malformed.status).toBe(200);
    writeFileSync(file('bad.tsr'), Buffer.from(await malformed.arrayBuffer()));
    expect(execFileSync('openssl', ['ts', '-reply', '-in', file('bad.tsr'), '-text'], { encoding: 'utf8' })).toMatch(
      /Status: Rejected[\s\S]*not a DER TimeStampReq/,
    );
  });

  it('is in the OpenAPI document with its RFC 3161 media types', async () => {
    const openapi = (await (await fetch(`${hub.url}/v1/openapi.json`)).json()) as {
      paths: Record<string, { post?: { requestBody: { content: object }; responses: { 200: { content: object } } } }>;
    };
    const post = openapi.paths['/v1/tsp']!.post!;
    expect(Object.keys(post.requestBody.content)).toEqual(['application/timestamp-query']);
    expect(Object.keys(post.responses[200].content)).toEqual(['application/timestamp-reply']);
  });
});
