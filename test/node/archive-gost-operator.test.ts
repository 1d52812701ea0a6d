// The signed-data archive at a hub whose operator key is GOST R 34.10-2012 (`edo-hub serve
// --operator-key gost2012-256`): a document sent by a GOST-certificate clerk (`edo-clerk` as a
// child process, software key) is archived; `edo-clerk archive verify` checks it against the
// GOST-signed tree head, and refuses the head once one byte of its signature changes in the hub's
// database; the evidence package passes `verify-evidence`, OpenSSL's GOST engine verifies its
// tree head and the operator's confirmation, and a tree head changed in the package is named.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { treeHeadFromJson, treeHeadSignedData } from '../../src/archive/tree-head';
import { derToPem } from '../../src/crypto/certificates';
import { createGostTestPki, gostKpps, gostPeople, type GostTestPki } from '../support/gost-pki';
import { loginWithSigner, registerOrganization, startHub, type StartedHub } from '../support/hub';
import { opensslGost } from '../support/system';
import { expectExit, inProfile as run } from './session-harness';

const gost = opensslGost();
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const openssl = (command: string, ...args: string[]) =>
  execFileSync('openssl', [command, '-engine', 'gost', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

describe.skipIf(!gost.ok)(`the archive at a hub with a GOST operator key ${gost.reason}`, () => {
  let pki: GostTestPki;
  let hub: StartedHub;
  let dir: string;
  let operatorFile: string;
  let hubId: string;
  const profile = () => join(dir, 'profile-a');

  beforeAll(async () => {
    pki = await createGostTestPki();
    const directorA = await pki.issue(gostPeople.berezkaDirector);
    const directorB = await pki.issue(gostPeople.klenDirector);
    dir = mkdtempSync(join(tmpdir(), 'clerk-gost-archive-'));
    hub = await startHub({ args: ['--operator-key', 'gost2012-256'] });
    await hub.admin(['trust', 'add', pki.caCertificateFile]);
    const register = async (person: typeof gostPeople.berezkaDirector, pem: string, kpp: string) =>
      (await registerOrganization(hub, { name: person.organization, inn: person.orgInn, kpp, certificatePems: [pem] }))
        .org;
    const a = await register(gostPeople.berezkaDirector, directorA.certificatePem, gostKpps.berezka);
    const b = await register(gostPeople.klenDirector, directorB.certificatePem, gostKpps.klen);
    operatorFile = join(dir, 'operator.pem');
    writeFileSync(
      operatorFile,
      derToPem(Buffer.from((await hub.admin<{ certificate: string }>(['operator'])).certificate, 'base64')),
    );
    const apiA = (await loginWithSigner(hub.url, directorA.signer)).api;
    const apiB = (await loginWithSigner(hub.url, directorB.signer)).api;
    expect(
      (await apiA.call('PATCH', '/v1/organization/settings', { json: { archiving: { enabled: true } } })).status,
    ).toBe(200);
    expect((await apiA.call('POST', '/v1/contacts', { json: { subscriberId: b.id } })).status).toBe(200);
    expect((await apiB.call('POST', `/v1/contacts/${a.id}/accept`, { json: {} })).json.state).toBe('connected');

    expectExit(
      await run(profile(), [
        'profile',
        'init',
        '--server',
        hub.url,
        '--trust',
        pki.caCertificateFile,
        '--key-file',
        directorA.keyFile,
        '--cert-file',
        directorA.certificateFile,
      ]),
      0,
    );
    expectExit(await run(profile(), ['session']), 0); // the directory, for --to
    const file = join(dir, 'akt-12.txt');
    writeFileSync(file, 'Акт сверки № 12\n');
    expectExit(await run(profile(), ['send', file, '--to', b.inn, '--title', 'Акт сверки № 12']), 0);
    hubId = expectExit(await run(profile(), ['outbox']), 0).json.items[0].hubId;
  }, 300_000); // five CLI processes on a shared machine

  afterAll(async () => {
    await hub?.stop();
    pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('edo-clerk archive verify passes against the GOST-signed tree head, and names a changed byte of its signature', async () => {
    const verified = expectExit(await run(profile(), ['archive', 'verify']), 0).json;
    expect(verified.verified).toBeGreaterThanOrEqual(1);
    expect(verified.failed).toEqual([]);

    const db = new Database(join(hub.dataDir, 'archive.sqlite'));
    try {
      db.exec('DROP TRIGGER IF EXISTS archive_tree_heads_no_update');
      const head = db
        .prepare<[], { tree_size: number; signature: Buffer }>(
          'SELECT tree_size, signature FROM archive_tree_heads ORDER BY tree_size DESC',
        )
        .get()!;
      expect(head.signature).toHaveLength(64); // s‖r of GOST R 34.10-2012 256
      const changed = Buffer.from(head.signature);
      changed[10]! ^= 0x01;
      db.prepare('UPDATE archive_tree_heads SET signature = ? WHERE tree_size = ?').run(changed, head.tree_size);
      const refused = await run(profile(), ['archive', 'verify']);
      expect(refused.code).toBe(1);
      expect(refused.stdout + refused.stderr).toMatch(
        /АРХИВ НА СЕРВЕРЕ ОБМЕНА ИЗМЕНЁН: archive verification failed \(bad-signature\): tree head of \d+ entries .* is not signed by the operator certificate \(GOST R 34\.10-2012, 256 bits\)/,
      );
      db.exec('DROP TRIGGER IF EXISTS archive_tree_heads_no_update');
      db.prepare('UPDATE archive_tree_heads SET signature = ? WHERE tree_size = ?').run(head.signature, head.tree_size);
    } finally {
      db.close();
    }
    expectExit(await run(profile(), ['archive', 'verify']), 0);
  }, 120_000);

  it("the evidence package: verify-evidence and OpenSSL accept its GOST tree head and the operator's confirmation; a changed tree head is named", async () => {
    const zipFile = join(dir, 'evidence.zip');
    expectExit(await run(profile(), ['evidence', hubId, '--out', zipFile]), 0);
    // The GOST test PKI has no OCSP responder or CRL, so the clerk's own signature's status stays undetermined
    // (its own verdict: exit 3, nothing failed); every part the operator key signed passes.
    const undetermined = await run(profile(), ['verify-evidence', zipFile]);
    expect(undetermined.code).toBe(3);
    const verdict = undetermined.json;
    expect(verdict.verdict).toBe('undetermined');
    expect(verdict.failed).toEqual([]);
    expect(verdict.undetermined).toEqual([expect.stringMatching(/^signatures\/akt-12\.txt\.\d+\.p7s$/)]);
    expect(verdict.parts.find((p: { path: string }) => p.path === verdict.undetermined[0]).message).toMatch(
      /^status could not be determined: offline: no status evidence/,
    );
    const passed = (path: string) =>
      verdict.parts
        .filter((p: { path: string; ok: boolean }) => p.path === path && p.ok)
        .map((p: { message: string }) => p.message)
        .join('\n');
    expect(passed('archive/inclusion-proof.json')).toMatch(/operator-signed tree of \d+ entries/);
    expect(passed('archive/tree-head.json')).toBe('digest matches');

    const files = unzipSync(new Uint8Array(readFileSync(zipFile)));
    const manifest = JSON.parse(Buffer.from(files['manifest.json']!).toString('utf8'));
    const part = (role: string) =>
      manifest.parts.find((p: { role: string }) => p.role === role) as {
        path: string;
        sha256: string;
        size: number;
        signs?: string;
      };
    const unpacked = (path: string) => {
      const file = join(dir, path.replaceAll('/', '_'));
      writeFileSync(file, files[path]!);
      return file;
    };
    // The tree head's signature and the ПДОТПР's, judged by OpenSSL against the packaged operator certificate.
    const head = treeHeadFromJson(JSON.parse(Buffer.from(files[part('tree-head').path]!).toString('utf8')));
    const publicKey = join(dir, 'operator-public.pem');
    openssl('x509', '-in', unpacked(part('operator-certificate').path), '-pubkey', '-noout', '-out', publicKey);
    const data = join(dir, 'tree-head.bin');
    writeFileSync(data, treeHeadSignedData(head));
    const signature = join(dir, 'tree-head.sig');
    writeFileSync(signature, head.signature);
    expect(openssl('dgst', '-md_gost12_256', '-verify', publicKey, '-signature', signature, data)).toContain(
      'Verified OK',
    );
    const confirmation = part('operator-confirmation');
    const confirmationSignature = manifest.parts.find(
      (p: { role: string; signs?: string }) => p.role === 'signature' && p.signs === confirmation.path,
    );
    expect(passed(confirmationSignature.path)).toMatch(/^CAdES-/);
    openssl(
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      unpacked(confirmationSignature.path),
      '-content',
      unpacked(confirmation.path),
      '-CAfile',
      operatorFile,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    );

    // One byte of the head's signature changed, and the manifest's digest of it updated to match: the head itself is refused.
    const changedHead = Buffer.from(files[part('tree-head').path]!)
      .toString('utf8')
      .replace(head.signature.toString('base64'), () => {
        const bytes = Buffer.from(head.signature);
        bytes[0]! ^= 0x01;
        return bytes.toString('base64');
      });
    const treeHeadPart = part('tree-head');
    const changedManifest = {
      ...manifest,
      parts: manifest.parts.map((p: { path: string }) =>
        p.path === treeHeadPart.path
          ? { ...p, sha256: sha256(Buffer.from(changedHead)), size: Buffer.byteLength(changedHead) }
          : p,
      ),
    };
    const tampered = join(dir, 'tampered.zip');
    writeFileSync(
      tampered,
      zipSync({
        ...files,
        [treeHeadPart.path]: Buffer.from(changedHead),
        'manifest.json': Buffer.from(JSON.stringify(changedManifest)),
      }),
    );
    const result = await run(profile(), ['verify-evidence', tampered]);
    expect(result.code).toBe(1);
    expect(result.json.failed).toContain('archive/tree-head.json');
    expect(
      result.json.parts.find((p: { path: string; ok: boolean }) => p.path === 'archive/tree-head.json' && !p.ok)
        .message,
    ).toMatch(/not signed by the operator certificate \(GOST R 34\.10-2012, 256 bits\)/);
  }, 120_000);
});
