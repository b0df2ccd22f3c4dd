// Two writers edit one text at once: one deletes (or replaces) a range, the other types inside it. A
// deletion removes only what its writer saw, so the typed character is kept, in either order of arrival —
// both PUTs are answered 200, and a character accepted is never dropped by the merge. (The json-range
// transform dropped an insertion inside a concurrent deletion, and widened a deletion over one.)
import { memoryStore } from '@braid-live/server';
import { afterEach, expect, it } from 'vitest';
import { type RunningBraid, startBraid } from './helpers/server';

let server: RunningBraid | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const put = (version: string, range: string, text: string) =>
  fetch(`${server!.origin}/doc`, {
    method: 'PUT',
    headers: {
      'Merge-Type': 'simpleton',
      Version: `"${version}"`,
      Parents: '"o-4"',
      'Content-Range': `text ${range}`,
      'Content-Type': 'text/plain; charset=utf-8',
    },
    body: text,
  });

async function merged(first: [string, string, string], second: [string, string, string]): Promise<string> {
  server = await startBraid({ store: memoryStore() }, (braid) =>
    braid.text('/doc', { initial: 'abcde', initialVersion: 'o-4' }),
  );
  expect((await put(...first)).status).toBe(200);
  expect((await put(...second)).status).toBe(200);
  const value = (await server.braid.get<string>('/doc')).value;
  await server.stop();
  server = undefined;
  return value;
}

const cut: [string, string, string] = ['cut-2', '[1:4]', '']; // "abcde" → "ae"
const typed: [string, string, string] = ['typed-0', '[3:3]', 'X']; // between c and d
const replaced: [string, string, string] = ['repl-3', '[1:4]', 'Q']; // "abcde" → "aQe"

it('an insertion inside a concurrent deletion is kept, whichever arrives first', async () => {
  expect(await merged(cut, typed)).toBe('aXe');
  expect(await merged(typed, cut)).toBe('aXe');
});

it('an insertion inside a concurrent replacement is kept after the replacement', async () => {
  expect(await merged(replaced, typed)).toBe('aQXe');
  expect(await merged(typed, replaced)).toBe('aQXe');
});
