import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileStore } from './fileStore';
import { base32, resourceFileName } from './resourceFileName';
import { sampleRecord } from './testRecords';

const NASTY_PATHS = [
  '/',
  '',
  '/api/doc',
  '/API/DOC',
  '/api/doc/',
  '/api//doc',
  '/users/42/profile',
  '../../etc/passwd',
  '/../../../etc/passwd',
  '/a/../b',
  '/b',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/%2E%2E/secret',
  '/a%2Fb',
  '/a/b',
  '/nul\0byte',
  '/nul',
  '.',
  '..',
  '/.hidden',
  '/日本語/ページ',
  '/emoji/🌍',
  '/lone\uD800surrogate',
  '/lone\uFFFDsurrogate',
  '/x'.repeat(1000),
  `${'/x'.repeat(1000)}/`,
  'é'.repeat(300),
  '/CON',
  '/a\\b',
  '/with space/and?query=1#hash',
];

describe('resourceFileName', () => {
  it('encodes base32 like RFC 4648 (lower case, unpadded)', () => {
    const vectors = ['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'];
    const expected = ['', 'my', 'mzxq', 'mzxw6', 'mzxw6yq', 'mzxw6ytb', 'mzxw6ytboi'];
    expect(vectors.map((s) => base32(Buffer.from(s)))).toEqual(expected);
  });

  it('gives safe, short, distinct and deterministic names', () => {
    const names = NASTY_PATHS.map(resourceFileName);
    for (const name of names) {
      expect(name).toMatch(/^[a-z0-9-]+\.[bh][a-z2-7]*\.log$/);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    }
    expect(new Set(names).size).toBe(NASTY_PATHS.length);
    // Distinct even on a case-insensitive file system.
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(NASTY_PATHS.length);
    expect(NASTY_PATHS.map(resourceFileName)).toEqual(names);
  });

  it('keeps a readable hint and hashes only long paths', () => {
    expect(resourceFileName('/api/doc')).toMatch(/^api-doc\.b/);
    expect(resourceFileName('/')).toMatch(/^root\.b/);
    expect(resourceFileName('/x'.repeat(1000))).toMatch(/^x-x-x.*\.h[a-z2-7]{52}\.log$/);
  });

  it('does not collide on many similar paths', () => {
    const paths = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      paths.add(`/doc/${i}`);
      paths.add(`/doc/${i}`.padEnd(150 + (i % 50), '/'));
      paths.add(`/DOC/${i}`);
    }
    expect(new Set([...paths].map(resourceFileName)).size).toBe(paths.size);
  });
});

describe('fileStore with hostile paths', () => {
  let parent: string;
  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'braid-store-paths-'));
  });
  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('keeps every file inside its directory, one file per path, and reads each back', async () => {
    const dir = join(parent, 'nested', 'store');
    const store = fileStore(dir, { fsync: false });
    await Promise.all(NASTY_PATHS.map((path, i) => store.append(path, sampleRecord(i, 'p'))));
    await store.close();

    expect(await readdir(parent)).toEqual(['nested']);
    expect(await readdir(join(parent, 'nested'))).toEqual(['store']);
    const files = await readdir(dir);
    expect(files.sort()).toEqual(NASTY_PATHS.map(resourceFileName).sort());

    const reopened = fileStore(dir, { fsync: false });
    for (const [i, path] of NASTY_PATHS.entries()) {
      expect(reopened.fileOf(path).startsWith(`${dir}/`)).toBe(true);
      expect(await reopened.load(path)).toStrictEqual({ records: [sampleRecord(i, 'p')] });
    }
    expect(await reopened.load('/never/written')).toBeUndefined();
    await reopened.close();
  });
});
