// Tabs typing into one shared text (`/notes` on a test server), and the checks on what the server ends with.
import type { TextResource } from '../../src/text/index';
import { waitFor } from '../client/harness';

export interface Typist {
  text: TextResource;
  /** The characters this tab typed. */
  typed: string[];
}

/** Unique characters: each tab types its own letters, numbered (private-use code points, one per keystroke). */
let nextChar = 0xe000;
export function type(t: Typist): void {
  const char = String.fromCodePoint(nextChar++);
  t.typed.push(char);
  const at = Math.floor(Math.random() * ([...t.text.text].length + 1));
  t.text.edit([{ start: at, end: at, content: char }]);
}

export const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));
export const notesText = async (base: string) => (await fetch(`${base}/notes`)).text();
export const count = (text: string, char: string) => [...text].filter((c) => c === char).length;

/** The server's text once every tab shows it with nothing pending. */
export async function settledNotes(base: string, tabs: Typist[]): Promise<string> {
  let stored = '';
  await waitFor(
    async () => {
      stored = await notesText(base);
      return tabs.every((t) => t.text.text === stored && !t.text.pending);
    },
    20_000,
    'every tab to show the server’s text, nothing pending',
  );
  return stored;
}
