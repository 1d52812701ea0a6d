// Runs in: the renderer (vitest with jsdom).
// The Archive and Organization settings views in jsdom, with window.clerk bound straight to
// main's handler registry over the in-memory services (test/e2e/support/renderer-harness.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../../main/handlers';
import { MemoryClerk } from '../../../test/e2e/support/memory-services';
import { mountApp, unmountApp } from '../../../test/e2e/support/renderer-harness';

async function mount(prepare: (clerk: MemoryClerk) => void = () => {}, platform: Partial<Platform> = {}) {
  const clerk = new MemoryClerk({ tokenPresent: true, mode: 'server' });
  prepare(clerk);
  return { clerk, ...(await mountApp(clerk, platform)) };
}

const nav = (name: string) => fireEvent.click(within(screen.getByRole('navigation')).getByRole('button', { name }));

afterEach(unmountApp);

describe('the Archive view', () => {
  it('shows "used X MB of Y GB", verifies every entry on opening, and names the one that failed', async () => {
    const { clerk } = await mount((c) => c.archive.tampered.add(2));
    nav('Архив');
    expect(await screen.findByText('Использовано 209,59 МБ из 5 ГБ')).toBeTruthy();
    const bar = screen.getByRole('progressbar', { name: 'Заполнение архива' });
    expect(bar.getAttribute('value')).toBe(String(clerk.archive.usedBytes));
    expect(bar.getAttribute('max')).toBe(String(5 * 1024 ** 3));
    const table = screen.getByRole('table', { name: 'Архив подписанных документов' });
    expect(await screen.findByText('Не прошли проверку: 1 из 5. Архив на сервере изменён.')).toBeTruthy();
    const failed = within(table).getByRole('row', { name: /Счёт-фактура № 501\.pdf/ });
    expect(within(failed).getByText('✗ Не прошёл проверку')).toBeTruthy();
    expect(within(failed).getByText(/entry-changed/)).toBeTruthy();
    expect(within(table).getAllByText('✓ Проверен')).toHaveLength(4);
    expect(within(table).getByRole('row', { name: /DP_IZVPOL/ }).textContent).toContain('Извещение о получении');
    expect(
      screen.getByText(/Дерево архива согласовано со всеми виденными ранее \(последнее: записей — 1288, подписано/),
    ).toBeTruthy();
  });

  it('lists what did not fit the quota, and an empty archive says where archiving is switched on', async () => {
    await mount((c) => {
      c.archive.entries.splice(0);
      c.archive.usedBytes = 5 * 1024 ** 3;
      c.archive.notArchived.push({
        fileName: 'Большой отчёт.pdf',
        size: 3 * 1024 ** 2,
        refusedAt: '2026-11-21T10:00:00.000Z',
        reason: 'the archive quota of 5 GB is used up',
      });
    });
    nav('Архив');
    expect(await screen.findByText('Использовано 5 120 МБ из 5 ГБ')).toBeTruthy();
    const refused = screen.getByRole('alert');
    expect(within(refused).getByText('Не поместились в квоту и не заархивированы')).toBeTruthy();
    expect(within(refused).getByText(/Большой отчёт\.pdf .*the archive quota of 5 GB is used up/)).toBeTruthy();
    expect(
      screen.getByText('В архиве пока нет документов. Архивирование включается в настройках организации.'),
    ).toBeTruthy();
  });

  it('downloads an original with its signatures through main (the folder comes from main’s dialog)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'archive-view-'));
    try {
      const { calls } = await mount(() => {}, { chooseFolder: async () => dir });
      nav('Архив');
      fireEvent.click(await screen.findByRole('button', { name: 'Скачать с подписями: Договор поставки № 12.pdf' }));
      const file = join(dir, 'Договор поставки № 12.pdf');
      expect(await screen.findByText(`Сохранено: ${file} и файлы подписей (2)`)).toBeTruthy();
      expect(readFileSync(`${file}.2.sig`, 'utf8')).toBe('CMS 0.1');
      expect(calls.filter((c) => c.channel === 'archive:download')).toEqual([
        { channel: 'archive:download', args: { index: 0 } },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the Organization settings view', () => {
  it('shows plan, mode, archiving, access, information systems, webhooks and the journal; a change goes into the journal old → new', async () => {
    const { clerk } = await mount();
    nav('Организация');
    expect(await screen.findByRole('heading', { name: 'Настройки организации' })).toBeTruthy();
    expect((screen.getByLabelText('Тариф') as HTMLSelectElement).value).toBe('standard');
    expect((screen.getByLabelText('Режим работы') as HTMLSelectElement).value).toBe('workstation');
    const enabled = screen.getByLabelText(
      'Архивировать всё, что подписывают сотрудники организации',
    ) as HTMLInputElement;
    expect(enabled.checked).toBe(true);
    expect(screen.getByText('1С:Бухгалтерия')).toBeTruthy();
    expect(screen.getByText('https://erp.romashka.ru/edo/events')).toBeTruthy();
    expect(screen.getByText('Иванова Мария Петровна (вы)')).toBeTruthy();
    expect((screen.getByLabelText('user-sidorov: Видеть их в списках') as HTMLInputElement).checked).toBe(true);

    fireEvent.click(enabled);
    fireEvent.change(screen.getByLabelText('E-mail для уведомлений архива'), { target: { value: 'arch@romashka.ru' } });
    fireEvent.click(screen.getByRole('button', { name: 'Сохранить' }));
    expect(await screen.findByText('Настройки организации сохранены')).toBeTruthy();
    expect(clerk.archive.settings.archiving).toMatchObject({ enabled: false, notifyEmail: 'arch@romashka.ru' });
    const journal = screen.getByRole('table', { name: 'Журнал изменений' });
    await waitFor(() => expect(within(journal).getAllByRole('row')).toHaveLength(4));
    const rows = within(journal).getAllByRole('row');
    // Newest first: the e-mail, then the switch, then the operator's switch of long ago.
    expect(rows[1]!.textContent).toContain('archiving.notifyEmail');
    expect(rows[1]!.textContent).toContain('"archive@romashka.ru" → "arch@romashka.ru"');
    expect(rows[2]!.textContent).toContain('true → false');
    expect(rows[2]!.textContent).toContain('Иванова Мария Петровна (вы)');
    expect(rows[3]!.textContent).toContain('operator');
  });

  it('saves the access table as the clerk ticked it', async () => {
    const { clerk } = await mount();
    nav('Организация');
    const box = (await screen.findByLabelText(
      'user-sidorov: Читать документы с ограниченным доступом',
    )) as HTMLInputElement;
    const save = screen.getByRole('button', { name: 'Сохранить права' }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    fireEvent.click(box);
    expect(save.disabled).toBe(false);
    fireEvent.click(save);
    await screen.findByText('Настройки организации сохранены');
    expect(clerk.archive.settings.access.find((u) => u.userId === 'user-sidorov')?.permissions).toEqual([
      'list-restricted',
      'read-restricted',
    ]);
    expect(clerk.archive.journal.at(-1)).toMatchObject({ action: 'access', outcome: 'applied' });
  });

  it('a user without the right sees the refusal, not the settings', async () => {
    const { clerk } = await mount((c) => (c.archive.allowed = false));
    nav('Организация');
    expect(
      await screen.findByText(/доступны только пользователям с правом «менять настройки организации»/),
    ).toBeTruthy();
    expect(screen.queryByLabelText('Тариф')).toBeNull();
    expect(screen.queryByRole('table')).toBeNull();
    expect(clerk.archive.journal.at(-1)).toMatchObject({ action: 'settings.read', outcome: 'refused' });
  });

  it('speaks English too', async () => {
    await mount((c) => (c.settingsValue.language = 'en'));
    await screen.findByRole('button', { name: 'Русский' });
    nav('Archive');
    expect(await screen.findByText('Used 209.59 MB of 5 GB')).toBeTruthy();
    expect(
      await screen.findByText('All 5 entries verified against the operator-signed tree of 1288 entries.'),
    ).toBeTruthy();
    nav('Organization');
    expect(await screen.findByRole('heading', { name: 'Journal of changes' })).toBeTruthy();
    expect(screen.getByLabelText('Archive everything the organization’s employees sign')).toBeTruthy();
  });
});
