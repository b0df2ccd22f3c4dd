import type { SystemId } from './messages';
import type { ConnectWriter } from './writers/types';

export interface SystemInfo {
  id: SystemId;
  label: string;
  /** Is this braid-live itself (judged against the others)? */
  subject?: boolean;
  /** The server process runs under Bun instead of Node. */
  runtime?: 'bun';
  connectWriter: () => Promise<ConnectWriter>;
}

/** Every system measured, braid-live first, then its baselines. */
export const SYSTEMS: SystemInfo[] = [
  {
    id: 'braid-live',
    label: 'braid-live (createBraidServer + createUpdateParser)',
    subject: true,
    connectWriter: async () => (await import('./writers/braidPut')).connectWriter,
  },
  {
    id: 'braid-live-fetch',
    label: 'braid-live through braid.fetch (web Request/Response) on @hono/node-server',
    connectWriter: async () => (await import('./writers/braidPut')).connectWriter,
  },
  {
    id: 'braid-live-bun',
    label: 'braid-live through braid.fetch on Bun.serve',
    runtime: 'bun',
    connectWriter: async () => (await import('./writers/braidPut')).connectWriter,
  },
  {
    id: 'braid-http',
    label: 'braid-http 1.3.80 (braidify + its fetch)',
    connectWriter: async () => (await import('./writers/braidPut')).connectWriter,
  },
  {
    id: 'ws',
    label: 'ws WebSocket broadcast',
    connectWriter: async () => (await import('./writers/ws')).connectWriter,
  },
  {
    id: 'sse',
    label: 'SSE (node:http)',
    connectWriter: async () => (await import('./writers/ssePost')).connectWriter,
  },
  {
    id: 'tcp',
    label: 'raw TCP NDJSON (the limit)',
    connectWriter: async () => (await import('./writers/tcp')).connectWriter,
  },
];
