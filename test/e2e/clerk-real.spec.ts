// The clerk's day against the real thing (docs/architecture.md §10): the built renderer in Chromium, its
// window.clerk bound to main's handler registry over the core services of a real profile
// (SQLite store, blob files, session engine), a real hub on loopback, and SoftHSM tokens. The
// counterparty is another organization working through `edo-clerk` (the CLI) with its own token.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { createCoreServices, type CoreServices } from '../../main/core-services';
import { ProfileSettingsFile } from '../../src/settings/settings';
import { startHttpProxy, type HttpProxy } from '../support/http-proxy';
import { registerTokenOrganization, startHub, type StartedHub } from '../support/hub';
import { serveFolder, type StaticServer } from '../support/static-server';
import { onPath, softhsm, systemPart } from '../support/system';
import { chromiumPath } from './chromium';
import { installClerk, type ClerkHarness } from './support/clerk-page';
import { readCard, shots, unpackEvidence } from './support/evidence-judges';
import { clerkHarness, testPki, type Org, type Pki } from './support/node-fixtures';
import { MemorySecrets } from '../support/memory-secrets';

const { createTestPki, samplePeople } = await testPki();
const { clerk, expectExit } = await clerkHarness();

const chromium = systemPart(
  'Chromium',
  existsSync(chromiumPath),
  `no browser at ${chromiumPath}; install Debian's chromium or set EDO_CHROMIUM`,
);
const hsm = softhsm();
const tools = systemPart(
  'poppler-utils, zbar-tools and unzip',
  onPath('pdftotext', 'pdftoppm', 'zbarimg', 'unzip'),
  'install poppler-utils zbar-tools unzip',
);

test.describe('the clerk UI over the real core, hub and tokens', () => {
  test.skip(!chromium.ok, chromium.reason);
  test.skip(!hsm.ok, hsm.reason);
  test.skip(!tools.ok, tools.reason);
  test.describe.configure({ mode: 'serial' });

  const pinA = '1111';
  const pinB = '2222';
  const servicePassword = 'Romashka-service-1';
  let pki: Pki;
  let hub: StartedHub;
  let ocspProxy: HttpProxy | undefined;
  let server: StaticServer;
  let dir: string;
  let a: Org;
  let b: Org;
  let services: CoreServices;
  let harness: ClerkHarness;
  let page: Page;
  /** What main's save dialog was asked to propose; the double answers a file of that name in `saved()`. */
  const proposed: string[] = [];
  const saved = () => join(dir, 'saved');
  const profA = () => join(dir, 'profile-a');
  const profB = () => join(dir, 'profile-b');
  const asB = (args: string[], stdin?: string) => clerk([...args, '--profile', profB(), '--json'], { stdin });

  test.beforeAll(async ({ browser }) => {
    test.setTimeout(240_000);
    pki = await createTestPki(
      [
        { label: 'clerk-a', pin: pinA, keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.ivanova }] },
        { label: 'clerk-b', pin: pinB, keys: [{ algorithm: 'RSA-2048', person: samplePeople.petrov }] },
      ],
      { revocation: true },
    ); // a signature whose status is known arrives verified
    dir = mkdtempSync(join(tmpdir(), 'clerk-ui-real-'));
    // No OCSP cache at the hub: with the responders down, it must find them down for a signer it checked before.
    hub = await startHub({ args: ['--ocsp-cache', '0'] });
    await hub.admin(['trust', 'add', pki.caCertificateFile]);
    a = (await registerTokenOrganization(hub, pki.tokens[0]!, { kpp: '770101001' })).org;
    b = (await registerTokenOrganization(hub, pki.tokens[1]!, { kpp: '780901001' })).org;
    // Our clerk's workplace logs in to the hub as the organization's service user (its password in
    // the keychain) and signs with the token: sessions run before the token is logged in, and
    // what needs a signature waits for it.
    await hub.admin(['user', 'add', '--org', a.id, '--login', 'romashka-clerk'], { stdin: servicePassword });
    const init = (profile: string, token: string, extra: string[] = []) =>
      clerk([
        'profile',
        'init',
        '--server',
        hub.url,
        '--trust',
        pki.caCertificateFile,
        '--module',
        pki.modulePath,
        '--token',
        token,
        ...extra,
        '--profile',
        profile,
        '--json',
      ]);
    expectExit(await init(profA(), 'clerk-a', ['--login', 'romashka-clerk']), 0);
    expectExit(await init(profB(), 'clerk-b'), 0);
    // The counterparty is known to the hub and invites us.
    expectExit(await asB(['session', '--pin-stdin'], pinB), 0);
    expectExit(await asB(['contact', 'invite', a.inn, '--pin-stdin'], pinB), 0);

    server = await serveFolder('out/renderer');
    services = await createCoreServices(profA(), {
      secrets: new MemorySecrets(),
      tokenWatch: { intervalMs: 100, settleMs: 200 },
    });
    await services.settings.setSecret('servicePassword', servicePassword);
    page = await browser.newPage({ viewport: { width: 1360, height: 840 }, locale: 'ru-RU' });
    mkdirSync(saved());
    harness = await installClerk(page, services, {
      chooseSaveFile: async (name) => {
        proposed.push(name);
        return join(saved(), name);
      },
    });
    await page.goto(server.url);
  });

  test.afterAll(async () => {
    await harness?.stop();
    await ocspProxy?.close();
    services?.close();
    await page?.close();
    await server?.close();
    await hub?.stop();
    pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const dialog = () => page.getByRole('dialog');
  const shot = async (name: string) => {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: `${shots}/${name}.png` });
  };

  test('day start: the token is seen with its owner; a wrong PIN is refused; Cancel stays cancelled', async () => {
    await expect(dialog().getByText('Найден токен «clerk-a»')).toBeVisible({ timeout: 15_000 });
    await expect(dialog().getByText('Сертификат: Иванова Мария Петровна')).toBeVisible();
    await shot('real-token-pin');
    await dialog().getByLabel('PIN-код').fill('9999');
    await dialog().getByRole('button', { name: 'Войти' }).click();
    await expect(dialog().getByRole('alert')).toHaveText('Неверный PIN.');
    // SoftHSM counts no tries; a token that does sets CKF_USER_PIN_COUNT_LOW and the prompt says so.
    if ((await services.token.status()).pinFlags.countLow)
      await expect(dialog().getByText('Был введён неверный PIN')).toBeVisible();
    await shot('real-token-wrong-pin');
    await dialog().getByRole('button', { name: 'Отмена' }).click();
    await expect(dialog()).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Токен: вход отменён' })).toBeVisible();
  });

  test('a session without the token syncs the directory; the counterparty’s invitation is accepted', async () => {
    await page.getByRole('button', { name: 'Провести сеанс обмена' }).click();
    await expect(page.getByText(/Последний сеанс: .*успешно/)).toBeVisible({ timeout: 30_000 });
    await page.getByRole('navigation').getByRole('button', { name: 'Контакты' }).click();
    const row = page.getByRole('row').filter({ hasText: b.name });
    await expect(row).toContainText('приглашает нас');
    await row.getByRole('button', { name: 'Принять' }).click();
    await expect(row).toContainText('подключён');
    await shot('real-contacts');
  });

  test('an incoming document arrives with its verified signature; its receipt notice waits for the token and gets signed', async () => {
    const { writeFileSync } = await import('node:fs');
    const file = join(dir, 'schet-77.txt');
    writeFileSync(file, 'Счёт № 77 на сумму 12 000,00 руб.\n');
    expectExit(await asB(['send', file, '--to', a.inn, '--title', 'Счёт № 77', '--pin-stdin'], pinB), 0);

    await page.getByRole('navigation').getByRole('button', { name: 'Входящие' }).click();
    await page.getByRole('button', { name: 'Провести сеанс обмена' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Счёт № 77' });
    await expect(row).toContainText('Ждёт извещения о получении', { timeout: 30_000 });
    await expect(row).toContainText(b.name);
    await expect(page.getByRole('button', { name: /Ждут подписи\s*1/ })).toBeVisible();
    await shot('real-inbox');

    await row.click();
    // The document's own signatures; its service documents' verdicts are in their list.
    await expect(dialog().locator('.signatures').getByText('✓ Подпись действительна')).toBeVisible();
    await expect(dialog().getByText(/Подписал: Петров/)).toBeVisible();
    await expect(dialog().getByText('Счёт № 77 на сумму 12 000,00 руб.')).toBeVisible();
    await expect(dialog().getByText('Подтверждение даты отправки (ПДОТПР)')).toBeVisible();
    // The operator's confirmation is judged like any received signature, and says so.
    const confirmation = dialog()
      .locator('.service-documents > li')
      .filter({ hasText: 'Подтверждение даты отправки (ПДОТПР)' });
    await expect(confirmation).toContainText('✓ Подпись действительна');
    await expect(confirmation).toContainText(/Сертификат действовал и не был отозван на /);
    await shot('real-document-view');
    await dialog().getByRole('button', { name: 'Закрыть' }).click();

    await page
      .getByRole('navigation')
      .getByRole('button', { name: /Ждут подписи/ })
      .click();
    const pending = page.getByRole('row').filter({ hasText: 'Счёт № 77' });
    await expect(pending).toContainText('Извещение о получении');
    await shot('real-pending');
    await page.getByRole('button', { name: 'Подписать все' }).click();
    // The token is not logged in: nothing is signed, the prompt asks for it.
    await expect(dialog().getByLabel('PIN-код')).toBeVisible();
    await dialog().getByLabel('PIN-код').fill(pinA);
    await dialog().getByRole('button', { name: 'Войти' }).click();
    await expect(dialog()).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Токен: clerk-a' })).toBeVisible();
    await page.getByRole('button', { name: 'Подписать все' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Подписано: 1, не удалось: 0' })).toBeVisible({
      timeout: 30_000,
    });
    await expect(page.getByText('Ничего не ждёт подписи')).toBeVisible();

    await page.getByRole('navigation').getByRole('button', { name: 'Входящие' }).click();
    await expect(row).toContainText('Извещение о получении отправлено');
    expectExit(await asB(['session', '--pin-stdin'], pinB), 0);
    const outboxB = expectExit(await asB(['outbox']), 0).json;
    expect(outboxB.items[0]).toMatchObject({ title: 'Счёт № 77', status: 'receipt-confirmed' });
  });

  test('the received document’s card and evidence package are saved from its view: pdftotext, zbarimg and verify-evidence judge them', async () => {
    const content = Buffer.from('Счёт № 77 на сумму 12 000,00 руб.\n');
    const sha256 = createHash('sha256').update(content).digest('hex');
    const sent = expectExit(await asB(['outbox', '--search', 'Счёт № 77']), 0).json;
    const hubId = sent.items.find((d: { title: string }) => d.title === 'Счёт № 77').hubId as string;

    await page.getByRole('row').filter({ hasText: 'Счёт № 77' }).click();
    const view = page.getByRole('dialog', { name: 'Счёт № 77' });
    await view.getByRole('button', { name: 'Карточка документа (PDF): Счёт № 77' }).click();
    const cardFile = join(saved(), 'schet-77.txt.card.pdf');
    await expect(view.getByRole('status').filter({ hasText: `Сохранено: ${cardFile}` })).toBeVisible({
      timeout: 60_000,
    });
    await view.getByRole('button', { name: 'Пакет доказательств (ZIP): Счёт № 77' }).click();
    const zipFile = join(saved(), 'schet-77.txt.evidence.zip');
    await expect(view.getByRole('status').filter({ hasText: `Сохранено: ${zipFile}` })).toBeVisible({
      timeout: 60_000,
    });
    await shot('real-document-evidence-saved');
    await view.getByRole('button', { name: 'Закрыть' }).click();
    expect(proposed).toEqual(['schet-77.txt.card.pdf', 'schet-77.txt.evidence.zip']);

    // The card: the signer (the counterparty's key) and the document's digest, in Russian.
    const { text: card, qr } = readCard(cardFile, dir, 'real-document-card-page');
    for (const expected of [
      'Карточка электронного документа',
      'Наименование: Счёт № 77',
      `Владелец: ${samplePeople.petrov.surname} ${samplePeople.petrov.givenNames}`,
      'Проверка подписи: подпись верна',
      sha256,
      hubId,
    ])
      expect(card).toContain(expected);
    // Its QR code, read from a rendered page, is the verification reference: the hub's id and the digest.
    expect(qr).toBe(`edo-clerk:verify?document=${encodeURIComponent(hubId)}&sha256=${sha256}`);

    // The package: unzip accepts it, its original is the received bytes, and verify-evidence holds it.
    expect(unpackEvidence(zipFile, join(dir, 'evidence-77')).original.equals(content)).toBe(true);
    const verdict = expectExit(await clerk(['verify-evidence', zipFile, '--profile', profA(), '--json']), 0).json;
    expect(verdict).toMatchObject({ ok: true, verdict: 'valid', failed: [], undetermined: [] });
  });

  test('a file added to the Outbox is signed on the token, sent now, and reaches the counterparty', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Исходящие' }).click();
    await page.getByRole('button', { name: 'Добавить документы' }).click();
    await page
      .getByTestId('outbox-files')
      .setInputFiles({ name: 'akt-noyabr.txt', mimeType: 'text/plain', buffer: Buffer.from('Акт сверки за ноябрь\n') });
    await dialog().getByLabel('Название документа').fill('Акт сверки за ноябрь');
    await dialog()
      .getByLabel('Получатель')
      .selectOption({ label: `${b.name} · ${b.inn}` });
    await dialog().getByRole('button', { name: 'Подписать и отправить сейчас' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Акт сверки за ноябрь' });
    await expect(row).toContainText(/Отправлен|Доставлен/, { timeout: 30_000 });
    await shot('real-outbox');

    const received = expectExit(await asB(['session', '--pin-stdin'], pinB), 0).json;
    expect(received.summary.documentsReceived).toBe(1);
    const inboxB = expectExit(await asB(['inbox']), 0).json;
    expect(inboxB.items[0]).toMatchObject({
      title: 'Акт сверки за ноябрь',
      signatureState: 'valid',
      fileName: 'akt-noyabr.txt',
    });
  });

  test('the organization switches archiving on over HTTP; a document signed here lands in the Archive view, verified; its evidence package is saved from there', async () => {
    // The operator gives our clerk's service user the right to the organization settings.
    const users = await hub.admin<{ id: string; login?: string }[]>(['user', 'list', '--org', a.id]);
    const clerkUser = users.find((u) => u.login === 'romashka-clerk')!;
    await hub.admin([
      'org',
      'grant',
      '--org',
      a.id,
      '--user',
      clerkUser.id,
      '--permission',
      'change-organization-settings',
    ]);

    await page.getByRole('navigation').getByRole('button', { name: 'Организация' }).click();
    const archiving = page.getByLabel('Архивировать всё, что подписывают сотрудники организации');
    await expect(archiving).not.toBeChecked();
    await archiving.check();
    await page.getByLabel('E-mail для уведомлений архива').fill('archive@romashka.ru');
    await page.getByRole('button', { name: 'Сохранить', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Настройки организации сохранены' })).toBeVisible({
      timeout: 15_000,
    });
    const journal = page.getByRole('table', { name: 'Журнал изменений' });
    await expect(journal.getByRole('row').filter({ hasText: 'archiving.enabled' })).toContainText('false → true');
    await expect(journal.getByRole('row').filter({ hasText: 'archiving.enabled' })).toContainText(
      'romashka-clerk (вы)',
    );
    await shot('real-organization');

    await page.getByRole('navigation').getByRole('button', { name: 'Исходящие' }).click();
    await page.getByRole('button', { name: 'Добавить документы' }).click();
    await page.getByTestId('outbox-files').setInputFiles({
      name: 'dogovor-14.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Договор № 14 поставки\n'),
    });
    await dialog().getByLabel('Название документа').fill('Договор № 14');
    await dialog()
      .getByLabel('Получатель')
      .selectOption({ label: `${b.name} · ${b.inn}` });
    await dialog().getByRole('button', { name: 'Подписать и отправить сейчас' }).click();
    await expect(page.getByRole('row').filter({ hasText: 'Договор № 14' })).toContainText(/Отправлен|Доставлен/, {
      timeout: 30_000,
    });

    await page.getByRole('navigation').getByRole('button', { name: 'Архив' }).click();
    const entry = page.getByRole('row').filter({ hasText: 'dogovor-14.txt' });
    await expect(entry).toContainText('✓ Проверен', { timeout: 15_000 });
    await expect(entry).toContainText('Документ');
    await expect(page.getByText(/^Использовано [\d,]+ МБ из 5 ГБ$/)).toBeVisible();
    await expect(
      page.getByText(/^Все записи \(\d+\) проверены по подписанному оператором дереву \(записей в дереве: \d+\)\.$/),
    ).toBeVisible();
    await shot('real-archive');

    // The evidence package saved from the archive row carries the entry, its inclusion proof and the signed tree head.
    await entry.getByRole('button', { name: 'Пакет доказательств (ZIP): dogovor-14.txt' }).click();
    const zipFile = join(saved(), 'dogovor-14.txt.evidence.zip');
    await expect(entry.getByRole('status').filter({ hasText: `Сохранено: ${zipFile}` })).toBeVisible({
      timeout: 60_000,
    });
    const verdict = expectExit(await clerk(['verify-evidence', zipFile, '--profile', profA(), '--json']), 0).json;
    expect(verdict).toMatchObject({ ok: true, verdict: 'valid', failed: [] });
    expect(verdict.parts.find((p: { path: string }) => p.path === 'archive/inclusion-proof.json').message).toMatch(
      /operator-signed tree/,
    );
  });

  test('the document workflow: the counterparty asks for a signature and the clerk signs it; the clerk asks for one and gets it; an annulment proposed to us is rejected with a reason', async () => {
    test.setTimeout(240_000);
    const { writeFileSync } = await import('node:fs');
    const file = join(dir, 'dogovor-21.txt');
    writeFileSync(file, 'Договор № 21 поставки\n');
    expectExit(
      await asB(['send', file, '--to', a.inn, '--title', 'Договор № 21', '--request-signature', '--pin-stdin'], pinB),
      0,
    );

    await page.getByRole('button', { name: 'Провести сеанс обмена' }).click();
    const pendingNav = page.getByRole('navigation').getByRole('button', { name: /Ждут подписи/ });
    await expect(pendingNav.getByTestId('awaiting-count')).toHaveText('1', { timeout: 30_000 });
    await expect
      .poll(() => harness.notifications.filter((n) => n.kind === 'awaiting').map((n) => [n.title, n.body]))
      .toEqual([['Контрагент просит подписать: 1', 'Договор № 21']]);
    await pendingNav.click();
    const awaiting = page.getByRole('table', { name: 'Ждут вашей подписи или ответа' });
    await expect(awaiting.getByRole('row')).toHaveText([/Договор № 21.*Контрагент просит подписать/]);
    await awaiting.getByRole('button', { name: 'Договор № 21' }).click();
    const view = page.getByRole('dialog', { name: 'Договор № 21' });
    const state = view.getByLabel('Состояние документооборота');
    await expect(state).toHaveText('Запрошена подпись получателя');
    await expect(view.getByRole('button', { name: 'Отказать в подписи' })).toBeVisible();
    await shot('real-workflow-sign-requested');
    // The token is logged in since the receipt notice: the recipient's signature is made on it now.
    await view.getByRole('button', { name: 'Подписать документ' }).click();
    await expect(state).toHaveText('Подписан обеими сторонами', { timeout: 30_000 });
    await expect(view.locator('.signatures').getByText('✓ Подпись действительна')).toHaveCount(2);
    await expect(view.getByText(/Подписал: Иванова/)).toBeVisible();
    await expect(view.getByRole('button', { name: 'Подписать документ' })).toHaveCount(0);
    await expect(pendingNav.getByTestId('awaiting-count')).toHaveCount(0);
    await shot('real-workflow-signed');
    await view.getByRole('button', { name: 'Закрыть' }).click();
    expectExit(await asB(['session', '--pin-stdin'], pinB), 0);
    const outboxB = expectExit(await asB(['outbox', '--search', 'Договор № 21']), 0).json;
    const ours = outboxB.items.find((d: { title: string }) => d.title === 'Договор № 21');
    expect(ours).toMatchObject({ recipientSignatureState: 'signed-by-both' });

    // Our Outbox asks the counterparty to sign; its clerk signs with the CLI.
    await page.getByRole('navigation').getByRole('button', { name: 'Исходящие' }).click();
    await page.getByRole('button', { name: 'Добавить документы' }).click();
    await page.getByTestId('outbox-files').setInputFiles({
      name: 'dopsogl-3.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Дополнительное соглашение № 3\n'),
    });
    const add = page.getByRole('dialog', { name: 'Новые исходящие документы' });
    await add.getByLabel('Название документа').fill('Доп. соглашение № 3');
    await add.getByLabel('Получатель').selectOption({ label: `${b.name} · ${b.inn}` });
    await add.getByLabel('Запросить подпись получателя').check();
    await add.getByRole('button', { name: 'Подписать и отправить сейчас' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Доп. соглашение № 3' });
    await expect(row).toContainText(/Отправлен|Доставлен/, { timeout: 30_000 });
    expectExit(await asB(['session', '--pin-stdin'], pinB), 0);
    const awaitingB = expectExit(await asB(['awaiting']), 0).json;
    const toSign = awaitingB.signatureRequested.find((d: { title: string }) => d.title === 'Доп. соглашение № 3');
    expectExit(await asB(['sign-document', String(toSign.id), '--pin-stdin'], pinB), 0);
    await page.getByRole('button', { name: 'Провести сеанс обмена' }).click();
    await expect(page.getByText(/Последний сеанс: .*успешно/)).toBeVisible({ timeout: 30_000 });
    await row.click();
    const sent = page.getByRole('dialog', { name: 'Доп. соглашение № 3' });
    await expect(sent.getByLabel('Состояние документооборота')).toHaveText('Подписан обеими сторонами', {
      timeout: 30_000,
    });
    await expect(sent.getByText(/Подписал: Петров/)).toBeVisible();
    await sent.getByRole('button', { name: 'Закрыть' }).click();

    // The counterparty proposes annulling the contract we signed; we reject it, saying why.
    expectExit(await asB(['annul', String(ours.id), '--reason', 'Отправлен по ошибке', '--pin-stdin'], pinB), 0);
    await page.getByRole('button', { name: 'Провести сеанс обмена' }).click();
    await expect(pendingNav.getByTestId('awaiting-count')).toHaveText('1', { timeout: 30_000 });
    await expect
      .poll(() => harness.notifications.filter((n) => n.kind === 'awaiting').map((n) => n.title))
      .toContain('Контрагент предлагает аннулировать: 1');
    await pendingNav.click();
    await awaiting.getByRole('button', { name: 'Договор № 21' }).click();
    await expect(state).toHaveText('Подписан обеими сторонами · Предложено аннулирование (предлагает контрагент)');
    await expect(view.getByText('Отправлен по ошибке')).toBeVisible();
    await view.getByRole('button', { name: 'Отказать в аннулировании' }).click();
    const reason = page.getByRole('dialog', { name: 'Отказать в аннулировании' });
    await reason.getByLabel('Причина').fill('Договор исполняется');
    await reason.getByRole('button', { name: 'Подписать и отправить' }).click();
    await expect(state).toHaveText('Подписан обеими сторонами · В аннулировании отказано', { timeout: 30_000 });
    await shot('real-workflow-annulment-rejected');
    await view.getByRole('button', { name: 'Закрыть' }).click();
    expectExit(await asB(['session', '--pin-stdin'], pinB), 0);
    const afterB = expectExit(await asB(['outbox', '--search', 'Договор № 21']), 0).json;
    expect(afterB.items.find((d: { title: string }) => d.title === 'Договор № 21')).toMatchObject({
      recipientSignatureState: 'signed-by-both',
      annulmentState: 'annulment-rejected',
    });
  });

  test('signature checks in Settings: a bad address is refused at its field; the saved checks persist and take effect — offline, a signature carrying no status could not be checked, online it is checked through the OCSP proxy', async () => {
    test.setTimeout(240_000);
    const revocation = pki.revocation!;
    const settingsNav = page.getByRole('navigation').getByRole('button', { name: 'Настройки' });
    const checks = page.getByRole('group', { name: 'Проверка подписей' });
    const tsa = checks.getByLabel('Служба штампов времени (RFC 3161) для наших подписей');
    const crlFolder = checks.getByLabel('Папка со списками отозванных сертификатов (СОС)');
    const proxy = checks.getByLabel('Прокси OCSP (все запросы статуса сертификатов идут на этот адрес)');
    const offline = checks.getByLabel('Без сети: только сведения о статусе, встроенные в подпись, и папка СОС');
    const save = page.getByRole('button', { name: 'Сохранить', exact: true });
    const saved = () => new ProfileSettingsFile(profA()).read().signatureChecks;

    await settingsNav.click();
    await tsa.fill('tsa.romashka.local/tsp');
    await save.click();
    await expect(tsa).toHaveAccessibleDescription(
      'Служба штампов времени: нужен адрес, начинающийся с http:// или https://',
    );
    await expect(checks.getByRole('alert')).toHaveCount(1);
    await shot('real-settings-checks-refused');
    expect(saved()).toEqual({ offline: false });

    // A closed network: our own TSA (the hub's, named), a CRL folder, an OCSP proxy, offline.
    ocspProxy = await startHttpProxy({ from: '127.0.0.1' });
    ocspProxy.forwardTo([revocation.ocspUrl]);
    const folder = join(dir, 'crl-a');
    mkdirSync(folder);
    const tsaUrl = new URL('/v1/tsp', hub.url).toString();
    await tsa.fill(tsaUrl);
    await crlFolder.fill(folder);
    await proxy.fill(ocspProxy.url);
    await offline.check();
    await save.click();
    await expect(page.getByRole('status').filter({ hasText: 'Сохранено' })).toBeVisible();
    await expect(checks.getByRole('alert')).toHaveCount(0);
    expect(saved()).toEqual({ tsaUrl, crlFolder: folder, ocspProxy: ocspProxy.url, offline: true });
    await page.reload();
    await settingsNav.click();
    await expect(tsa).toHaveValue(tsaUrl);
    await expect(crlFolder).toHaveValue(folder);
    await expect(proxy).toHaveValue(ocspProxy.url);
    await expect(offline).toBeChecked();
    await shot('real-settings-checks');

    // The counterparty sends while the CA's responders are down: the hub keeps the signature as
    // CAdES-T, with no status in it. They are back before our session, but offline we do not ask.
    const { writeFileSync } = await import('node:fs');
    const file = join(dir, 'pismo-5.txt');
    writeFileSync(file, 'Письмо № 5\n');
    revocation.setAvailable(false);
    try {
      expectExit(await asB(['send', file, '--to', a.inn, '--title', 'Письмо № 5', '--pin-stdin'], pinB), 0);
    } finally {
      revocation.setAvailable(true);
    }
    await page.getByRole('navigation').getByRole('button', { name: 'Входящие' }).click();
    await page.getByRole('button', { name: 'Провести сеанс обмена' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Письмо № 5' });
    await expect(row).toContainText('Подпись не проверена', { timeout: 30_000 });
    await row.click();
    const view = page.getByRole('dialog', { name: 'Письмо № 5' });
    await expect(
      view
        .locator('.signatures')
        .getByText('? Статус сертификата пока не установлен: проверка повторится при следующем сеансе'),
    ).toBeVisible();
    await expect(
      view.locator('.signatures').getByText(/^Не удалось проверить статус сертификата на .*offline/),
    ).toBeVisible();
    await expect(view.locator('.signatures').getByText('✓ Подпись действительна')).toHaveCount(0);
    await shot('real-document-offline-unchecked');
    await view.getByRole('button', { name: 'Закрыть' }).click();
    expect([...ocspProxy.served.values()]).toEqual([]);

    // Online again: the next session asks through the proxy, and the signature is valid.
    await settingsNav.click();
    await offline.uncheck();
    await save.click();
    await expect(page.getByRole('status').filter({ hasText: 'Сохранено' })).toBeVisible();
    expect(saved()).toMatchObject({ offline: false, ocspProxy: ocspProxy.url });
    await page.getByRole('navigation').getByRole('button', { name: 'Входящие' }).click();
    await page.getByRole('button', { name: 'Провести сеанс обмена' }).click();
    await expect(row).not.toContainText('Подпись не проверена', { timeout: 30_000 });
    await row.click();
    await expect(view.locator('.signatures').getByText('✓ Подпись действительна')).toBeVisible();
    await expect(view.locator('.signatures').getByText(/^Сертификат действовал и не был отозван на /)).toContainText(
      ocspProxy.url,
    );
    expect(ocspProxy.served.get(new URL(revocation.ocspUrl).origin)).toBeGreaterThan(0);
    await view.getByRole('button', { name: 'Закрыть' }).click();
  });

  test('the session log shows the real sessions', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Журнал обмена' }).click();
    await expect(page.locator('.run').first()).toContainText('успешно');
    await shot('real-session-log');
  });
});
