// The evidence package of a document signed under an МЧД (issue 12 with issues 11 and 13): A's
// employee signs with a personal certificate under the director's registered МЧД, through the
// real hub, `edo-clerk` as a child process. Each side's package carries the МЧД's XML and the
// director's signature (with its certificate's status beside it); OpenSSL verifies that
// signature, xmllint accepts the XML with the official XSD, the card names the МЧД, and
// verify-evidence checks the МЧД and that the document's signature was made under it. B
// countersigns the document: both signatures over the original are packed, OpenSSL verifies every
// signature and xmllint every XML with its official XSD, the card says "signed by both", and
// verify-evidence holds it (the annulment's parts are in evidence.test.ts). The employee countersigns
// what B asked to sign: the package names the МЧД for that signature, and so does the card.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POA_SCHEMA_FILE } from '../../src/formats';
import { opensslCmsVerify } from '../support/openssl-cms';
import { onPath, softhsm, systemPart } from '../support/system';
import { expectExit, poaDirectorOf, poaEmployee, poaOrganization, twoClerks, type TwoClerks } from './session-harness';

const root = resolve(import.meta.dirname, '../..');
const hsm = softhsm();
const tools = systemPart(
  'xmllint, unzip and pdftotext',
  onPath('xmllint', 'unzip', 'pdftotext'),
  'install libxml2-utils unzip poppler-utils',
);

const organization = poaOrganization;
const employee = poaEmployee;

interface Part {
  path: string;
  role: string;
  signs?: string;
  powerOfAttorney?: string;
  type?: string;
}

describe.skipIf(!hsm.ok || !tools.ok)(
  `the evidence package of a document signed under an МЧД ${hsm.reason ?? ''}${tools.reason}`,
  { timeout: 300_000 },
  () => {
    let t: TwoClerks;
    let number = '';
    let hubId = '';

    /** openssl cms -verify, the CA's and the package's operator certificate trusted (the operator signs its confirmations). */
    const openssl = (sig: string, content: string, out: string) => {
      const cas = join(out, 'cas.pem');
      writeFileSync(
        cas,
        readFileSync(t.pki.caCertificateFile, 'utf8') + readFileSync(join(out, 'certificates', 'operator.pem'), 'utf8'),
      );
      opensslCmsVerify(sig, content, cas);
    };
    const lint = (schema: string, file: string) => {
      const run = spawnSync('xmllint', ['--noout', '--schema', join(root, 'src/formats/xsd', schema), file], {
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
    };
    /** Makes the package as A or B, unpacks it; returns the folder and the manifest's parts. */
    async function evidenceOf(side: 'a' | 'b', id = hubId) {
      const zip = join(t.dir, `evidence-${side}.zip`);
      expectExit(await (side === 'a' ? t.runA : t.runB)(['evidence', id, '--out', zip]), 0);
      const out = join(t.dir, `unpacked-${side}`);
      execFileSync('unzip', ['-q', '-o', zip, '-d', out]);
      const parts = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).parts as Part[];
      return { zip, out, parts };
    }

    beforeAll(async () => {
      t = await twoClerks({
        prefix: 'clerk-evidence-poa-',
        aKey: { algorithm: 'ECDSA-P256', person: employee },
        aOrganization: { name: organization.name, inn: organization.inn, certificatePems: [] },
      });
      const director = await poaDirectorOf(t);
      const file = await director.issue(Buffer.from(t.pki.tokens[0]!.keys[0]!.certificate.rawData));
      number = expectExit(await t.runA(['poa', 'use', file]), 0).json.number;

      const akt = join(t.dir, 'akt-7.txt');
      writeFileSync(akt, Buffer.concat([Buffer.from('Акт № 7\n'), randomBytes(4000)]));
      expectExit(await t.runA(['send', akt, '--to', t.b.inn, '--title', 'Акт № 7', '--request-signature']), 0);
      expectExit(await t.runB(['session']), 0); // receives it (and the МЧД's files), sends its receipt notice
      hubId = t.withStore(t.profA, (s) => s.listDocuments({ direction: 'out', limit: 1 }).items[0]!.hubId!);
      const inB = String(t.withStore(t.profB, (s) => s.documentByHubId(hubId)!.id));
      // The document's own workflow: B countersigns what A's employee signed under the МЧД.
      expectExit(await t.runB(['sign-document', inB]), 0);
      expectExit(await t.runA(['session']), 0);
    }, 400_000);

    afterAll(async () => {
      await t?.stop();
    });

    it("each side packs the МЧД and the director's signature; OpenSSL and xmllint accept them, the card names the МЧД, verify-evidence holds", async () => {
      for (const side of ['a', 'b'] as const) {
        const { zip, out, parts } = await evidenceOf(side);
        const poa = parts.find((p) => p.role === 'power-of-attorney')!;
        expect(poa.path).toMatch(new RegExp(`^powers-of-attorney/ON_EMCHD_\\d{8}_${number}\\.xml$`, 'i'));
        lint(POA_SCHEMA_FILE, join(out, poa.path));
        const signature = parts.find((p) => p.role === 'signature' && p.signs === poa.path)!;
        openssl(join(out, signature.path), join(out, poa.path), out);
        expect(parts.filter((p) => p.role === 'status-evidence').length).toBeGreaterThanOrEqual(1);
        // The document's signature names the МЧД it was made under.
        const original = parts.find((p) => p.role === 'original')!;
        const documentSignature = parts.find((p) => p.role === 'signature' && p.signs === original.path)!;
        expect(documentSignature.powerOfAttorney).toBe(poa.path);
        openssl(join(out, documentSignature.path), join(out, original.path), out);

        const card = execFileSync('pdftotext', ['-layout', join(out, 'card.pdf'), '-'], { encoding: 'utf8' }).replace(
          /\s+/g,
          ' ',
        );
        for (const expected of [
          'Машиночитаемые доверенности (МЧД)',
          `Номер МЧД: ${number}`,
          'Доверитель: ООО "Ромашка", ИНН 7701234560',
          'Представитель: Иванова Мария Петровна',
          'по 31.12.2099',
          'Статус: действует',
          'Подпись доверителя: Сергеева Ольга Николаевна',
          'подпись верна',
        ]) {
          expect(card, side).toContain(expected);
        }
        expect(card.replace(/\s/g, '')).toContain(
          `МЧД:№${number};доверитель:ООО"Ромашка",ИНН7701234560;представитель:ИвановаМарияПетровна`,
        );

        const verdict = expectExit(await t.read(['verify-evidence', zip], side === 'a' ? t.profA : t.profB), 0).json;
        expect(verdict.parts.find((p: { path: string }) => p.path === poa.path).message).toMatch(/follows its XSD/);
        expect(verdict.parts.find((p: { path: string }) => p.path === signature.path).message).toMatch(/Сергеева/);
        expect(verdict.parts.find((p: { path: string }) => p.path === documentSignature.path).message).toContain(
          `under the МЧД ${number}`,
        );
      }
    });

    it('the countersignature is packed: OpenSSL verifies every signature, xmllint every XML, the card says signed by both', async () => {
      const xsds = readdirSync(join(root, 'src/formats/xsd')).filter((f) => f.endsWith('.xsd'));
      for (const side of ['a', 'b'] as const) {
        const { zip, out, parts } = await evidenceOf(side);
        const original = parts.find((p) => p.role === 'original')!;
        expect(parts.filter((p) => p.role === 'signature' && p.signs === original.path).map((p) => p.type)).toEqual([
          'sender',
          'recipient',
        ]);
        for (const s of parts.filter((p) => p.role === 'signature'))
          openssl(join(out, s.path), join(out, s.signs!), out);
        for (const x of parts.filter((p) => p.role === 'service-document' || p.role === 'operator-confirmation')) {
          const prefix = /^(DP_[A-Z]+)_/.exec(x.path.split('/').pop()!)![1];
          lint(
            xsds.find((f) => f.startsWith(`${prefix}_`))!,
            join(out, x.path),
          );
        }
        const card = execFileSync('pdftotext', ['-layout', join(out, 'card.pdf'), '-'], { encoding: 'utf8' }).replace(
          /\s+/g,
          ' ',
        );
        for (const expected of [
          'Подпись получателя: Подписан обеими сторонами',
          'Сторона: отправитель',
          'Сторона: получатель',
          'Владелец: Петров',
        ])
          expect(card, side).toContain(expected);
        const verdict = expectExit(await t.read(['verify-evidence', zip], side === 'a' ? t.profA : t.profB), 0).json;
        expect(verdict.parts.find((p: { path: string }) => p.path === '(workflow)').message).toMatch(/signed by both/);
      }
    });

    it('the employee countersigns under the МЧД what B asked to sign: the package names the МЧД for that signature, so does the card', async () => {
      const contract = join(t.dir, 'dogovor-8.txt');
      writeFileSync(contract, Buffer.concat([Buffer.from('Договор № 8\n'), randomBytes(4000)]));
      expectExit(await t.runB(['send', contract, '--to', t.a.inn, '--title', 'Договор № 8', '--request-signature']), 0);
      expectExit(await t.runA(['session']), 0);
      const id = t.withStore(
        t.profB,
        (s) => s.listDocuments({ direction: 'out', search: 'Договор № 8', limit: 1 }).items[0]!.hubId!,
      );
      expectExit(await t.runA(['sign-document', String(t.withStore(t.profA, (s) => s.documentByHubId(id)!.id))]), 0);
      expectExit(await t.runB(['session']), 0);
      for (const side of ['a', 'b'] as const) {
        const { zip, out, parts } = await evidenceOf(side, id);
        const poa = parts.find((p) => p.role === 'power-of-attorney')!;
        lint(POA_SCHEMA_FILE, join(out, poa.path));
        const original = parts.find((p) => p.role === 'original')!;
        const [sender, recipient] = parts.filter((p) => p.role === 'signature' && p.signs === original.path);
        expect(sender!.powerOfAttorney, side).toBeUndefined();
        expect(recipient, side).toMatchObject({ type: 'recipient', powerOfAttorney: poa.path });
        openssl(join(out, recipient!.path), join(out, original.path), out);
        const card = execFileSync('pdftotext', ['-layout', join(out, 'card.pdf'), '-'], { encoding: 'utf8' }).replace(
          /\s+/g,
          ' ',
        );
        expect(card, side).toContain('Подпись получателя: Подписан обеими сторонами');
        expect(card.replace(/\s/g, ''), side).toContain(
          `МЧД:№${number};доверитель:ООО"Ромашка",ИНН7701234560;представитель:ИвановаМарияПетровна`,
        );
        const verdict = expectExit(await t.read(['verify-evidence', zip], side === 'a' ? t.profA : t.profB), 0).json;
        expect(verdict.parts.find((p: { path: string }) => p.path === recipient!.path).message).toContain(
          `under the МЧД ${number}`,
        );
      }
    });

    it('one changed byte in the МЧД or its signature fails verify-evidence, naming the part', async () => {
      const { zip, parts } = await evidenceOf('b');
      const files = unzipSync(new Uint8Array(readFileSync(zip)));
      const poa = parts.find((p) => p.role === 'power-of-attorney')!.path;
      for (const path of [poa, `${poa}.sig`]) {
        const changed = Uint8Array.from(files[path]!);
        const at = Math.floor(changed.length / 2);
        changed[at] = changed[at]! ^ 0x01;
        const tampered = join(t.dir, `tampered-${path.replace(/\W/g, '_')}.zip`);
        writeFileSync(tampered, zipSync({ ...files, [path]: changed }));
        const run = await t.read(['verify-evidence', tampered], t.profB);
        expect(run.code, path).toBe(1);
        expect(run.json.failed, path).toContain(path);
      }
    });

    it("without the status evidence beside the director's signature its status cannot be determined: a distinct verdict, exit 3", async () => {
      const { zip, parts } = await evidenceOf('b');
      const files = unzipSync(new Uint8Array(readFileSync(zip)));
      const manifest = JSON.parse(Buffer.from(files['manifest.json']!).toString('utf8'));
      const dropped = parts.filter((p) => p.role === 'status-evidence').map((p) => p.path);
      const signature = `${parts.find((p) => p.role === 'power-of-attorney')!.path}.sig`;
      // As a package made without them would be: the manifest lists the rest, and is unsigned.
      const kept = Object.fromEntries(
        Object.entries(files).filter(([path]) => !dropped.includes(path) && path !== 'manifest.json.sig'),
      );
      kept['manifest.json'] = Buffer.from(
        JSON.stringify({ ...manifest, parts: manifest.parts.filter((p: Part) => !dropped.includes(p.path)) }),
      );
      const stripped = join(t.dir, 'no-status-evidence.zip');
      writeFileSync(stripped, zipSync(kept));
      const run = await t.read(['verify-evidence', stripped], t.profB);
      expect(run.code, run.stdout).toBe(3);
      expect(run.json).toMatchObject({ ok: false, verdict: 'undetermined', failed: [], undetermined: [signature] });
      expect(run.json.message).toMatch(/статус сертификата не удалось установить/);
      expect(run.json.parts.find((p: { path: string }) => p.path === signature).message).toMatch(
        /^status could not be determined/,
      );
    });

    it('a countersignature by anyone but the recipient does not make the package signed by both', async () => {
      const { zip } = await evidenceOf('a');
      const files = unzipSync(new Uint8Array(readFileSync(zip)));
      const manifest = JSON.parse(Buffer.from(files['manifest.json']!).toString('utf8'));
      // The manifest names another recipient (unsigned, as an altered package would be): B's signature no longer counts.
      const altered = {
        ...manifest,
        document: { ...manifest.document, recipient: { ...manifest.document.recipient, inn: '7707083893' } },
      };
      const { 'manifest.json.sig': _signature, ...rest } = files;
      const file = join(t.dir, 'other-recipient.zip');
      writeFileSync(file, zipSync({ ...rest, 'manifest.json': Buffer.from(JSON.stringify(altered)) }));
      const run = await t.read(['verify-evidence', file], t.profA);
      expect(run.code).toBe(1);
      expect(run.json.failed).toEqual(['(workflow)']);
    });
  },
);
