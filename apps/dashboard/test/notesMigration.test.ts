import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextResource } from '@braid-live/core/text';
import { createBraidServer, fileStore } from '@braid-live/server';
import { afterAll, expect, test } from 'vitest';
import { startDashboardServer } from '../server/dashboardServer';
import { INITIAL_NOTES } from '../server/sharedResources';
import { type Notes, urls } from '../src/model/resources';

// A data folder from when the notes were a JSON document: the dashboard starts on it, the notes become a text
// resource with the latest text kept, and people can edit them; a second start finds a text and changes nothing.

const tmp = mkdtempSync(join(tmpdir(), 'braid-notes-migration-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('JSON notes from an older data folder are kept as the text of the notes', async () => {
  const dataDir = join(tmp, 'data');
  const old = createBraidServer({ store: fileStore(dataDir), onError: () => {} });
  old.resource<Notes>(urls.notes, { initial: INITIAL_NOTES });
  await old.patch<Notes>(urls.notes, (d) => {
    d.text = 'written before the move ✓\n';
  });
  await old.patch<Notes>(urls.notes, (d) => {
    d.text += 'and a second line';
  });
  await old.close();

  for (const round of [1, 2]) {
    const dashboard = await startDashboardServer({ port: 0, host: '127.0.0.1', dataDir, distDir: tmp });
    try {
      const response = await fetch(`${dashboard.url}api/shared/notes`);
      expect(response.headers.get('merge-type')).toBe('simpleton');
      const expected =
        round === 1
          ? 'written before the move ✓\nand a second line'
          : 'edited ✓ written before the move ✓\nand a second line';
      expect(await response.text()).toBe(expected);
      if (round === 1) {
        const notes = new TextResource(`${dashboard.url}api/shared/notes`);
        await notes.ready;
        notes.edit([{ start: 0, end: 0, content: 'edited ✓ ' }]);
        for (let i = 0; i < 200 && notes.pending; i++) await new Promise((r) => setTimeout(r, 10));
        expect(notes.pending).toBe(false);
        notes.close();
      }
    } finally {
      await dashboard.close();
    }
  }
});
