// The process boundaries of docs/architecture.md §2 are lint rules: crossing one is a lint error, so
// `npm test` fails. Each case lints a line as if it stood in that folder.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function errorsFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('process boundaries', () => {
  it.each([
    ['src/exchange/session.ts', "import { app } from 'electron';\nexport const x = app;\n", 'src/ is the core'],
    ['src/store/db.ts', "import { useState } from 'react';\nexport const x = useState;\n", 'src/ is the core'],
    [
      'renderer/src/Inbox.tsx',
      "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
      'renderer/ reaches the world only through window.clerk',
    ],
    [
      'renderer/src/Inbox.tsx',
      "import { readFileSync } from 'fs';\nexport const x = readFileSync;\n",
      'renderer/ reaches the world only through window.clerk',
    ],
    [
      'renderer/src/Inbox.tsx',
      "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n",
      'renderer/ reaches the world only through window.clerk',
    ],
    [
      'renderer/src/Inbox.tsx',
      "import { openStore } from '../../src/store/db';\nexport const x = openStore;\n",
      'renderer/ reaches the world only through window.clerk',
    ],
    ['server/routes.ts', "import { x } from '../main/index';\nexport const y = x;\n", 'server/ shares only'],
    ['server/routes.ts', "import { x } from '../src/exchange/session';\nexport const y = x;\n", 'server/ shares only'],
  ])('%s: %s is refused', async (file, code, message) => {
    const errors = await errorsFor(file, code);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error).toContain(message);
  });

  it.each([
    [
      'renderer/src/Inbox.tsx',
      "import { invokeChannels } from '../../src/ipc/channels';\nexport const x = invokeChannels;\n",
    ],
    ['server/routes.ts', "import { x } from '../src/protocol/schemas';\nexport const y = x;\n"],
    ['src/exchange/session.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
  ])('%s: an allowed import passes', async (file, code) => {
    expect(await errorsFor(file, code)).toEqual([]);
  });
});
