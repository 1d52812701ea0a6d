// The protocol's schemas and route table: what they accept, what they refuse, and the OpenAPI
// document built from them.
import { describe, expect, it } from 'vitest';
import {
  Base64,
  buildOpenApi,
  EventsQuery,
  HubEvent,
  loginOrigin,
  loginSignedContent,
  routePath,
  routes,
  SendDocumentRequest,
  Sha256,
  SubscribersQuery,
} from './index';

describe('protocol v1', () => {
  it('builds the login content the clerk signs: a fixed label, the hub origin with its port, the challenge id and the nonce', () => {
    const content = loginSignedContent({ origin: 'https://hub.example/edo/', challengeId: 'c-1', nonce: 'AAEC' });
    expect(Buffer.from(content).toString('utf8')).toBe('EDO Clerk login v1\nhttps://hub.example:443\nc-1\nAAEC');
    expect(loginOrigin('http://127.0.0.1:8480/v1')).toBe('http://127.0.0.1:8480');
    expect(loginOrigin('http://[::1]:8480')).toBe('http://[::1]:8480');
    expect(() => loginOrigin('ftp://hub.example')).toThrow(/http or https/);
  });

  it('fills route paths, encoding parameters, and names a missing one', () => {
    expect(routePath('getDocument', { documentId: 'd 1/2' })).toBe('/v1/documents/d%201%2F2');
    expect(() => routePath('postServiceDocument')).toThrow(/documentId/);
  });

  it('builds an OpenAPI 3.1 document with every route, its schemas and the one error shape', () => {
    const doc = buildOpenApi('9.9.9') as {
      info: { version: string };
      paths: Record<
        string,
        Record<string, { operationId: string; responses: Record<string, unknown>; requestBody?: unknown }>
      >;
    };
    expect(doc.info.version).toBe('9.9.9');
    for (const [name, route] of Object.entries(routes)) {
      const op = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
      expect(op?.operationId, name).toBe(name);
      expect(op?.responses.default).toBeDefined();
    }
    expect(JSON.stringify(doc.paths['/v1/documents']!.post!.requestBody)).toContain('recipientId');
    expect(JSON.stringify(doc.paths['/v1/blobs/{sha256}']!.put!.requestBody)).toContain('application/octet-stream');
  });

  it('accepts a lower-case SHA-256 and padded base64 only', () => {
    expect(Sha256.safeParse('a'.repeat(64)).success).toBe(true);
    expect(Sha256.safeParse('A'.repeat(64)).success).toBe(false);
    expect(Sha256.safeParse('a'.repeat(63)).success).toBe(false);
    expect(Base64.safeParse('AAAA').success).toBe(true);
    expect(Base64.safeParse('not base64!').success).toBe(false);
  });

  it('coerces query strings and bounds long polls and pages', () => {
    expect(EventsQuery.parse({ after: '7', wait: '30' })).toEqual({ after: 7, limit: 100, wait: 30 });
    expect(EventsQuery.safeParse({ wait: '61' }).success).toBe(false);
    expect(EventsQuery.safeParse({ after: '-1' }).success).toBe(false);
    expect(SubscribersQuery.safeParse({ limit: '501' }).success).toBe(false);
  });

  it('refuses a document body with a folder in the file name, and defaults needsReceipt to true', () => {
    const body = {
      recipientId: 'b',
      title: 't',
      kind: 'k',
      fileName: 'a.pdf',
      sha256: 'a'.repeat(64),
      signature: 'AAAA',
    };
    expect(SendDocumentRequest.parse(body).needsReceipt).toBe(true);
    expect(SendDocumentRequest.safeParse({ ...body, fileName: '../a.pdf' }).success).toBe(false);
  });

  it('tells events apart by type', () => {
    const event = HubEvent.parse({
      seq: 1,
      at: '2026-11-22T10:00:00.000Z',
      type: 'document.delivered',
      documentId: 'd1',
      deliveredAt: '2026-11-22T10:00:00.000Z',
    });
    expect(event.type).toBe('document.delivered');
    expect(
      HubEvent.safeParse({ seq: 1, at: '2026-11-22T10:00:00.000Z', type: 'document.vanished', documentId: 'd1' })
        .success,
    ).toBe(false);
  });
});
