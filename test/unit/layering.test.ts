/** The layering rules in eslint.config.js really refuse what they should (and allow the rest). */
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// The layering rules only need the syntax: the type-aware part of the config (which wants every file in a
// tsconfig, and is slow) is switched off for these synthetic files.
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false, project: null } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/switch-exhaustiveness-check': 'off',
    },
  },
});

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering', () => {
  // ESLint loads its config, parser and plugins on the first lint (seconds on a busy machine): a one-time
  // start-up cost, paid here rather than inside whichever test happens to run first.
  beforeAll(async () => {
    await eslint.lintText('export {};\n', { filePath: 'core/warm-up.ts' });
  }, 120_000);

  it('keeps Electron and React out of core/', async () => {
    expect(await restricted('core/host/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await restricted('core/logs/x.ts', "import { useState } from 'react';\nexport const a = useState;\n")).toHaveLength(1);
    expect(await restricted('core/host/x.ts', "import { x } from '../../renderer/src/x';\nexport const a = x;\n")).toHaveLength(1);
  });

  it('lets the renderer import only common/', async () => {
    expect(
      await restricted('renderer/src/x.ts', "import { createHost } from '../../core/host';\nexport const a = createHost;\n"),
    ).toHaveLength(1);
    expect(await restricted('renderer/src/x.ts', "import { readFile } from 'node:fs';\nexport const a = readFile;\n")).toHaveLength(1);
    expect(await restricted('renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n")).toHaveLength(
      1,
    );
    expect(
      await restricted('renderer/src/x.ts', "import { channels } from '../../common/contract';\nexport const a = channels;\n"),
    ).toEqual([]);
    expect(
      await restricted('renderer/src/x.ts', "import { Redactor } from '../../core/util/redact';\nexport const a = Redactor;\n"),
    ).toHaveLength(1);
  });

  it('keeps the preload to common/ and electron', async () => {
    expect(
      await restricted('electron/preload.ts', "import { createHost } from '../core/host';\nexport const a = createHost;\n"),
    ).toHaveLength(1);
    expect(
      await restricted('electron/preload.ts', "import { isTrustedSender } from './security';\nexport const a = isTrustedSender;\n"),
    ).toHaveLength(1);
    expect(
      await restricted('electron/preload.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n"),
    ).toHaveLength(1);
    expect(
      await restricted('electron/preload.ts', "import { channelNames } from '../common/contract';\nexport const a = channelNames;\n"),
    ).toEqual([]);
  });

  it('keeps common/ free of every runtime and of the layers above it', async () => {
    expect(await restricted('common/x.ts', "import { readFile } from 'node:fs';\nexport const a = readFile;\n")).toHaveLength(1);
    expect(await restricted('common/x.ts', "import { createHost } from '../core/host';\nexport const a = createHost;\n")).toHaveLength(1);
    expect(await restricted('common/x.ts', "import { useState } from 'react';\nexport const a = useState;\n")).toHaveLength(1);
  });

  it('keeps electron/ from importing the renderer', async () => {
    expect(await restricted('electron/x.ts', "import { App } from '../renderer/src/shell/App';\nexport const a = App;\n")).toHaveLength(1);
    expect(await restricted('electron/x.ts', "import { createHost } from '../core/host';\nexport const a = createHost;\n")).toEqual([]);
  });
});
