// Bun: Bun.serve takes braid.fetch as it is. (idleTimeout 0: Bun closes a connection silent for 10 s by
// default, which would cut quiet subscriptions; alternatively keep heartbeats on, as BraidClient does.)
import { createBraidServer } from '@braid-live/server';
import { announce, defineDoc, port } from '../shared/doc.ts';

const braid = defineDoc(createBraidServer());
const server = Bun.serve({ port, hostname: '127.0.0.1', idleTimeout: 0, fetch: braid.fetch });
announce(server.port);
