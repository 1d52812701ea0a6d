// The document card and the evidence package of issue 12, from a document exchanged through
// the real hub by two clerks on SoftHSM tokens (`edo-clerk` as a child process), judged by
// independent tools: pdfinfo and pdftotext (poppler), zbarimg on a pdftoppm render, unzip -t,
// openssl cms -verify, xmllint --schema with the official XSDs; then one changed byte in each
// kind of part fails verify-evidence, naming the part. An annulled document's package carries the
// annulment proposal (ПРА, DP_PRANNUL) with the proposer's and the acceptor's signatures over it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fontkit from '@pdf-lib/fontkit';
import { unzipSync, zipSync } from 'fflate';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Signer } from '../../src/crypto/signer';
import { ANNULMENT_SCHEMA_FILE, SERVICE_DOCUMENT_FORMATS } from '../../src/formats';
import { writeZip } from '../../src/evidence/zip-writer';
import { ClerkStore } from '../../src/store';
import type { TokenSession } from '../../src/token/session';
import { loginWithSigner, registerTokenOrganization, startHub, type StartedHub } from '../support/hub';
import { opensslCmsVerify } from '../support/openssl-cms';
import { keychain, onPath, softhsm, systemPart } from '../support/system';
import { createTestPki, samplePeople, type TestPki } from '../support/test-pki';
import { tokenSigner } from '../support/token-hub';
import { expectExit, inProfile as run } from './session-harness';

const root = resolve(import.meta.dirname, '../..');
const tools = systemPart(
  'poppler-utils and zbar-tools',
  onPath('pdftotext', 'pdfinfo', 'pdftoppm', 'zbarimg', 'unzip', 'xmllint'),
  'install poppler-utils zbar-tools unzip libxml2-utils',
);
const hsm = softhsm();
const kc = keychain();
const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');
const text = (file: string, ...args: string[]) =>
  execFileSync('pdftotext', ['-layout', ...args, file, '-'], { encoding: 'utf8' });

describe.skipIf(!hsm.ok || !tools.ok || !kc.ok)(
  `the card and the evidence package ${hsm.reason}${tools.reason}${kc.reason}`,
  { timeout: 300_000 }, // each case runs edo-clerk several times on a shared machine
  () => {
    let pki: TestPki;
    let hub: StartedHub;
    let dir: string;
    const sessions: TokenSession[] = [];
    let signerA: Signer;
    let pinA: string;
    let pinB: string;
    let original: Buffer;
    let innB = '';
    const title = 'Договор поставки № 42';
    const profA = () => join(dir, 'profile-a');
    const profB = () => join(dir, 'profile-b');

    /** A two-page PDF in Russian: the original whose pages the card keeps. */
    async function pdfOriginal(): Promise<Buffer> {
      const pdf = await PDFDocument.create();
      pdf.registerFontkit(fontkit);
      const font = await pdf.embedFont(readFileSync(join(root, 'assets/fonts/DejaVuSans.ttf')), { subset: true });
      for (const n of [1, 2])
        pdf.addPage().drawText(`Договор поставки № 42, страница ${n} оригинала`, { x: 50, y: 700, size: 14, font });
      return Buffer.from(await pdf.save());
    }

    beforeAll(async () => {
      // With the CA's OCSP responder, so the hub extends every signature to CAdES-X Long Type 1.
      pki = await createTestPki(
        [
          { label: 'clerk-a', keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.ivanova }] },
          { label: 'clerk-b', keys: [{ algorithm: 'RSA-2048', person: samplePeople.petrov }] },
        ],
        { revocation: true },
      );
      hub = await startHub();
      await hub.admin(['trust', 'add', pki.caCertificateFile]);
      const started = {
        a: await registerTokenOrganization(hub, pki.tokens[0]!, { kpp: '770101001' }),
        b: await registerTokenOrganization(hub, pki.tokens[1]!, { kpp: '780101001' }),
      };
      pinA = pki.tokens[0]!.pin;
      pinB = pki.tokens[1]!.pin;
      dir = mkdtempSync(join(tmpdir(), 'clerk-evidence-'));
      signerA = await tokenSigner(pki, sessions, 'clerk-a');
      const signerB = await tokenSigner(pki, sessions, 'clerk-b');
      const apiA = (await loginWithSigner(hub.url, signerA)).api;
      const apiB = (await loginWithSigner(hub.url, signerB)).api;
      expect(
        (await apiA.call('PATCH', '/v1/organization/settings', { json: { archiving: { enabled: true } } })).status,
      ).toBe(200);
      expect((await apiA.call('POST', '/v1/contacts', { json: { subscriberId: started.b.org.id } })).status).toBe(200);
      expect((await apiB.call('POST', `/v1/contacts/${started.a.org.id}/accept`, { json: {} })).json.state).toBe(
        'connected',
      );
      for (const s of sessions.splice(0)) s.close();

      const init = (profile: string, label: string) =>
        run(profile, [
          'profile',
          'init',
          '--server',
          hub.url,
          '--trust',
          pki.caCertificateFile,
          '--module',
          pki.modulePath,
          '--token',
          label,
        ]);
      expectExit(await init(profA(), 'clerk-a'), 0);
      expectExit(await init(profB(), 'clerk-b'), 0);
      expectExit(await run(profA(), ['session', '--pin-stdin'], pinA), 0); // the directory, for --to
      original = await pdfOriginal();
      writeFileSync(join(dir, 'dogovor-42.pdf'), original);
      innB = started.b.org.inn;
      expectExit(
        await run(
          profA(),
          ['send', join(dir, 'dogovor-42.pdf'), '--to', started.b.org.inn, '--title', title, '--pin-stdin'],
          pinA,
        ),
        0,
      );
      expectExit(await run(profB(), ['session', '--pin-stdin'], pinB), 0); // receives it, signs and sends the receipt notice
      expectExit(await run(profA(), ['session', '--pin-stdin'], pinA), 0); // the receipt notice arrives
    }, 400_000); // eight CLI processes on a shared machine

    afterAll(async () => {
      for (const s of sessions) s.close();
      await hub?.stop();
      pki?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** The local number and hub id of the document titled `title` in a profile's inbox or outbox. */
    const local = (profile: string, direction: 'in' | 'out', title: string) => {
      const store = ClerkStore.open(profile);
      try {
        const doc = store.listDocuments({ direction, search: title, limit: 1 }).items[0]!;
        return { id: String(doc.id), hubId: doc.hubId! };
      } finally {
        store.close();
      }
    };

    /** The CA and the package's operator certificate (it signs the confirmations), for OpenSSL to trust. */
    const trustOf = (out: string) => {
      const cas = join(out, 'cas.pem');
      writeFileSync(
        cas,
        readFileSync(pki.caCertificateFile, 'utf8') + readFileSync(join(out, 'certificates', 'operator.pem'), 'utf8'),
      );
      return cas;
    };

    let hubId = '';
    it('makes the card: the original pages first, every field in Russian, a QR code carrying the digest', async () => {
      const outbox = expectExit(await run(profA(), ['outbox']), 0).json;
      hubId = outbox.items[0].hubId;
      const cardFile = join(dir, 'card.pdf');
      const made = expectExit(
        await run(profA(), ['card', String(outbox.items[0].id), '--out', cardFile, '--pin-stdin'], pinA),
        0,
      ).json;
      expect(made.document).toMatchObject({ hubId, title, sha256: sha(original) });

      const info = execFileSync('pdfinfo', [cardFile], { encoding: 'utf8' });
      const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
      expect(pages).toBeGreaterThanOrEqual(3);
      // The original's own pages come first, their text unchanged.
      for (const n of [1, 2])
        expect(text(cardFile, '-f', String(n), '-l', String(n))).toContain(
          `Договор поставки № 42, страница ${n} оригинала`,
        );
      expect(text(cardFile, '-f', '1', '-l', '1')).toContain('ДОКУМЕНТ ПОДПИСАН ЭЛЕКТРОННОЙ ПОДПИСЬЮ');

      const card = text(cardFile, '-f', '3').replace(/\s+/g, ' ');
      const ivanova = samplePeople.ivanova; // the person of clerk-a's key
      const certificate = execFileSync('openssl', ['x509', '-noout', '-serial'], {
        input: pki.tokens[0]!.keys[0]!.certificatePem,
        encoding: 'utf8',
      });
      const serial = certificate.trim().split('=')[1]!.toLowerCase().replace(/^0+/, '');
      for (const expected of [
        'Карточка электронного документа',
        `Наименование: ${title}`,
        'Файл: dogovor-42.pdf',
        `Размер: ${original.length} байт`,
        sha(original),
        'ГОСТ Р 34.11-2012 (256)',
        hubId,
        'ООО "Ромашка"',
        'АО "Василёк"',
        'Дата отправки (ПДОТПР)',
        `Владелец: ${ivanova.surname}`,
        `Должность: ${ivanova.position}`,
        'Издатель:',
        'Действителен: с',
        'Время подписания:',
        'Штамп времени:',
        'Статус сертификата: действителен',
        'CAdES-X-L1',
        'Проверка подписи: подпись верна',
        'Подтверждение даты отправки (ПДОТПР)',
        'Извещение о получении (ИОП)',
        'Петров',
        'Архив подписанных документов',
        'Запись № 0',
        'подписано оператором',
      ])
        expect(card).toContain(expected);
      expect(card.replace(/\s/g, '')).toContain(serial);

      const png = join(dir, 'card-page');
      execFileSync('pdftoppm', ['-r', '150', '-f', '3', '-l', '3', '-png', '-singlefile', cardFile, png]);
      const qr = execFileSync('zbarimg', ['--quiet', '--raw', `${png}.png`], { encoding: 'utf8' });
      expect(qr).toContain(`sha256=${sha(original)}`);
      expect(qr).toContain(`document=${hubId}`);
      mkdirSync(join(root, 'test-results', 'evidence'), { recursive: true });
      copyFileSync(`${png}.png`, join(root, 'test-results', 'evidence', 'card-page.png'));
    });

    let zipFile = '';
    it('makes the evidence package: unzip, openssl cms and xmllint accept its parts, and verify-evidence holds', async () => {
      zipFile = join(dir, 'evidence.zip');
      expectExit(await run(profA(), ['evidence', hubId, '--out', zipFile, '--pin-stdin'], pinA), 0);
      execFileSync('unzip', ['-t', zipFile], { stdio: 'pipe' });
      const out = join(dir, 'unpacked');
      execFileSync('unzip', ['-q', zipFile, '-d', out]);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
      const roles = manifest.parts.map((p: { role: string }) => p.role);
      for (const role of [
        'original',
        'signature',
        'service-document',
        'operator-confirmation',
        'archive-entry',
        'inclusion-proof',
        'tree-head',
        'operator-certificate',
        'tsa-certificate',
        'trusted-root',
        'card',
      ])
        expect(roles).toContain(role);
      expect(readFileSync(join(out, 'original', 'dogovor-42.pdf')).equals(original)).toBe(true);

      const cas = trustOf(out);
      const signatures = manifest.parts.filter((p: { role: string }) => p.role === 'signature');
      expect(signatures.length).toBeGreaterThanOrEqual(3);
      for (const s of signatures) {
        opensslCmsVerify(join(out, s.path), join(out, s.signs), cas);
      }
      opensslCmsVerify(join(out, 'manifest.json.sig'), join(out, 'manifest.json'), cas);

      const xsds = readdirSync(join(root, 'src/formats/xsd')).filter((f) => f.endsWith('.xsd'));
      const services = manifest.parts.filter(
        (p: { role: string }) => p.role === 'service-document' || p.role === 'operator-confirmation',
      );
      expect(services.length).toBeGreaterThanOrEqual(2);
      for (const s of services) {
        const prefix = /^(DP_[A-Z]+)_/.exec(s.path.split('/').pop())![1];
        const xsd = xsds.find((f) => f.startsWith(`${prefix}_`))!;
        execFileSync('xmllint', ['--noout', '--schema', join(root, 'src/formats/xsd', xsd), join(out, s.path)], {
          stdio: 'pipe',
        });
      }

      const verdict = expectExit(await run(profA(), ['verify-evidence', zipFile]), 0).json;
      expect(verdict.ok).toBe(true);
      expect(verdict.parts.find((p: { path: string }) => p.path === 'archive/inclusion-proof.json').message).toMatch(
        /operator-signed tree/,
      );
    });

    it('verify-evidence reads the package with ZIP64 records (forced: a package over 4 GiB has the same records)', async () => {
      const files = unzipSync(new Uint8Array(readFileSync(zipFile)));
      const zip64 = join(dir, 'evidence-zip64.zip');
      await writeZip(
        zip64,
        Object.entries(files).map(([path, bytes]) => ({
          path,
          bytes: Buffer.from(bytes),
          stored: path.startsWith('original/') || path === 'card.pdf',
        })),
        { zip64: 'always' },
      );
      execFileSync('unzip', ['-t', zip64], { stdio: 'pipe' });
      const verdict = expectExit(await run(profA(), ['verify-evidence', zip64]), 0).json;
      expect(verdict).toMatchObject({ ok: true, verdict: 'valid', failed: [] });
    });

    it('fails verify-evidence naming the part when one byte changes in the original, a signature, a service document, the proof or the manifest', async () => {
      const files = unzipSync(new Uint8Array(readFileSync(zipFile)));
      const manifest = JSON.parse(Buffer.from(files['manifest.json']!).toString('utf8'));
      const pick = (role: string) => manifest.parts.find((p: { role: string }) => p.role === role).path as string;
      for (const path of [
        pick('original'),
        pick('signature'),
        pick('service-document'),
        pick('inclusion-proof'),
        'manifest.json',
      ]) {
        const changed = { ...files, [path]: Uint8Array.from(files[path]!) };
        const at =
          path === 'manifest.json'
            ? Buffer.from(changed[path]!).indexOf(Buffer.from(manifest.document.title))
            : Math.floor(changed[path]!.length / 2);
        changed[path]![at] = changed[path]![at]! ^ 0x01;
        const tampered = join(dir, `tampered-${sha(Buffer.from(path)).slice(0, 8)}.zip`);
        writeFileSync(tampered, zipSync(changed));
        const result = await run(profA(), ['verify-evidence', tampered]);
        expect(result.code, path).toBe(1);
        expect(result.json.ok).toBe(false);
        expect(result.json.failed, path).toContain(path);
      }
    });

    it('packs an annulled document: the ПРА and both signatures over it, OpenSSL and xmllint accept them, the card says annulled', async () => {
      const file = join(dir, 'schet-9.txt');
      writeFileSync(file, `Счёт № 9\n${'0123456789'.repeat(300)}`);
      expectExit(await run(profA(), ['send', file, '--to', innB, '--title', 'Счёт № 9', '--pin-stdin'], pinA), 0);
      expectExit(await run(profB(), ['session', '--pin-stdin'], pinB), 0);
      const { id, hubId: annulled } = local(profA(), 'out', 'Счёт № 9');
      expectExit(await run(profA(), ['annul', id, '--reason', 'Выставлен по ошибке', '--pin-stdin'], pinA), 0);
      expectExit(await run(profB(), ['session', '--pin-stdin'], pinB), 0);
      expectExit(
        await run(profB(), ['annulment', 'accept', local(profB(), 'in', 'Счёт № 9').id, '--pin-stdin'], pinB),
        0,
      );
      expectExit(await run(profA(), ['session', '--pin-stdin'], pinA), 0);

      const zip = join(dir, 'annulled.zip');
      expectExit(await run(profA(), ['evidence', annulled, '--out', zip, '--pin-stdin'], pinA), 0);
      const out = join(dir, 'annulled');
      execFileSync('unzip', ['-q', zip, '-d', out]);
      const parts = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).parts as {
        path: string;
        role: string;
        signs?: string;
        type?: string;
      }[];
      const proposal = parts.find((p) => p.role === 'service-document' && p.type === 'annulment-proposal')!;
      expect(proposal.path).toMatch(/^service-documents\/DP_PRANNUL_/);
      execFileSync(
        'xmllint',
        ['--noout', '--schema', join(root, 'src/formats/xsd', ANNULMENT_SCHEMA_FILE), join(out, proposal.path)],
        { stdio: 'pipe' },
      );
      const over = parts.filter((p) => p.role === 'signature' && p.signs === proposal.path);
      expect(over.map((p) => p.type)).toEqual(['annulment-proposal', 'annulment-acceptance']);
      const cas = trustOf(out);
      for (const s of parts.filter((p) => p.role === 'signature')) {
        opensslCmsVerify(join(out, s.path), join(out, s.signs!), cas);
      }
      const card = text(join(out, 'card.pdf')).replace(/\s+/g, ' ');
      for (const expected of [
        'Аннулирование: Аннулирован',
        'Предложение об аннулировании (ПРА)',
        'Текст: Выставлен по ошибке',
        'Согласие на аннулирование',
      ])
        expect(card).toContain(expected);

      const verdict = expectExit(await run(profA(), ['verify-evidence', zip]), 0).json;
      expect(verdict.parts.find((p: { path: string }) => p.path === proposal.path).message).toMatch(
        /annulment proposal .* follows its XSD \(format 1\.02\)/,
      );
      expect(verdict.parts.find((p: { path: string }) => p.path === '(workflow)').message).toMatch(/annulled/);

      // One changed byte in the ПРА is named.
      const files = unzipSync(new Uint8Array(readFileSync(zip)));
      const changed = Uint8Array.from(files[proposal.path]!);
      const at = Math.floor(changed.length / 2);
      changed[at] = changed[at]! ^ 0x01;
      const tampered = join(dir, 'annulled-tampered.zip');
      writeFileSync(tampered, zipSync({ ...files, [proposal.path]: changed }));
      const result = await run(profA(), ['verify-evidence', tampered]);
      expect(result.code).toBe(1);
      expect(result.json.failed).toContain(proposal.path);
    });

    it('packs a refused document: the refusal (УОУ) and a clarification request with their signatures; xmllint, OpenSSL and verify-evidence accept them, a changed byte is named', async () => {
      const reason = 'Сумма не согласована';
      const request = 'Уточните сумму в пункте 2';
      const file = join(dir, 'akt-5.txt');
      writeFileSync(file, 'Акт № 5 выполненных работ\n');
      expectExit(
        await run(
          profA(),
          ['send', file, '--to', innB, '--title', 'Акт № 5', '--request-signature', '--pin-stdin'],
          pinA,
        ),
        0,
      );
      expectExit(await run(profB(), ['session', '--pin-stdin'], pinB), 0);
      const inB = local(profB(), 'in', 'Акт № 5').id;
      expectExit(await run(profB(), ['refuse', inB, '--reason', reason, '--pin-stdin'], pinB), 0);
      expectExit(await run(profB(), ['clarify', inB, '--text', request, '--pin-stdin'], pinB), 0);
      expectExit(await run(profA(), ['session', '--pin-stdin'], pinA), 0);

      const zip = join(dir, 'refused.zip');
      expectExit(
        await run(profA(), ['evidence', local(profA(), 'out', 'Акт № 5').hubId, '--out', zip, '--pin-stdin'], pinA),
        0,
      );
      execFileSync('unzip', ['-t', zip], { stdio: 'pipe' });
      const out = join(dir, 'refused');
      execFileSync('unzip', ['-q', zip, '-d', out]);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
      expect(manifest.document.signatureState).toBe('signature-refused');
      const parts = manifest.parts as { path: string; role: string; signs?: string; type?: string }[];
      const cas = trustOf(out);
      const uou = ['signature-refusal', 'clarification'].map((type) => {
        const xml = parts.find((p) => p.role === 'service-document' && p.type === type)!;
        expect(xml.path, type).toMatch(/^service-documents\/DP_UVUTOCH_.*\.xml$/);
        execFileSync(
          'xmllint',
          [
            '--noout',
            '--schema',
            join(root, 'src/formats/xsd', SERVICE_DOCUMENT_FORMATS['clarification-request'].schemaFile),
            join(out, xml.path),
          ],
          { stdio: 'pipe' },
        );
        const over = parts.filter((p) => p.role === 'signature' && p.signs === xml.path);
        expect(over.map((p) => p.type)).toEqual([type]);
        opensslCmsVerify(join(out, over[0]!.path), join(out, xml.path), cas);
        return { xml: xml.path, signature: over[0]!.path };
      });
      const [refusal] = uou;

      const card = text(join(out, 'card.pdf')).replace(/\s+/g, ' ');
      for (const expected of [
        'Подпись получателя: Получатель отказал в подписи',
        'Отказ в подписании (УОУ)',
        `Текст: ${reason}`,
        'Уведомление об уточнении (УОУ)',
        `Текст: ${request}`,
      ])
        expect(card).toContain(expected);

      const verdict = expectExit(await run(profA(), ['verify-evidence', zip]), 0).json;
      for (const { xml } of uou)
        expect(verdict.parts.find((p: { path: string }) => p.path === xml).message).toMatch(
          /^clarification-request .* follows its XSD \(format 1\.03\)/,
        );
      expect(verdict.parts.find((p: { path: string }) => p.path === '(workflow)').message).toMatch(
        new RegExp(`refused: the recipient's \\(INN ${innB}\\) signed refusal`),
      );

      // One changed byte in the refusal is named.
      const files = unzipSync(new Uint8Array(readFileSync(zip)));
      const changed = Uint8Array.from(files[refusal!.xml]!);
      const at = Math.floor(changed.length / 2);
      changed[at] = changed[at]! ^ 0x01;
      const tampered = join(dir, 'refused-tampered.zip');
      writeFileSync(tampered, zipSync({ ...files, [refusal!.xml]: changed }));
      const result = await run(profA(), ['verify-evidence', tampered]);
      expect(result.code).toBe(1);
      expect(result.json.failed).toContain(refusal!.xml);

      // A package that says refused without the recipient's signature over the refusal (its manifest
      // rewritten, so unsigned) fails the workflow check.
      const { 'manifest.json.sig': _signature, [refusal!.signature]: _refusal, ...rest } = files;
      const claimed = { ...manifest, parts: parts.filter((p) => p.path !== refusal!.signature) };
      const unsigned = join(dir, 'refused-unsigned.zip');
      writeFileSync(unsigned, zipSync({ ...rest, 'manifest.json': Buffer.from(JSON.stringify(claimed)) }));
      const claim = await run(profA(), ['verify-evidence', unsigned]);
      expect(claim.code).toBe(1);
      expect(claim.json.failed).toEqual(['(workflow)']);
    });
  },
);
