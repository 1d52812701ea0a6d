// The installed programs, bin/edo-clerk.js and bin/edo-hub.js, run the built JavaScript of
// out/ with plain Node: built here as `npm run build` builds them, then run with a loader hook
// that fails the run if anything TypeScript (or tsx) is loaded. The hub also serves from the
// build, its native SQLite binding imported from node_modules.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const noTypeScript = `data:text/javascript,${encodeURIComponent(
  "import{registerHooks}from'node:module';registerHooks({resolve(s,c,next){const r=next(s,c);if(/\\.[cm]?ts$|\\/tsx\\//.test(r.url))throw new Error('TypeScript loaded at run time: '+r.url);return r}});",
)}`;
const plainNode = (program: string, args: string[]) =>
  spawnSync(process.execPath, ['--import', noTypeScript, join(root, 'bin', program), ...args], {
    cwd: tmpdir(),
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });

describe('the installed edo-clerk and edo-hub', () => {
  beforeAll(() => {
    const build = spawnSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: root, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
  }, 120_000);

  it.each([
    ['edo-clerk.js', /edo-clerk — EDO Clerk в командной строке/],
    ['edo-hub.js', /edo-hub — сервер обмена EDO Clerk/],
  ])('%s help runs the build with plain Node', (program, heading) => {
    const run = plainNode(program, ['help']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(heading);
  });

  it('the loader hook does catch TypeScript: the sources through tsx are refused', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', noTypeScript, '--import', 'tsx', join(root, 'server/cli.ts'), 'help'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/TypeScript loaded at run time/);
  });

  it('edo-hub serve runs from the build on 127.0.0.1 and answers its health route', async () => {
    const data = mkdtempSync(join(tmpdir(), 'edo-hub-built-'));
    const child = spawn(
      process.execPath,
      ['--import', noTypeScript, join(root, 'bin/edo-hub.js'), 'serve', '--data', data, '--port', '0', '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const line = await new Promise<string>((r, reject) => {
        createInterface({ input: child.stdout }).once('line', r);
        child.once('exit', (code) => reject(new Error(`edo-hub exited with ${code}: ${stderr}`)));
      });
      const { url } = JSON.parse(line) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${url}/v1/health`)).json()).toMatchObject({
        status: 'ok',
        version: expect.any(String),
      });
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(data, { recursive: true, force: true });
    }
  });
});
