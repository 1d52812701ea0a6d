// Runs in: jsdom (vitest), as the renderer; main’s handlers run in the same process.
// The renderer in jsdom, with window.clerk bound straight to main's handler registry over
// in-memory services (the same registry the Electron preload and the e2e bindings reach).
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../main/handlers';
import { MemoryClerk, type MemoryOptions } from '../../test/e2e/support/memory-services';
import { mountApp, unmountApp } from '../../test/e2e/support/renderer-harness';
import { useClerk } from './store';

async function mount(options: MemoryOptions = {}, platform: Partial<Platform> = {}) {
  const clerk = new MemoryClerk(options);
  return { clerk, ...(await mountApp(clerk, platform)) };
}

// jsdom lays nothing out: give the table's scroller the size of a real window.
beforeAll(() => {
  for (const [property, size] of [
    ['clientHeight', 600],
    ['clientWidth', 1100],
    ['offsetHeight', 600],
    ['offsetWidth', 1100],
  ] as const) {
    const real =
      Object.getOwnPropertyDescriptor(HTMLElement.prototype, property) ??
      Object.getOwnPropertyDescriptor(Element.prototype, property);
    Object.defineProperty(HTMLElement.prototype, property, {
      configurable: true,
      get(this: HTMLElement) {
        return this.classList.contains('scroller') ? size : (real?.get?.call(this) ?? 0);
      },
    });
  }
});

afterEach(unmountApp);

describe('the clerk window', () => {
  it('asks for the token at the start of the day, names it and its owner, warns of a wrong PIN, and Cancel closes it for good', async () => {
    const { clerk } = await mount();
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Подключите токен')).toBeTruthy();
    act(() => clerk.insertToken());
    await within(dialog).findByText('Найден токен «Рутокен Иванова», серийный номер 0A1B2C3D');
    expect(within(dialog).getByText('Сертификат: Иванова Мария Петровна')).toBeTruthy();
    fireEvent.change(within(dialog).getByLabelText('PIN-код'), { target: { value: '1111' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Войти' }));
    expect(await within(dialog).findByText('Неверный PIN.')).toBeTruthy();
    expect(within(dialog).getByText('Был введён неверный PIN: попыток осталось немного.')).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Отмена' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(await screen.findByRole('button', { name: 'Токен: вход отменён' })).toBeTruthy();
  });

  it('names the day’s МЧД at the token prompt, warns that it ends soon, and stays open on the hub’s revocation', async () => {
    const number = '0b0e5a43-1c1d-4a8e-9d3f-2c7a5b6e8f90';
    const attached = {
      state: 'expiring' as const,
      number,
      principal: 'ООО "Ромашка"',
      validUntil: '2026-12-13',
      daysLeft: 10,
      checkedAtHub: false,
    };
    await mount({ tokenPresent: true, powerOfAttorney: { attached, atHub: 'revoked' } });
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText(`Подпись по МЧД № ${number}: доверитель ООО "Ромашка", действует до 13.12.2026`),
    ).toBeTruthy();
    expect(within(dialog).getByRole('alert').textContent).toBe(
      'Срок МЧД истекает через 10 дн., 13.12.2026: попросите руководителя выдать новую и подключите её заранее.',
    );
    fireEvent.change(within(dialog).getByLabelText('PIN-код'), { target: { value: '12345678' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Войти' }));
    await within(dialog).findByText('Готово: токен подключён, PIN больше не спросим до конца дня.');
    expect(within(dialog).getByRole('alert').textContent).toMatch(/^МЧД отозвана доверителем/);
  });

  it('shows a 100,000-row Inbox by asking for one page, and filters through main', { timeout: 30_000 }, async () => {
    const { calls } = await mount({ generated: 100_000, tokenPresent: true });
    fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Отмена' }));
    const table = await screen.findByRole('table', { name: 'Входящие' });
    await within(table).findByText('Письмо № 100000', {}, { timeout: 5000 });
    expect(table.getAttribute('aria-rowcount')).toBe('100000');
    // Only the rows in view exist in the page.
    expect(within(table).getAllByRole('row').length).toBeLessThan(60);
    const lists = calls.filter(
      (c) => c.channel === 'documents:list' && (c.args as { direction: string }).direction === 'in',
    );
    expect(lists.map((c) => (c.args as { offset: number }).offset)).toEqual([0]);

    fireEvent.change(screen.getByLabelText('Статус'), { target: { value: 'clarification-sent' } });
    await within(table).findByText('Акт выполненных работ № 99995', {}, { timeout: 5000 });
    expect(calls.at(-1)?.args).toMatchObject({ direction: 'in', status: 'clarification-sent', offset: 0 });
    expect(screen.getByText(/Найдено: 20\s000/)).toBeTruthy();
  });

  it("shows each signature's certificate status line in the document view, in Russian and in English", async () => {
    const { clerk } = await mount({ tokenPresent: true });
    fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Отмена' }));
    clerk.addIncoming(
      'Счёт № 41',
      'schet-41.txt',
      'Счёт',
      clerk.documents[0]?.row.counterparty ?? { id: 's', name: 'ООО', inn: '7707083893' },
      '2026-12-02T10:15:00.000Z',
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Провести сеанс обмена' }));
    fireEvent.click(await screen.findByText('Счёт № 41', {}, { timeout: 5000 }));
    const view = await screen.findByRole('dialog');
    expect(
      await within(view).findByText(
        /^Сертификат действовал и не был отозван на 02\.12\.2026 10:15 UTC \(OCSP CN=УЦ ОЦСП, embedded, 02\.12\.2026 10:15 UTC\); время подписи подтверждено штампом времени CN=TSA оператора$/,
      ),
    ).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'English' }));
    expect(
      await within(view).findByText(
        /^The certificate was valid and not revoked at 02\.12\.2026 10:15 UTC \(OCSP CN=УЦ ОЦСП, embedded/,
      ),
    ).toBeTruthy();
    expect(within(view).getByText(/^Checked /)).toBeTruthy();
  });

  it('switches to English and back', async () => {
    await mount({ mode: 'server' });
    expect(await screen.findByRole('heading', { level: 1, name: 'EDO Clerk — делопроизводитель' })).toBeTruthy();
    // In server mode the agent signs: no token prompt at the start of the day.
    expect(screen.queryByRole('dialog')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'English' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'EDO Clerk — document clerk' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Outbox' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Русский' }));
    expect(await screen.findByRole('button', { name: 'Исходящие' })).toBeTruthy();
  });

  it('goes where main says (a notification click)', async () => {
    const { main } = await mount({ mode: 'server' });
    await screen.findByRole('heading', { name: 'Входящие' });
    act(() => main.openView('pending'));
    expect(
      await screen.findByRole('heading', { name: 'Служебные документы, которые ждут нашей подписи' }),
    ).toBeTruthy();
  });
});

describe('first start', () => {
  it('without an exchange server, points to Settings', async () => {
    await mount({ mode: 'server' });
    await screen.findByRole('heading', { name: 'Входящие' });
    act(() => useClerk.getState().setSettings({ ...useClerk.getState().settings!, serverUrl: '' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Указать в настройках' }));
    expect(await screen.findByRole('heading', { name: 'Настройки' })).toBeTruthy();
    expect(screen.queryByText(/Сервер обмена ещё не указан/)).toBeNull();
  });

  it('offers the local sandbox: main starts it, the settings follow, and the clerk is told what comes next', async () => {
    let started = 0;
    const { clerk } = await mount(
      { mode: 'server' },
      {
        startSandbox: async () => {
          started++;
          await clerk.services().settings.set({ serverUrl: 'http://127.0.0.1:41999' });
        },
      },
    );
    await screen.findByRole('heading', { name: 'Входящие' });
    await clerk.services().settings.set({ serverUrl: '' });
    act(() => useClerk.getState().setSettings({ ...useClerk.getState().settings!, serverUrl: '' }));
    expect(screen.getByText(/юридической силы не имеют/)).toBeTruthy();
    fireEvent.click(await screen.findByRole('button', { name: 'Попробовать в локальной песочнице' }));
    expect(await screen.findByText(/Песочница запущена/)).toBeTruthy();
    expect(started).toBe(1);
    expect(useClerk.getState().settings?.serverUrl).toBe('http://127.0.0.1:41999');
    expect(screen.queryByText(/Сервер обмена ещё не указан/)).toBeNull();
  });

  it('says so when this build cannot run the sandbox', async () => {
    const { clerk } = await mount({ mode: 'server' });
    await screen.findByRole('heading', { name: 'Входящие' });
    await clerk.services().settings.set({ serverUrl: '' });
    act(() => useClerk.getState().setSettings({ ...useClerk.getState().settings!, serverUrl: '' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Попробовать в локальной песочнице' }));
    expect(await screen.findByRole('alert')).toHaveProperty(
      'textContent',
      expect.stringContaining('The local sandbox is not available in this build'),
    );
    expect(screen.getByText(/Сервер обмена ещё не указан/)).toBeTruthy();
  });
});
