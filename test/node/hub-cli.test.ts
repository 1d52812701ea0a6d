// edo-hub administration from the command line: JSON output, and clear refusals of bad input
// that leave the data directory as it was; its words in Russian by default (the C locale names no
// language), in English with --lang en or an English locale.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHubCommand } from '../support/hub';

describe('edo-hub administration', () => {
  let dir: string;
  const hub = (args: string[], stdin?: string) =>
    runHubCommand([...args, '--data', dir, '--json'], stdin === undefined ? {} : { stdin });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'edo-hub-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('registers an organization and a service user, creates the operator key at first use, and lists them as JSON', async () => {
    const org = await hub([
      'org',
      'add',
      '--name',
      'ООО "Ромашка"',
      '--inn',
      '7701234560',
      '--kpp',
      '770101001',
      '--ogrn',
      '1027700132195',
      '--mode',
      'server',
    ]);
    expect(org.code, org.stderr).toBe(0);
    const created = JSON.parse(org.stdout);
    expect(created).toMatchObject({
      name: 'ООО "Ромашка"',
      inn: '7701234560',
      kpp: '770101001',
      ogrn: '1027700132195',
      operatingMode: 'server',
      revision: 1,
    });
    // The subscriber id is an FNS participant id: the operator's id, then a unique part.
    const operator = JSON.parse((await hub(['operator'])).stdout);
    expect(created.id.startsWith(operator.edoId)).toBe(true);
    expect(operator.certificateFingerprint).toMatch(/^[0-9a-f]{64}$/);

    const user = await hub(
      ['user', 'add', '--org', '7701234560', '--login', 'romashka-agent', '--name', 'Агент обмена'],
      'agent-secret-password\n',
    );
    expect(user.code, user.stderr).toBe(0);
    expect(JSON.parse(user.stdout)).toMatchObject({
      kind: 'service',
      login: 'romashka-agent',
      name: 'Агент обмена',
      subscriberId: created.id,
    });
    expect(user.stdout).not.toContain('agent-secret-password');
    const users = JSON.parse((await hub(['user', 'list'])).stdout);
    expect(users).toEqual([
      expect.objectContaining({
        login: 'romashka-agent',
        organization: { id: created.id, name: 'ООО "Ромашка"', inn: '7701234560' },
      }),
    ]);
    const listed = await runHubCommand(['user', 'list', '--data', dir]);
    expect(listed.stdout).toMatch(
      /служебный {2}Агент обмена {2}логин romashka-agent {2}ООО "Ромашка" \(ИНН 7701234560\)/,
    );
    expect(JSON.parse((await hub(['org', 'list'])).stdout).map((o: { id: string }) => o.id)).toEqual([created.id]);
  }, 180_000);

  it('refuses bad input with a message naming the problem, and stores nothing', async () => {
    const cases: [string[], RegExp, string?][] = [
      [['org', 'add', '--name', 'X', '--inn', '12345'], /--inn: ИНН или БИН — 10 или 12 цифр, а не «12345»/],
      [
        ['org', 'add', '--name', 'X', '--inn', '7701111111'],
        /--inn: у ИНН или БИН 7701111111 не сходятся контрольные цифры/,
      ],
      [['org', 'add', '--name', 'X', '--inn', '7701111110'], /--kpp обязателен/],
      [['org', 'add', '--name', 'X', '--inn', '7701111110', '--kpp', '007701001'], /--kpp: КПП — 9 знаков/],
      [['org', 'add', '--name', 'X', '--inn', '7701111110', '--kpp', '7701'], /--kpp: КПП — 9 знаков/],
      [
        ['org', 'add', '--name', 'X', '--inn', '7701111110', '--kpp', '770101001', '--ogrn', '10277001321'],
        /--ogrn: ОГРН — 13 цифр \(ОГРНИП — 15\), а не «10277001321»/,
      ],
      [
        ['org', 'add', '--name', 'X', '--inn', '7701111110', '--kpp', '770101001', '--ogrn', '1027700132196'],
        /--ogrn: у ОГРН 1027700132196 не сходится контрольная цифра/,
      ],
      [
        ['org', 'add', '--name', 'X', '--inn', '7701111110', '--kpp', '770101001', '--mode', 'cloud'],
        /--mode: одно из server, workstation, manual, а не «cloud»/,
      ],
      [
        ['user', 'add', '--org', 'nobody', '--login', 'x'],
        /Нет организации с id или ИНН «nobody»/,
        'long-enough-password',
      ],
      [['user', 'add', '--org', '7701234560'], /Укажите --cert ФАЙЛ .* или --login/],
      [
        ['user', 'add', '--org', '7701234560', '--login', 'romashka-agent'],
        /Логин «romashka-agent» занят/,
        'long-enough-password',
      ],
      [
        ['user', 'add', '--org', '7701234560', '--login', 'short-password'],
        /не короче 12 символов \(в этом 11\)/,
        'eleven-char',
      ],
      [
        ['org', 'add', '--name', 'ООО "Ромашка-2"', '--inn', '7701234560', '--kpp', '770101001'],
        /ИНН 7701234560 и КПП 770101001 уже зарегистрирована: ООО "Ромашка"/,
      ],
      [
        ['user', 'add', '--org', '7701234560', '--login', 'empty-password'],
        /Пароль служебного пользователя .* пуст/,
        '',
      ],
      [['trust', 'add', join(dir, 'missing.pem')], /не читается: ENOENT/],
      [['org', 'add', '--name', 'X', '--bogus'], /Unknown option '--bogus'/],
    ];
    const notPem = join(dir, 'not-a-cert.pem');
    writeFileSync(notPem, 'hello');
    cases.push([['trust', 'add', notPem], /не сертификат X\.509 \(PEM или DER\)/]);
    const before =
      (await hub(['org', 'list'])).stdout +
      (await hub(['user', 'list'])).stdout +
      (await hub(['trust', 'list'])).stdout;
    const results = await Promise.all(cases.map(([args, , stdin]) => hub(args, stdin)));
    for (const [i, [args, message]] of cases.entries()) {
      const result = results[i]!;
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(JSON.parse(result.stdout), args.join(' ')).toMatchObject({
        error: expect.any(String),
        message: expect.any(String),
      });
    }
    const after =
      (await hub(['org', 'list'])).stdout +
      (await hub(['user', 'list'])).stdout +
      (await hub(['trust', 'list'])).stdout;
    expect(after).toBe(before);
  }, 240_000); // 14 hub processes at once: minutes on a loaded machine

  it('speaks English with --lang en or an English locale: help, refusals and results; an unknown --lang is refused', async () => {
    const ru = await runHubCommand(['help']);
    expect(ru.stdout).toMatch(/^edo-hub — сервер обмена EDO Clerk/);
    expect(ru.stdout).toContain(
      'org add --name НАЗВАНИЕ --inn ИНН [--kpp КПП] [--ogrn ОГРН] [--mode server|workstation|manual]',
    );
    const en = await runHubCommand(['help', '--lang', 'en']);
    expect(en.stdout).toMatch(/^edo-hub — the EDO Clerk exchange hub/);
    expect(en.stdout).toContain(
      'org add --name NAME --inn INN [--kpp KPP] [--ogrn OGRN] [--mode server|workstation|manual]',
    );
    const refused = await runHubCommand([
      'org',
      'add',
      '--name',
      'X',
      '--inn',
      '7701111111',
      '--data',
      dir,
      '--lang=en',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--inn: an INN or BIN whose check digits do not match .*7701111111/);
    expect(refused.stderr).toContain('Run "edo-hub help" for the commands.');
    const byLocale = await new Promise<string>((done) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', 'server/cli.ts', 'user', 'add', '--org', '7701234560', '--login', 'x', '--data', dir],
        { env: { ...process.env, LC_ALL: '', LC_MESSAGES: '', LANG: 'en_US.UTF-8' } },
        (_e, _out, err) => done(err),
      ).stdin!.end('short'),
    );
    expect(byLocale).toMatch(/at least 12 characters long \(this one has 5\)/);
    const listed = await runHubCommand(['org', 'list', '--data', dir, '--lang', 'en']);
    expect(listed.stdout).toMatch(/7701234560 {2}ООО "Ромашка" {2}\(server\)/);
    const unknown = await runHubCommand(['org', 'list', '--data', dir, '--lang', 'de', '--json']);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout)).toEqual({ error: 'usage', message: '--lang: язык ru или en, а не «de»' });
  }, 120_000);

  it('names a missing data directory option and an unknown command', async () => {
    const noData = await runHubCommand(['org', 'list']);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toMatch(/Нужен --data ПАПКА/);
    const unknown = await runHubCommand(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/неизвестная команда «frobnicate»\n\nСписок команд: «edo-hub help»/);
  });
});
