// Starts the editor: `pnpm editor` (PORT default 8090, HOST default 127.0.0.1, DATA_DIR default ./data).
// Open http://127.0.0.1:8090/notes in several windows: every window edits the document "notes".
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEditorServer } from './editorServer';

const port = Number(process.env.PORT ?? 8090);
const host = process.env.HOST ?? '127.0.0.1';
const dataDir = process.env.DATA_DIR ?? join(dirname(dirname(fileURLToPath(import.meta.url))), 'data');
const server = await startEditorServer({ port, host, dataDir });
console.log(`\n  braid-live editor at ${server.url}notes · open it in two windows and type\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => server.close().then(() => process.exit(0)));
