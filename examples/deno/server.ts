// Deno: Deno.serve takes braid.fetch as it is.
import { createBraidServer } from '@braid-live/server';
import { announce, defineDoc, port } from '../shared/doc.ts';

const braid = defineDoc(createBraidServer());
Deno.serve({ port, hostname: '127.0.0.1', onListen: ({ port }) => announce(port) }, braid.fetch);
