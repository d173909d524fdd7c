import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const folder = new URL('../lua/', import.meta.url);
const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { files: string[] };

describe('Lua scripts', () => {
  const files = readdirSync(folder).filter((file) => file.endsWith('.lua'));

  it('are shipped with the package', () => {
    expect(packageJson.files).toContain('lua');
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s is named name-<numKeys>.lua and its header documents every KEYS, ARGV and the return value', (file) => {
    const match = /^[a-z-]+-(\d+)\.lua$/.exec(file);
    expect(match, 'file name').not.toBeNull();
    const numberOfKeys = Number(match?.[1]);
    const source = readFileSync(new URL(file, folder), 'utf8');
    const header = /^--\[\[([\s\S]*?)\]\]/.exec(source)?.[1] ?? '';
    expect(header, 'a --[[ ]] header at the top').not.toBe('');
    const documented = [...header.matchAll(/KEYS\[(\d+)\]/g)].map((found) => Number(found[1]));
    expect(documented).toEqual(Array.from({ length: numberOfKeys }, (_, index) => index + 1));
    expect(header).toMatch(/ARGV\[1/);
    expect(header).toMatch(/Returns /);
    // Every key the body uses is documented.
    const body = source.slice(source.indexOf(']]') + 2);
    for (const used of body.matchAll(/KEYS\[(\d+)\]/g)) expect(Number(used[1])).toBeLessThanOrEqual(numberOfKeys);
  });
});
