// The CLI speaks the clerk's language: Russian by default, English with --lang en or an English
// locale (LC_ALL before LANG), and shows times in the machine's time zone with the zone named,
// while --json keeps ISO 8601 in UTC. The real CLI, run as a clerk runs it, with TZ=Europe/Moscow.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClerkStore } from '../../src/store';
import { clerk, expectExit } from './session-harness';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const moscow = { ...process.env, TZ: 'Europe/Moscow', LC_ALL: '', LC_MESSAGES: '' };
const russian = { ...moscow, LANG: 'ru_RU.UTF-8' };
const english = { ...moscow, LANG: 'en_US.UTF-8' };

describe('the CLI in the clerk’s language and time zone', () => {
  let dir: string;
  let profile: string;
  const run = (args: string[], env: NodeJS.ProcessEnv) => clerk([...args, '--profile', profile], { env });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clerk-i18n-'));
    profile = join(dir, 'profile');
    const made = expectExit(
      await run(['profile', 'init', '--server', 'http://127.0.0.1:9', '--mode', 'manual'], russian),
      0,
    );
    expect(made.stdout).toBe(`Профиль ${profile} готов (сервер обмена http://127.0.0.1:9, режим manual).\n`);
    // A received document sent at 10:00 UTC (13:00 in Moscow), and an outgoing one the hub refused.
    const store = ClerkStore.open(profile);
    try {
      store.transaction(() =>
        store.recordIncomingDocument({
          hubId: 'd-1',
          counterpartyId: 'sub-a',
          counterpartyName: 'ООО "Ромашка"',
          title: 'Договор поставки',
          fileName: 'dogovor.pdf',
          blobHash: sha('dogovor'),
          size: 10,
          needsReceipt: true,
          sentAt: '2026-11-20T10:00:00.000Z',
          signatures: [{ cms: Buffer.from('cms'), valid: true, signer: 'Иванова Мария Петровна' }],
        }),
      );
      store.queueOutgoingDocument({
        counterpartyId: 'sub-a',
        title: 'Акт сверки',
        fileName: 'akt.pdf',
        blobHash: sha('akt'),
        size: 3,
        signature: { cms: Buffer.from('x'), valid: null },
      });
      store.failOutbox(store.waitingOutbox()[0]!.id, 'forbidden', 'not a contact');
      store.upsertContact({
        id: 'sub-a',
        counterpartyId: 'sub-a',
        state: 'invites-me',
        updatedAt: '2026-11-20T10:00:00Z',
      });
    } finally {
      store.close();
    }
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the inbox in Russian by default, the time in Moscow time with its zone', async () => {
    const ru = expectExit(await run(['inbox'], russian), 0).stdout;
    expect(ru).toMatch(/^1 +20\.11\.2026, 13:00 GMT\+3 +ООО "Ромашка" +Договор поставки +Ждёт извещения о получении/m);
    expect(ru).toContain('1 из 1');
    // The C locale names no language: Russian still.
    expect(expectExit(await run(['inbox'], { ...moscow, LANG: 'C.UTF-8' }), 0).stdout).toContain('1 из 1');
  }, 60_000);

  it('speaks English under an English locale, LC_ALL before LANG, and --lang before both', async () => {
    const en = expectExit(await run(['inbox'], english), 0).stdout;
    expect(en).toMatch(/^1 +20\/11\/2026, 13:00 GMT\+3 +ООО "Ромашка" +Договор поставки +Receipt notice pending/m);
    expect(en).toContain('1 of 1');
    expect(expectExit(await run(['inbox'], { ...russian, LC_ALL: 'en_GB.UTF-8' }), 0).stdout).toContain('1 of 1');
    expect(expectExit(await run(['outbox', '--lang', 'ru'], english), 0).stdout).toMatch(
      /Акт сверки +Отклонён сервером обмена +ОТКЛОНЁН: not a contact/,
    );
    expect(expectExit(await run(['outbox', '--lang', 'en'], russian), 0).stdout).toMatch(
      /Акт сверки +Refused by the exchange server +REFUSED: not a contact/,
    );
  }, 60_000);

  it('names a contact’s state and a refused retry’s status in the clerk’s words', async () => {
    expect(expectExit(await run(['contacts'], russian), 0).stdout).toMatch(/приглашает нас/);
    expect(expectExit(await run(['contacts'], english), 0).stdout).toMatch(/invites us/);
    expect(expectExit(await run(['outbox', 'retry', '1'], russian), 1).stderr).toContain(
      '(его статус: Ждёт извещения о получении)',
    );
  }, 60_000);

  it('keeps ISO times in UTC in --json, for programs', async () => {
    const listed = expectExit(await run(['inbox', '--json'], russian), 0).json;
    expect(listed.items[0].sentAt).toBe('2026-11-20T10:00:00.000Z');
  }, 60_000);

  it('names a wrong option, a wrong language and an unknown command in the clerk’s language', async () => {
    const ru = expectExit(await run(['inbox', '--limit', 'много'], russian), 1);
    expect(ru.stderr).toBe('edo-clerk inbox: --limit: целое число от 1 до 10000, а не «много»\n');
    const en = expectExit(await run(['inbox', '--limit', 'many'], english), 1);
    expect(en.stderr).toBe('edo-clerk inbox: --limit must be a whole number from 1 to 10000, not "many"\n');
    const json = expectExit(await run(['inbox', '--from', 'вчера', '--json'], russian), 1).json;
    expect(json.error).toBe(
      '--from: дата или дата и время по ISO 8601 (2026-12-02 или 2026-12-02T10:15:00+03:00), а не «вчера»',
    );
    expect(json.code).toBe('option.date'); // a stable code beside the words: the words' own key
    expect(expectExit(await run(['inbox', '--lang', 'de'], russian), 1).stderr).toBe(
      'edo-clerk inbox: --lang: язык ru или en, а не «de»\n',
    );
    expect(expectExit(await run(['card', '1'], russian), 1).stderr).toBe('edo-clerk card: Укажите --out ФАЙЛ\n');
    expect(expectExit(await run(['evidence'], english), 1).stderr).toBe(
      'edo-clerk evidence: Name the DOCUMENT: its number from "edo-clerk inbox" or "outbox", or its hub id\n',
    );
    expect(expectExit(await clerk(['sendd'], { env: russian }), 1).stderr).toMatch(
      /^edo-clerk: неизвестная команда «sendd»/,
    );
    expect(expectExit(await clerk(['sendd'], { env: english }), 1).stderr).toMatch(
      /^edo-clerk: unknown command "sendd"/,
    );
    // Nine runs of the CLI: a loaded machine takes over a minute.
  }, 180_000);

  it('says what the token layer found in the clerk’s language, by its code', async () => {
    const missing = join(dir, 'nowhere', 'libvendor-pkcs11.so');
    expect(expectExit(await run(['token', 'list', '--module', missing], russian), 1).stderr).toBe(
      `edo-clerk token list: Модуль PKCS#11 ${missing} не найден: установите драйвер токена или укажите --module ПУТЬ\n`,
    );
    expect(expectExit(await run(['token', 'list', '--module', missing, '--lang', 'en'], russian), 1).stderr).toBe(
      `edo-clerk token list: PKCS#11 module ${missing} not found: install the token driver or give --module PATH\n`,
    );
    const notModule = join(dir, 'not-a-module.so');
    writeFileSync(notModule, 'this is no shared library');
    expect(expectExit(await run(['token', 'list', '--module', notModule], russian), 1).stderr).toBe(
      `edo-clerk token list: Модуль PKCS#11 ${notModule} не загружается или не запускается: проверьте путь к модулю\n`,
    );
    // A trusted root that is no certificate: the profile's TrustedRootError, by its code (cli-sign reads the Russian).
    expect(expectExit(await run(['verify', notModule, notModule, '--trust', notModule], english), 1).stderr).toBe(
      `edo-clerk verify: Cannot read the trusted root certificate file ${notModule}: Not an X.509 certificate (PEM or DER)\n`,
    );
    const json = expectExit(await run(['token', 'list', '--module', notModule, '--json'], english), 1).json;
    expect(json).toMatchObject({
      code: 'module-failed',
      error: `PKCS#11 module ${notModule} does not load or start: check the module path`,
    });
  }, 60_000);

  it('says why a software key cannot sign in the clerk’s language, by what it found, with its code in --json', async () => {
    const keyed = join(dir, 'keyed');
    const key = join(dir, 'key.pem');
    const file = join(dir, 'to-sign.txt');
    writeFileSync(key, 'no key here');
    writeFileSync(file, 'text');
    const inKeyed = (args: string[], env: NodeJS.ProcessEnv) => clerk([...args, '--profile', keyed], { env });
    const init = ['profile', 'init', '--server', 'http://127.0.0.1:9', '--mode', 'manual', '--key-file', key];
    expectExit(await inKeyed([...init, '--cert-file', key], russian), 0);
    expect(expectExit(await inKeyed(['sign', file], russian), 1).stderr).toMatch(
      new RegExp(`^edo-clerk sign: ${key} — не читаемый закрытый ключ: `),
    );
    const json = expectExit(await inKeyed(['sign', file, '--json', '--lang', 'en'], russian), 1).json;
    expect(json.code).toBe('key-invalid');
    expect(json.error).toMatch(new RegExp(`^${key} is not a readable private key: `));
    rmSync(key);
    expect(expectExit(await inKeyed(['sign', file], russian), 2).stderr).toBe(
      `edo-clerk sign: Файл ключа ${key} не читается (ENOENT)\n`,
    );
  }, 120_000);

  it('says a hub’s failure and a workflow step’s refusal in the clerk’s language, by their codes', async () => {
    // A hub that fails every request with its error form, and a profile with a key that can sign the login.
    const failing = createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal', message: 'the database is gone', requestId: 'r-1' }));
    });
    await new Promise<void>((done) => failing.listen(0, '127.0.0.1', done));
    try {
      const { port } = failing.address() as AddressInfo;
      const [key, certificate] = [join(dir, 'p256.key'), join(dir, 'p256.pem')];
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', key, '-out', certificate, '-subj', '/CN=Clerk', '-days', '1',
      ], { stdio: 'ignore' }); // prettier-ignore
      const failed = join(dir, 'failing-hub');
      const inFailed = (args: string[], env: NodeJS.ProcessEnv) => clerk([...args, '--profile', failed], { env });
      const server = `http://127.0.0.1:${port}`;
      const init = ['profile', 'init', '--server', server, '--key-file', key, '--cert-file', certificate];
      expectExit(await inFailed(init, russian), 0);
      expect(expectExit(await inFailed(['session'], russian), 1).stdout).toMatch(
        /^Сеанс обмена: ошибка — Сбой на сервере обмена \(HTTP 500, internal\): повторите позже; .*the database is gone/,
      );
      expect(expectExit(await inFailed(['session', '--lang', 'en'], russian), 1).stdout).toMatch(
        /^Exchange session: error — The exchange hub failed \(HTTP 500, internal\): try again later/,
      );
      const json = expectExit(await inFailed(['session', '--json'], russian), 1).json;
      expect(json.failure).toMatchObject({ code: 'hub-error', status: 500, hubCode: 'internal' });
      // A workflow step the document does not allow is refused by its code, before anything is signed.
      const store = ClerkStore.open(failed);
      try {
        store.transaction(() =>
          store.recordIncomingDocument({
            hubId: 'd-2',
            counterpartyId: 'sub-a',
            counterpartyName: 'ООО "Ромашка"',
            title: 'Акт',
            fileName: 'akt.pdf',
            blobHash: sha('akt-2'),
            size: 3,
            needsReceipt: false,
            sentAt: '2026-11-20T10:00:00.000Z',
            signatures: [{ cms: Buffer.from('cms'), valid: true, signer: 'Иванова Мария Петровна' }],
          }),
        );
      } finally {
        store.close();
      }
      expect(expectExit(await inFailed(['sign-document', '1'], russian), 1).stderr).toBe(
        'edo-clerk sign-document: «Акт» отправлен без запроса подписи получателя\n',
      );
      const refusal = expectExit(
        await inFailed(['refuse', '1', '--reason', 'нет', '--json', '--lang', 'en'], russian),
        1,
      );
      expect(refusal.json).toMatchObject({
        code: 'signature-not-requested',
        error: '"Акт" was sent without a request for the recipient\'s signature',
      });
    } finally {
      failing.close();
    }
  }, 120_000);

  it('shows a session’s progress and why it failed in the clerk’s language', async () => {
    // The profile logs in by certificate and has no token or key file: the session says so, by its code.
    const ru = expectExit(await run(['session'], russian), 1);
    expect(ru.stderr).toContain('[вход на сервер обмена] 0 из 1\n');
    expect(ru.stderr).toContain('[завершение] 1 из 1\n');
    expect(ru.stdout).toMatch(/^Сеанс обмена: ошибка — Нечем подписать: укажите --token/);
    const en = expectExit(await run(['session', '--lang', 'en'], russian), 1);
    expect(en.stderr).toContain('[signing in to the exchange server] 0 of 1\n');
    expect(en.stdout).toMatch(/^Exchange session: error — No signer: give --token/);
    const json = expectExit(await run(['session', '--json'], russian), 1).json;
    expect(json.failure).toEqual({ code: 'no-signer' });
    // The operating mode refuses a background run and the agent here (the profile is "manual"), by code too.
    expect(expectExit(await run(['session', '--background'], russian), 1).stdout).toMatch(
      /^Сеанс обмена: не разрешён в этом режиме — режим работы организации — «manual»: фоновые сеансы идут только в режиме «workstation»/,
    );
    // A run the mode refuses never starts, so its line has no run number.
    expect(expectExit(await run(['agent', '--once', '--lang', 'en'], russian), 1).stderr).toContain(
      'session: not allowed in this mode — the organization\'s operating mode is "manual": the exchange agent runs only in "server" mode',
    );
  }, 120_000);

  it('says what poa needs in the clerk’s language', async () => {
    const missing = join(dir, 'mchd.xml');
    expect(expectExit(await run(['poa', 'use', missing], russian), 1).stderr).toBe(
      `edo-clerk poa use: Нет файла МЧД ${missing}\n`,
    );
    expect(expectExit(await run(['poa', 'create', '--lang', 'en'], russian), 1).stderr).toBe(
      'edo-clerk poa create: poa create needs --representative CERT.pem, --valid-until YYYY-MM-DD and --out DIR\n',
    );
  }, 60_000);

  it('says what archive get needs in the clerk’s language', async () => {
    expect(expectExit(await run(['archive', 'get', 'x'], russian), 1).stderr).toBe(
      'edo-clerk archive get: Для archive get нужен номер записи (см. «edo-clerk archive list»), а не «x»\n',
    );
    expect(expectExit(await run(['archive', 'get', 'x'], english), 1).stderr).toBe(
      'edo-clerk archive get: archive get needs the entry number (see "edo-clerk archive list"), not "x"\n',
    );
  }, 60_000);
});
