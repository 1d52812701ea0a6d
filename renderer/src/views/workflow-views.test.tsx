// Runs in: jsdom (vitest), as the renderer; main's handlers run in the same process over the
// in-memory services, which judge steps with the one transition function as the core does.
// What the clerk sees of the document's own workflow: the sidebar's count, the list of what
// awaits, the state line, the buttons the state allows, the reason dialog, the Outbox option.
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { clerksPowerOfAttorney, counterparties, MemoryClerk } from '../../../test/e2e/support/memory-services';
import { mountApp, unmountApp } from '../../../test/e2e/support/renderer-harness';
import { useClerk } from '../store';

afterEach(unmountApp);

async function withIncoming(signatureRequested: boolean) {
  const clerk = new MemoryClerk({ mode: 'manual', tokenPresent: true });
  const { main } = await mountApp(clerk);
  fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Отмена' }));
  clerk.incoming.push({
    title: 'Договор поставки № 5',
    fileName: 'dogovor.txt',
    content: 'Договор поставки',
    from: counterparties[0]!,
    signatureRequested,
  });
  const session = async () => {
    await act(async () => {
      await main.dispatch('session:run', undefined);
      await main.scheduler.idle();
    });
  };
  await session();
  return { clerk, main, session };
}

/** From the list of what awaits the clerk, in Pending. */
const openAwaiting = async (title: string) => {
  fireEvent.click(screen.getByRole('button', { name: /^Ждут подписи/ }));
  fireEvent.click(
    within(await screen.findByRole('table', { name: 'Ждут вашей подписи или ответа' })).getByRole('button', {
      name: title,
    }),
  );
  return screen.findByRole('dialog', { name: title });
};
const stateLine = (view: HTMLElement) => within(view).getByLabelText('Состояние документооборота');
const login = async () => {
  const prompt = await screen.findByRole('dialog', { name: /токен/i });
  fireEvent.change(within(prompt).getByLabelText('PIN-код'), { target: { value: '12345678' } });
  fireEvent.click(within(prompt).getByRole('button', { name: 'Войти' }));
  await waitFor(() => expect(screen.queryByLabelText('PIN-код')).toBeNull());
};

describe('the document workflow on the desktop', () => {
  it('a document the counterparty asks to sign is counted in the sidebar and listed; the clerk signs it with the token, and both signatures show', async () => {
    const { session } = await withIncoming(true);
    expect((await screen.findByTestId('awaiting-count')).textContent).toBe('1');
    fireEvent.click(screen.getByRole('button', { name: /^Ждут подписи/ }));
    const list = await screen.findByRole('table', { name: 'Ждут вашей подписи или ответа' });
    expect(within(list).getByRole('row').textContent).toBe(
      'Договор поставки № 5АО "Василёк"Контрагент просит подписать',
    );
    const view = await openAwaiting('Договор поставки № 5');
    expect(stateLine(view).textContent).toBe('Запрошена подпись получателя');
    expect(
      within(view)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(expect.arrayContaining(['Подписать документ', 'Отказать в подписи', 'Предложить аннулировать']));
    expect(within(view).queryByRole('button', { name: 'Согласиться на аннулирование' })).toBeNull();

    // Not logged in: nothing is signed, the token prompt opens.
    fireEvent.click(within(view).getByRole('button', { name: 'Подписать документ' }));
    expect((await within(view).findByRole('alert')).textContent).toBe(
      'Не подписано (нужно войти в токен): подключите токен и нажмите ещё раз.',
    );
    await login();
    fireEvent.click(within(view).getByRole('button', { name: 'Подписать документ' }));
    await within(view).findByText('«Подписать документ»: подписано, отправляем.');
    await waitFor(() => expect(screen.queryByTestId('awaiting-count')).toBeNull());
    await session();
    await waitFor(() => expect(stateLine(view).textContent).toBe('Подписан обеими сторонами'));
    expect(within(view).queryByRole('button', { name: 'Подписать документ' })).toBeNull();
    expect(within(view).getByRole('button', { name: 'Предложить аннулировать' })).toBeTruthy();
    expect(
      within(view)
        .getAllByText(/^Подписал: /)
        .map((p) => p.textContent),
    ).toEqual([
      'Подписал: Петров Сергей Иванович, Генеральный директор',
      'Подписал: Иванова Мария Петровна, Главный бухгалтер',
    ]);
    // The countersignature names the МЧД it was made under, with its status at the signing time.
    expect(
      within(view).getByText(
        `По МЧД № ${clerksPowerOfAttorney.number} (доверитель ИНН ${clerksPowerOfAttorney.principalInn}, срок 01.12.2026 – 31.12.2027); на момент подписи МЧД действовала`,
      ),
    ).toBeTruthy();
  });

  it('a refusal asks for its reason in a dialog, and the reason shows with the refusal', async () => {
    const { clerk, session } = await withIncoming(true);
    await clerk.services().token.login('12345678');
    const view = await openAwaiting('Договор поставки № 5');
    fireEvent.click(within(view).getByRole('button', { name: 'Отказать в подписи' }));
    const dialog = await screen.findByRole('dialog', { name: 'Отказать в подписи' });
    const submit = within(dialog).getByRole('button', { name: 'Подписать и отправить' });
    expect(submit).toHaveProperty('disabled', true);
    fireEvent.change(within(dialog).getByLabelText('Причина'), { target: { value: 'Цена не согласована' } });
    fireEvent.click(submit);
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Отказать в подписи' })).toBeNull());
    await session();
    await waitFor(() => expect(stateLine(view).textContent).toBe('Получатель отказал в подписи'));
    const refusal = within(view).getByText('Отказ в подписи (УОУ)').closest('li')!;
    expect(refusal.textContent).toContain('Цена не согласована');
    expect(within(view).queryByRole('button', { name: 'Подписать документ' })).toBeNull();
  });

  it('an annulment the counterparty proposes is told in the state line and answered by accepting it', async () => {
    const { clerk, session } = await withIncoming(false);
    await clerk.services().token.login('12345678');
    const id = clerk.documents.find((d) => d.row.title === 'Договор поставки № 5')!.row.id;
    clerk.proposeAnnulmentByCounterparty(id, 'Отправлен по ошибке');
    await session();
    expect((await screen.findByTestId('awaiting-count')).textContent).toBe('1');
    const view = await openAwaiting('Договор поставки № 5');
    expect(stateLine(view).textContent).toBe('Предложено аннулирование (предлагает контрагент)');
    expect(within(view).queryByRole('button', { name: 'Подписать документ' })).toBeNull();
    fireEvent.click(within(view).getByRole('button', { name: 'Согласиться на аннулирование' }));
    await within(view).findByText('«Согласиться на аннулирование»: подписано, отправляем.');
    await session();
    await waitFor(() => expect(stateLine(view).textContent).toBe('Аннулирован'));
    expect(within(view).queryAllByRole('button', { name: /аннулир|Подписать/ })).toEqual([]);
  });

  it('the Outbox sends with "request the recipient\'s signature", and the sender sees it requested', async () => {
    const clerk = new MemoryClerk({ mode: 'manual', tokenPresent: true });
    await clerk.services().token.login('12345678');
    await mountApp(clerk);
    fireEvent.click(await screen.findByRole('button', { name: 'Исходящие' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Добавить документы' }));
    const dialog = await screen.findByRole('dialog', { name: 'Новые исходящие документы' });
    fireEvent.change(screen.getByTestId('outbox-files'), {
      target: { files: [new File(['Дополнительное соглашение'], 'dopsogl.txt', { type: 'text/plain' })] },
    });
    fireEvent.change(within(dialog).getByLabelText('Получатель'), { target: { value: counterparties[0]!.id } });
    fireEvent.click(within(dialog).getByLabelText('Запросить подпись получателя'));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Подписать и отправить сейчас' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Новые исходящие документы' })).toBeNull());
    // jsdom lays out no rows of the virtual Outbox table: the document is opened as its row's click does.
    act(() => useClerk.getState().openDocument(clerk.documents.find((d) => d.row.title === 'dopsogl')!.row.id));
    const view = await screen.findByRole('dialog', { name: 'dopsogl' });
    await waitFor(() => expect(stateLine(view).textContent).toBe('Запрошена подпись получателя'));
    // The sender neither signs nor refuses its own request.
    expect(within(view).queryByRole('button', { name: 'Подписать документ' })).toBeNull();
  });
});
