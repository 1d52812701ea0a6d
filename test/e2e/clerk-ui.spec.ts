// The clerk's day in the built renderer, in Debian's Chromium: window.clerk is bound to main's
// handler registry running in this process (docs/architecture.md §10). Screenshots of every view go to
// test-results/screenshots/.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { serveFolder, type StaticServer } from '../support/static-server';
import { systemPart } from '../support/system';
import { chromiumPath } from './chromium';
import { installClerk, type ClerkHarness } from './support/clerk-page';
import { counterparties, MemoryClerk, type MemoryOptions } from './support/memory-services';

const chromium = systemPart(
  'Chromium',
  existsSync(chromiumPath),
  `no browser at ${chromiumPath}; install Debian's chromium or set EDO_CHROMIUM`,
);
const shots = 'test-results/screenshots';

/** A one-page PDF saying `text` (ASCII), with a correct cross-reference table. */
function pdfOf(text: string): Buffer {
  const stream = `BT /F1 24 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets = objects.map((o, i) => {
    const at = body.length;
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
    return at;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

async function shot(page: Page, name: string) {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: `${shots}/${name}.png` });
}

test.describe('the clerk UI', () => {
  test.skip(!chromium.ok, chromium.reason);
  // The clerk's locale: date pickers and number formats as a Russian desktop shows them.
  test.use({ locale: 'ru-RU', timezoneId: 'Europe/Moscow' });
  let server: StaticServer;
  let harness: ClerkHarness | undefined;
  let errors: string[];
  test.beforeAll(async () => {
    server = await serveFolder('out/renderer');
  });
  test.afterAll(async () => server?.close());
  test.afterEach(async () => {
    await harness?.stop();
    harness = undefined;
    expect(errors).toEqual([]);
  });

  async function open(page: Page, options: MemoryOptions = {}): Promise<MemoryClerk> {
    errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.setViewportSize({ width: 1360, height: 840 });
    const clerk = new MemoryClerk(options);
    harness = await installClerk(page, clerk.services());
    await page.goto(server.url);
    return clerk;
  }

  const dialog = (page: Page) => page.getByRole('dialog');

  async function logIn(page: Page) {
    await dialog(page).getByLabel('PIN-код').fill('12345678');
    await dialog(page).getByRole('button', { name: 'Войти' }).click();
    await expect(dialog(page)).toHaveCount(0);
  }

  test('day start: connect the token, it appears, a wrong PIN warns of the tries, then quiet', async ({ page }) => {
    const clerk = await open(page);
    await expect(dialog(page).getByText('Подключите токен')).toBeVisible();
    await shot(page, 'token-connect');

    clerk.insertToken();
    await expect(dialog(page).getByText('Найден токен «Рутокен Иванова», серийный номер 0A1B2C3D')).toBeVisible();
    await expect(dialog(page).getByText('Сертификат: Иванова Мария Петровна')).toBeVisible();
    await expect(dialog(page).getByText('Главный бухгалтер, ООО "Ромашка"')).toBeVisible();
    await shot(page, 'token-pin');

    await dialog(page).getByLabel('PIN-код').fill('0000');
    await dialog(page).getByRole('button', { name: 'Войти' }).click();
    await expect(dialog(page).getByRole('alert')).toHaveText('Неверный PIN.');
    await expect(dialog(page).getByText('Был введён неверный PIN: попыток осталось немного.')).toBeVisible();
    await shot(page, 'token-wrong-pin');

    await dialog(page).getByLabel('PIN-код').fill('12345678');
    await dialog(page).getByRole('button', { name: 'Войти' }).click();
    await expect(dialog(page).getByText('Готово: токен подключён')).toBeVisible();
    await expect(dialog(page)).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Токен: Рутокен Иванова' })).toBeVisible();

    // Quiet for the rest of the day: the window opened again asks nothing.
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Входящие' })).toBeVisible();
    await expect(dialog(page)).toHaveCount(0);
  });

  test('Cancel stays cancelled; the token button is the way back', async ({ page }) => {
    await open(page, { tokenPresent: true });
    await dialog(page).getByRole('button', { name: 'Отмена' }).click();
    await expect(dialog(page)).toHaveCount(0);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Входящие' })).toBeVisible();
    await expect(dialog(page)).toHaveCount(0);
    await page.getByRole('button', { name: 'Токен: вход отменён' }).click();
    await logIn(page);
    await expect(page.getByRole('button', { name: 'Токен: Рутокен Иванова' })).toBeVisible();
  });

  test('an incoming document arrives with its verified signature; its receipt notice waits and gets signed', async ({
    page,
  }) => {
    const clerk = await open(page, { tokenPresent: true });
    await dialog(page).getByRole('button', { name: 'Отмена' }).click();
    clerk.incoming.push({
      title: 'Счёт-фактура № 42',
      fileName: 'schet-42.xml',
      content: '<?xml version="1.0" encoding="UTF-8"?>\n<Файл ИдФайл="schet-42"><Документ Сумма="1200.00"/></Файл>\n',
      from: counterparties[0]!,
    });

    await page.getByRole('button', { name: 'Провести сеанс обмена' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Счёт-фактура № 42' });
    await expect(row).toContainText('Ждёт извещения о получении');
    await expect(page.getByRole('button', { name: /Ждут подписи\s*1/ })).toBeVisible();
    // The clerk cancelled the token prompt: no "token needed" notice nags about it.
    expect(harness!.notifications.map((n) => n.kind)).toEqual(['incoming', 'pending']);
    await shot(page, 'inbox');

    await row.click();
    await expect(dialog(page).getByText('✓ Подпись действительна')).toBeVisible();
    await expect(dialog(page).getByText('Подписал: Петров Сергей Иванович, Генеральный директор')).toBeVisible();
    await expect(dialog(page).getByText('<Документ Сумма="1200.00"/>')).toBeVisible();
    await expect(dialog(page).getByText('Подтверждение даты отправки (ПДОТПР)')).toBeVisible();
    await shot(page, 'document-view');
    await dialog(page).getByRole('button', { name: 'Закрыть' }).click();

    await page.getByRole('button', { name: /Ждут подписи/ }).click();
    const pending = page.getByRole('row').filter({ hasText: 'Счёт-фактура № 42' });
    await expect(pending).toContainText('Извещение о получении');
    await expect(pending).toContainText('нужна ваша подпись');
    await shot(page, 'pending');
    await page.getByRole('button', { name: 'Подписать все' }).click();
    // Not logged in: nothing is signed, and the prompt asks for the token.
    await expect(
      page.getByRole('alert').filter({ hasText: 'Подписано: 0, не удалось: 1 (нужно войти в токен)' }),
    ).toBeVisible();
    await logIn(page);
    await page.getByRole('checkbox', { name: 'Выбрать Счёт-фактура № 42' }).check();
    await page.getByRole('button', { name: 'Подписать выбранные (1)' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Подписано: 1, не удалось: 0' })).toBeVisible();
    await expect(page.getByText('Ничего не ждёт подписи')).toBeVisible();

    await page.getByRole('button', { name: 'Входящие' }).click();
    await expect(page.getByRole('row').filter({ hasText: 'Счёт-фактура № 42' })).toContainText(
      'Извещение о получении отправлено',
    );
  });

  test('a file dropped into the Outbox is signed on the token and sent now', async ({ page }) => {
    await open(page, { tokenPresent: true });
    await logIn(page);
    await page.getByRole('button', { name: 'Исходящие' }).click();
    await page.getByRole('button', { name: 'Добавить документы' }).click();
    await page
      .getByTestId('outbox-files')
      .setInputFiles({ name: 'akt-sverki.pdf', mimeType: 'application/pdf', buffer: pdfOf('Akt sverki za noyabr') });
    await expect(dialog(page).getByLabel('Название документа')).toHaveValue('akt-sverki');
    await dialog(page).getByLabel('Название документа').fill('Акт сверки за ноябрь');
    await dialog(page).getByLabel('Получатель').selectOption({ label: 'АО "Василёк" · 7802345676' });
    await shot(page, 'outbox-add');
    await dialog(page).getByRole('button', { name: 'Подписать и отправить сейчас' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Подписано и добавлено в исходящие: 1.' })).toBeVisible();
    const row = page.getByRole('row').filter({ hasText: 'Акт сверки за ноябрь' });
    await expect(row).toContainText('Доставлен');
    await shot(page, 'outbox');
    await row.click();
    await expect(dialog(page).getByTitle('akt-sverki.pdf')).toBeVisible();
    await expect(dialog(page).getByText('Подписал: Иванова Мария Петровна, Главный бухгалтер')).toBeVisible();
    await page.waitForTimeout(1500); // the PDF viewer draws after the frame loads: for the screenshot only
    await shot(page, 'document-view-pdf');
  });

  test('100,000 documents: the Inbox scrolls and filters', async ({ page }) => {
    await open(page, { generated: 100_000, tokenPresent: true });
    await dialog(page).getByRole('button', { name: 'Отмена' }).click();
    await expect(page.getByRole('status').filter({ hasText: /^Найдено: 100\s000$/ })).toBeVisible();
    await expect(page.getByRole('row').nth(1)).toContainText('№ 100000');
    await shot(page, 'inbox-100k');

    await page.locator('.scroller').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect(page.getByRole('cell', { name: 'in_1.pdf', exact: true })).toBeVisible();

    await page.getByRole('searchbox').fill('Акт сверки');
    await expect(page.getByRole('status').filter({ hasText: /^Найдено: 14\s286$/ })).toBeVisible();
    await page.getByLabel('Контрагент', { exact: true }).selectOption({ label: 'АО "Василёк"' });
    await page.getByLabel('Статус', { exact: true }).selectOption({ label: 'Извещение о получении отправлено' });
    await page.getByLabel('С', { exact: true }).fill('2024-01-01');
    await page.getByLabel('По', { exact: true }).fill('2024-01-31');
    await expect(page.getByRole('status').filter({ hasText: /Найдено: \d+/ })).not.toHaveText(/^Найдено: 14\s286$/);
    const rows = page.getByRole('row').filter({ hasText: 'Акт сверки' });
    await expect(rows.first()).toContainText('АО "Василёк"');
    await expect(rows.first()).toContainText('Извещение о получении отправлено');
    await shot(page, 'inbox-filtered');
  });

  test('the built page opened by itself says where it runs, without a script error', async ({ page }) => {
    errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url); // no window.clerk installed
    await expect(
      page.getByText('она работает внутри настольного приложения EDO Clerk или в браузере через «edo-clerk web»'),
    ).toBeVisible();
    await expect(
      page.getByText('it runs inside the EDO Clerk desktop app, or in a browser through "edo-clerk web"'),
    ).toBeVisible();
    expect(errors).toEqual([]);
  });

  test.describe('on a browser whose own locale is English', () => {
    test.use({ locale: 'en-US' });

    test('the date filters read and write dates as the app’s language does, not as the browser’s', async ({ page }) => {
      await open(page, { generated: 1000, tokenPresent: true });
      await dialog(page).getByRole('button', { name: 'Отмена' }).click();
      expect(await page.evaluate(() => navigator.language)).toBe('en-US');
      await expect(page.locator('html')).toHaveAttribute('lang', 'ru');
      const from = page.getByLabel('С', { exact: true });
      await expect(from).toHaveAttribute('placeholder', 'ДД.ММ.ГГГГ');
      await expect(page.getByRole('status').filter({ hasText: /^Найдено: 1\s000$/ })).toBeVisible();
      await from.fill('01.01.2099');
      await expect(page.getByRole('status').filter({ hasText: /^Найдено: 0$/ })).toBeVisible();
      await from.fill('31.02.2099'); // no such day: marked, and the filter keeps its last date
      await expect(from).toHaveAttribute('aria-invalid', 'true');
      await expect(page.getByRole('status').filter({ hasText: /^Найдено: 0$/ })).toBeVisible();
      await from.fill('2.1.2099');
      await expect(from).toHaveValue('02.01.2099');
      await expect(from).not.toHaveAttribute('aria-invalid');
      await shot(page, 'date-filter-ru');

      await page.getByRole('button', { name: 'English' }).click();
      await expect(page.locator('html')).toHaveAttribute('lang', 'en');
      const fromEn = page.getByLabel('From', { exact: true });
      await expect(fromEn).toHaveValue('02/01/2099');
      await expect(fromEn).toHaveAttribute('placeholder', 'DD/MM/YYYY');
      await fromEn.fill('');
      await expect(page.getByRole('status').filter({ hasText: /1,000/ })).toBeVisible();
      await page.getByRole('button', { name: 'Русский' }).click();
    });
  });

  test('contacts: accept an invitation, find a subscriber and invite it', async ({ page }) => {
    await open(page, { tokenPresent: true });
    await dialog(page).getByRole('button', { name: 'Отмена' }).click();
    await page.getByRole('button', { name: 'Контакты' }).click();
    const invites = page.getByRole('row').filter({ hasText: 'ПАО "Колокольчик"' });
    await expect(invites).toContainText('приглашает нас');
    await invites.getByRole('button', { name: 'Принять' }).click();
    await expect(invites).toContainText('подключён');
    await page.getByRole('searchbox', { name: 'Название организации или ИНН' }).fill('Ромашка-2');
    await page.getByRole('button', { name: 'Найти' }).click();
    await page.getByRole('table', { name: 'Справочник абонентов' }).getByRole('button', { name: 'Пригласить' }).click();
    await expect(page.getByRole('row').filter({ hasText: 'ООО "Ромашка-2"' }).first()).toContainText(
      'приглашение отправлено',
    );
    await shot(page, 'contacts');
  });

  test('the session log shows a live progress bar, and a failed session is noticed', async ({ page }) => {
    const clerk = await open(page, { tokenPresent: true, stepMs: 500 });
    await logIn(page);
    await page.getByRole('button', { name: 'Журнал обмена' }).click();
    await page.getByRole('button', { name: 'Провести сеанс обмена' }).click();
    await expect(page.locator('.live-progress progress')).toBeVisible();
    await expect(page.locator('.live-progress')).toContainText(/Идёт сеанс обмена: .+, [1-9]\d*%/);
    await shot(page, 'session-progress');
    await expect(page.locator('.live-progress')).toHaveCount(0, { timeout: 10_000 });
    await expect(page.locator('.run').first()).toContainText('вручную · успешно');

    clerk.failNext = 'Сервер обмена не отвечает: connect ECONNREFUSED 127.0.0.1:8443';
    await page.getByRole('button', { name: 'Провести сеанс обмена' }).click();
    await expect(page.locator('.run').first()).toContainText('вручную · ошибка', { timeout: 10_000 });
    await expect(page.locator('.run').first()).toContainText('ECONNREFUSED');
    expect(harness!.notifications.map((n) => n.kind)).toContain('failed');
    expect(harness!.main.trayState()).toBe('error');
    await shot(page, 'session-log');
  });

  test('settings: schedule, keychain password, start at login, and English', async ({ page }) => {
    const clerk = await open(page, { tokenPresent: true });
    await dialog(page).getByRole('button', { name: 'Отмена' }).click();
    await page.getByRole('button', { name: 'Настройки' }).click();
    await expect(page.getByText('Рабочее место: обмен в фоне по расписанию')).toBeVisible();
    await page.getByLabel('Интервал фонового обмена, минут').fill('30');
    await page.getByLabel('Запускать при входе в систему').uncheck();
    await page.getByRole('button', { name: 'Сохранить', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Сохранено' })).toBeVisible();
    expect(clerk.settingsValue.scheduleMinutes).toBe(30);
    expect(harness!.startAtLogin).toEqual([false]);

    await page.getByLabel('Пароль служебного пользователя').fill('s3cret');
    await page.getByRole('button', { name: 'Сохранить пароль в хранилище ОС' }).click();
    await expect(page.getByText('Пароль хранится в хранилище паролей ОС').last()).toBeVisible();
    await shot(page, 'settings');

    await page.getByLabel('Язык').selectOption('en');
    await page.getByRole('button', { name: 'Сохранить', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Inbox' })).toBeVisible();
    await shot(page, 'settings-en');
  });

  test('the archive: usage against the quota, each entry verified (an altered one named), an original saved with its signatures', async ({
    page,
  }) => {
    const folder = mkdtempSync(join(tmpdir(), 'clerk-ui-archive-'));
    try {
      errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.setViewportSize({ width: 1360, height: 840 });
      const clerk = new MemoryClerk({ tokenPresent: true, mode: 'server' });
      clerk.archive.tampered.add(2);
      clerk.archive.notArchived.push({
        fileName: 'Годовой отчёт 2025.pdf',
        size: 48 * 1024 ** 2,
        refusedAt: '2026-11-21T15:20:00.000Z',
        reason: 'the archive quota of 5 GB would be exceeded',
      });
      harness = await installClerk(page, clerk.services(), { chooseFolder: async () => folder });
      await page.goto(server.url);
      await page.getByRole('navigation').getByRole('button', { name: 'Архив' }).click();
      await expect(page.getByText('Использовано 209,59 МБ из 5 ГБ')).toBeVisible();
      await expect(page.getByText('Не прошли проверку: 1 из 5. Архив на сервере изменён.')).toBeVisible();
      const altered = page.getByRole('row').filter({ hasText: 'Счёт-фактура № 501.pdf' });
      await expect(altered).toContainText('✗ Не прошёл проверку');
      await expect(altered).toContainText('entry-changed');
      await expect(page.getByRole('row').filter({ hasText: '✓ Проверен' })).toHaveCount(4);
      await expect(page.getByText(/Годовой отчёт 2025\.pdf/)).toBeVisible();
      await shot(page, 'archive');

      await page.getByRole('button', { name: 'Скачать с подписями: Договор поставки № 12.pdf' }).click();
      const file = join(folder, 'Договор поставки № 12.pdf');
      await expect(
        page.getByRole('status').filter({ hasText: `Сохранено: ${file} и файлы подписей (2)` }),
      ).toBeVisible();
      expect(readFileSync(file, 'utf8')).toBe('Договор поставки № 12.pdf\n');
      expect(existsSync(`${file}.1.sig`) && existsSync(`${file}.2.sig`)).toBe(true);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('organization settings with the journal: switching archiving off is journaled old → new; without the right, a refusal', async ({
    page,
  }) => {
    const clerk = await open(page, { tokenPresent: true, mode: 'server' });
    await page.getByRole('navigation').getByRole('button', { name: 'Организация' }).click();
    await expect(page.getByRole('heading', { name: 'Настройки организации' })).toBeVisible();
    await page.getByLabel('Архивировать всё, что подписывают сотрудники организации').uncheck();
    await page.getByLabel('Тариф').selectOption('premium');
    await page.getByRole('button', { name: 'Сохранить', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Настройки организации сохранены' })).toBeVisible();
    expect(clerk.archive.settings).toMatchObject({ plan: 'premium', archiving: { enabled: false } });
    const journal = page.getByRole('table', { name: 'Журнал изменений' });
    await expect(journal.getByRole('row').filter({ hasText: 'archiving.enabled' }).first()).toContainText(
      'true → false',
    );
    await expect(journal.getByRole('row').filter({ hasText: 'plan' })).toContainText('"standard" → "premium"');
    await page.getByRole('button', { name: 'Закрыть' }).click();
    await shot(page, 'organization');
    await journal.scrollIntoViewIfNeeded();
    await shot(page, 'organization-journal');

    clerk.archive.allowed = false;
    await page.getByRole('navigation').getByRole('button', { name: 'Архив' }).click();
    await page.getByRole('navigation').getByRole('button', { name: 'Организация' }).click();
    await expect(page.getByText(/доступны только пользователям с правом «менять настройки организации»/)).toBeVisible();
    await expect(page.getByLabel('Тариф')).toHaveCount(0);
    expect(clerk.archive.journal.at(-1)).toMatchObject({ action: 'settings.read', outcome: 'refused' });
  });
});
