/** The layering rules in eslint.config.js really refuse what they should (and allow the rest). */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering', () => {
  it('keeps Electron and React out of shared/', async () => {
    expect(await restricted('shared/host/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await restricted('shared/logs/x.ts', "import { useState } from 'react';\nexport const a = useState;\n")).toHaveLength(1);
    expect(await restricted('shared/host/x.ts', "import { x } from '../../renderer/src/x';\nexport const a = x;\n")).toHaveLength(1);
  });

  it('lets the renderer import only the contract from shared/', async () => {
    expect(await restricted('renderer/src/x.ts', "import { createHost } from '../../shared/host';\nexport const a = createHost;\n")).toHaveLength(1);
    expect(await restricted('renderer/src/x.ts', "import { readFile } from 'node:fs';\nexport const a = readFile;\n")).toHaveLength(1);
    expect(await restricted('renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n")).toHaveLength(1);
    expect(await restricted('renderer/src/x.ts', "import { channels } from '../../shared/contract';\nexport const a = channels;\n")).toEqual([]);
  });

  it('keeps electron/ from importing the renderer', async () => {
    expect(await restricted('electron/x.ts', "import { App } from '../renderer/src/shell/App';\nexport const a = App;\n")).toHaveLength(1);
    expect(await restricted('electron/x.ts', "import { createHost } from '../shared/host';\nexport const a = createHost;\n")).toEqual([]);
  });
});
