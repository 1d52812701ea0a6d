// edo-hub administration from the command line: JSON output, and clear refusals of bad input
// that leave the data directory as it was.
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
      '--mode',
      'server',
    ]);
    expect(org.code, org.stderr).toBe(0);
    const created = JSON.parse(org.stdout);
    expect(created).toMatchObject({
      name: 'ООО "Ромашка"',
      inn: '7701234560',
      kpp: '770101001',
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
    expect(listed.stdout).toMatch(/romashka-agent {2}ООО "Ромашка" \(INN 7701234560\)/);
    expect(JSON.parse((await hub(['org', 'list'])).stdout).map((o: { id: string }) => o.id)).toEqual([created.id]);
  }, 180_000);

  it('refuses bad input with a message naming the problem, and stores nothing', async () => {
    const cases: [string[], RegExp, string?][] = [
      [['org', 'add', '--name', 'X', '--inn', '12345'], /--inn: an INN or BIN: 10 or 12 digits/],
      [['org', 'add', '--name', 'X', '--inn', '7701111111'], /--inn: an INN or BIN whose check digits do not match/],
      [['org', 'add', '--name', 'X', '--inn', '7701111110'], /--kpp is required/],
      [['org', 'add', '--name', 'X', '--inn', '7701111110', '--kpp', '007701001'], /--kpp: a KPP/],
      [['org', 'add', '--name', 'X', '--inn', '7701111110', '--kpp', '7701'], /--kpp: a KPP/],
      [
        ['org', 'add', '--name', 'X', '--inn', '7701111110', '--kpp', '770101001', '--mode', 'cloud'],
        /--mode must be one of server, workstation, manual/,
      ],
      [
        ['user', 'add', '--org', 'nobody', '--login', 'x'],
        /no organization with id or INN "nobody"/,
        'long-enough-password',
      ],
      [['user', 'add', '--org', '7701234560'], /give --cert FILE .* or --login/],
      [
        ['user', 'add', '--org', '7701234560', '--login', 'romashka-agent'],
        /login "romashka-agent" is taken/,
        'long-enough-password',
      ],
      [
        ['user', 'add', '--org', '7701234560', '--login', 'short-password'],
        /at least 12 characters long \(this one has 11\)/,
        'eleven-char',
      ],
      [
        ['org', 'add', '--name', 'ООО "Ромашка-2"', '--inn', '7701234560', '--kpp', '770101001'],
        /INN 7701234560 and KPP 770101001 is already registered: ООО "Ромашка"/,
      ],
      [['user', 'add', '--org', '7701234560', '--login', 'empty-password'], /password .* is empty/, ''],
      [['trust', 'add', join(dir, 'missing.pem')], /ENOENT|no such file/],
      [['org', 'add', '--name', 'X', '--bogus'], /Unknown option '--bogus'/],
    ];
    const notPem = join(dir, 'not-a-cert.pem');
    writeFileSync(notPem, 'hello');
    cases.push([['trust', 'add', notPem], /Not an X\.509 certificate/]);
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

  it('names a missing data directory option and an unknown command', async () => {
    const noData = await runHubCommand(['org', 'list']);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toMatch(/--data DIR is required/);
    const unknown = await runHubCommand(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
  });
});
