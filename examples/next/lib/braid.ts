// One braid server per Next.js process. Next bundles each route (and the page) as its own module graph, and in
// `next dev` re-evaluates modules on every edit: a plain `const braid = createBraidServer()` at module level
// would give the route handler, the multiplexer route and the page separate servers (a write through one never
// reaching the subscribers of another) and leak one more server per reload. globalThis is shared by all of
// them in one process, so the first import creates the server and every later one finds it.
import { type BraidServer, createBraidServer } from '@braid-live/server';
import { defineDoc } from '../../shared/doc';

const globalForBraid = globalThis as typeof globalThis & { braidLiveServer?: BraidServer };

export const braid: BraidServer = (globalForBraid.braidLiveServer ??= defineDoc(createBraidServer()));
