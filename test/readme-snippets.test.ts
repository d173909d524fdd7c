// The README's TypeScript snippets compile as written: each ```ts block becomes a
// file (named by its first line, `// name.ts`, else snippet-N.ts) and the
// folder is type-checked with the project's strict settings.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const readmes = ['README.md', 'docs/migrating.md'];

/** The ```ts blocks of a markdown file (indented ones too), with the file name each declares. */
function snippets(markdown: string): Array<{ name: string; code: string }> {
  const found: Array<{ name: string; code: string }> = [];
  const fence = /^( *)```ts\n([\s\S]*?)^\1```/gm;
  for (const match of markdown.matchAll(fence)) {
    const indent = match[1] ?? '';
    const code = (match[2] ?? '')
      .split('\n')
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join('\n');
    const named = /^\/\/ ([\w.-]+\.ts)\b/.exec(code);
    found.push({ name: named?.[1] ?? `snippet-${found.length + 1}.ts`, code });
  }
  return found;
}

describe.each(readmes)('the TypeScript snippets of %s', (readme) => {
  it('type-check as written', () => {
    const folder = join(root, 'test', '.readme-snippets', readme.replace(/[/.]/g, '-'));
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    const blocks = snippets(readFileSync(join(root, readme), 'utf8'));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) writeFileSync(join(folder, block.name), block.code);
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(folder, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../tsconfig.base.json',
        compilerOptions: { noEmit: true, composite: false, declaration: false, declarationMap: false, allowImportingTsExtensions: true },
        include: ['*.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    const result = spawnSync(tsc, ['-p', join(folder, 'tsconfig.json')], { encoding: 'utf8', cwd: dirname(folder) });
    expect(result.stdout + result.stderr, `${readme}: ${blocks.map((block) => block.name).join(', ')}`).toBe('');
    expect(result.status).toBe(0);
    rmSync(folder, { recursive: true, force: true });
  });
});
