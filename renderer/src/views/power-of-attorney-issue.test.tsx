// Runs in: the renderer (vitest with jsdom), with window.clerk bound straight to main's handler
// registry over the in-memory services (test/e2e/support/renderer-harness.ts). The Organization
// view's "Выдать МЧД": what the director fills in reaches the hub's registry as given, the
// files go to the folder main's dialog chose, and a signer who is not the director is told why
// in the clerk's language, with nothing registered.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryClerk } from '../../../test/e2e/support/memory-services';
import { mountApp, unmountApp } from '../../../test/e2e/support/renderer-harness';

const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
const general = 'BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL';
const waybills = 'BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCS5';
let dir = '';

async function openIssuing(prepare: (clerk: MemoryClerk) => void, organization: string, title: string) {
  dir = mkdtempSync(join(tmpdir(), 'poa-issue-view-'));
  const clerk = new MemoryClerk({ tokenPresent: true, mode: 'server' });
  prepare(clerk);
  const { calls } = await mountApp(clerk, { chooseFolder: async () => dir });
  await clerk.services().token.login('12345678');
  // The language comes with the settings, after the first paint.
  fireEvent.click(await within(screen.getByRole('navigation')).findByRole('button', { name: organization }));
  const section = within(await screen.findByRole('region', { name: title }));
  return { clerk, calls, section };
}

afterEach(() => {
  unmountApp();
  rmSync(dir, { recursive: true, force: true });
});

describe('issuing an МЧД in the Organization view', () => {
  it('the director signs and registers it with the powers, term and redelegation chosen; the files go to the chosen folder', async () => {
    const { clerk, calls, section } = await openIssuing(() => {}, 'Организация', 'Выдать МЧД');
    const submit = section.getByRole('button', { name: 'Подписать и зарегистрировать' }) as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    // The CLI's default power is ticked, the others are offered by the classifier's names.
    const powers = within(section.getByRole('group', { name: 'Полномочия (классификатор ФНС)' }));
    expect((powers.getByLabelText(new RegExp(general)) as HTMLInputElement).checked).toBe(true);
    expect((powers.getByLabelText(new RegExp(waybills)) as HTMLInputElement).checked).toBe(false);
    fireEvent.click(powers.getByLabelText(new RegExp(waybills)));
    fireEvent.change(section.getByLabelText('Сертификат представителя (PEM)'), { target: { value: pem } });
    fireEvent.change(section.getByLabelText('Действует по'), { target: { value: '31.12.2027' } });
    fireEvent.click(section.getByLabelText('Без права передоверия'));
    fireEvent.click(submit);

    const done = await section.findByRole('status');
    const [issued] = clerk.powersOfAttorney.registered;
    expect(issued).toMatchObject({ powerCodes: [general, waybills], validUntil: '2027-12-31', redelegation: false });
    expect(done.textContent).toContain(
      `МЧД № ${issued!.number} зарегистрирована: действует по 31.12.2027, статус — действует.`,
    );
    const saved = readdirSync(dir).sort();
    expect(saved).toHaveLength(2);
    expect(saved[0]).toMatch(new RegExp(`^ON_EMCHD_\\d{8}_${issued!.number}\\.xml$`));
    expect(saved[1]).toBe(`${saved[0]}.sig`);
    expect(done.textContent).toContain(`Сохранено: ${join(dir, saved[0]!)}, ${join(dir, saved[1]!)}`);
    expect(calls.find((c) => c.channel === 'poa:issue')?.args).toEqual({
      representativeCertificate: Buffer.from(pem).toString('base64'),
      powerCodes: [general, waybills],
      validUntil: '2027-12-31',
      noRedelegation: true,
    });
  });

  it('a signer who is not the director is refused in English, and nothing is registered or saved', async () => {
    const { clerk, section } = await openIssuing(
      (c) => {
        c.powersOfAttorney.signer = 'employee';
        c.settingsValue.language = 'en';
      },
      'Organization',
      'Issue an МЧД',
    );
    fireEvent.change(section.getByLabelText("Representative's certificate (PEM)"), { target: { value: pem } });
    fireEvent.change(section.getByLabelText('Valid until'), { target: { value: '31/12/2027' } });
    fireEvent.click(section.getByRole('button', { name: 'Sign and register' }));
    const alert = await section.findByRole('alert');
    expect(alert.textContent).toBe(
      'The certificate of Иванова Мария Петровна is not one of ООО "Ромашка"\'s director: it names the organization INN —, not 7701234560 (INNLE). Nothing was signed.',
    );
    expect(clerk.powersOfAttorney.registered).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(true);
  });
});
