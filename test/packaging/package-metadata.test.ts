// What npm shows and what `pnpm pack` turns into a published manifest, checked on every
// public package (a new package that forgets a field fails here, not after publishing).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publicPackages, workspace } from './packed-app.js';

interface Manifest {
  name: string;
  version: string;
  license?: string;
  homepage?: string;
  repository?: { type?: string; url?: string; directory?: string };
  bugs?: { url?: string };
  engines?: { node?: string };
  files?: string[];
  main?: string;
  types?: string;
  typesVersions?: Record<string, Record<string, string[]>>;
  exports?: Record<string, unknown>;
  publishConfig?: { access?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const packages: ReadonlyArray<{ folder: string; manifest: Manifest }> = publicPackages();
const rootLicense = readFileSync(join(workspace, 'LICENSE'), 'utf8');
const repositoryUrl = packages[0]?.manifest.repository?.url;

it('changesets release every public package together, at one version', () => {
  const config = JSON.parse(readFileSync(join(workspace, '.changeset', 'config.json'), 'utf8')) as { fixed: string[][] };
  expect(config.fixed).toEqual([packages.map(({ manifest }) => manifest.name).sort()]);
  expect(new Set(packages.map(({ manifest }) => manifest.version)).size).toBe(1);
});

describe.each(packages)('the manifest of $manifest.name', ({ folder, manifest }) => {
  const dir = join(workspace, 'packages', folder);

  it('says where it comes from, what it needs and that it is public', () => {
    expect(manifest.name).toMatch(/^@conveyor\/[a-z-]+$/);
    expect(manifest.license).toBe('MIT');
    expect(manifest.repository).toEqual({ type: 'git', url: repositoryUrl, directory: `packages/${folder}` });
    expect(manifest.homepage).toContain(`/packages/${folder}`);
    expect(manifest.bugs?.url).toMatch(/\/issues$/);
    expect(manifest.engines?.node).toBe('>=22.18.0');
    expect(manifest.publishConfig?.access).toBe('public');
    expect(manifest.files).toContain('dist');
    expect(manifest.files).toContain('!dist/.tsbuildinfo');
  });

  it('ships a README, the root LICENSE and a CHANGELOG that starts with its name', () => {
    expect(existsSync(join(dir, 'README.md'))).toBe(true);
    expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toBe(rootLicense);
    expect(readFileSync(join(dir, 'CHANGELOG.md'), 'utf8')).toMatch(new RegExp(`^# ${manifest.name}\\n\\n## `));
  });

  it('gives typings to import and to require on every entry point, and to node10 resolution', () => {
    expect(manifest.types).toBe('./dist/index.d.ts');
    expect(manifest.main).toBe('./dist/index.js');
    for (const [entry, target] of Object.entries(manifest.exports ?? {})) {
      if (typeof target === 'string') continue; // package.json, sql/*
      expect(target, entry).toEqual({
        import: { types: expect.stringMatching(/\.d\.ts$/) as unknown, default: expect.stringMatching(/\.js$/) as unknown },
        require: { types: expect.stringMatching(/\.d\.cts$/) as unknown, default: expect.stringMatching(/\.js$/) as unknown },
      });
      const { import: esm, require: commonJs } = target as Record<'import' | 'require', { types: string; default: string }>;
      expect(commonJs.default, entry).toBe(esm.default);
      for (const file of [esm.types, commonJs.types, esm.default])
        expect(existsSync(join(dir, file)), `${entry}: ${file} (run pnpm build)`).toBe(true);
      if (entry !== '.') expect(manifest.typesVersions?.['*']?.[entry.slice(2)], `typesVersions for ${entry}`).toEqual([esm.types]);
    }
  });

  it('takes other Conveyor packages at a caret range and ioredis 5 or 6', () => {
    for (const ranges of [manifest.dependencies ?? {}, manifest.peerDependencies ?? {}]) {
      for (const [name, range] of Object.entries(ranges)) {
        if (name.startsWith('@conveyor/')) expect(range, name).toBe('workspace:^');
        if (name === 'ioredis') expect(range).toBe('^5.9.2 || ^6.0.0');
      }
    }
  });
});
