/**
 * A fan-out server process: `node --import tsx servers/main.ts <system>`. Starts that system's server on
 * 127.0.0.1, reports its port, and measures itself (CPU between 'mark' and 'stats', peak RSS) for the
 * orchestrator. Exits when told to, or when the orchestrator goes away.
 */
import { onParentMessage, sendToParent } from '../../lib/child';
import type { ServerCommand, ServerMessage, SystemId } from '../messages';
import type { StartServer } from './types';

const system = process.argv[2] as SystemId;
const modules: Record<SystemId, () => Promise<{ startServer: StartServer }>> = {
  'braid-live': () => import('./braidLive'),
  'braid-live-fetch': () => import('./braidLiveFetch'),
  'braid-live-bun': () => import('./braidLiveFetch'),
  'braid-http': () => import('./braidHttp'),
  ws: () => import('./ws'),
  sse: () => import('./sse'),
  tcp: () => import('./tcp'),
};

const reply = (message: ServerMessage) => sendToParent(message);
let cpuAtMark = process.cpuUsage();
let rssAtMark = process.memoryUsage().rss;

onParentMessage((command: ServerCommand) => {
  if (command.type === 'mark') {
    cpuAtMark = process.cpuUsage();
    rssAtMark = process.memoryUsage().rss;
    reply({ type: 'marked' });
  } else if (command.type === 'stats') {
    const cpu = process.cpuUsage(cpuAtMark);
    reply({
      type: 'stats',
      cpuUserMicros: cpu.user,
      cpuSystemMicros: cpu.system,
      maxRssKiB: process.resourceUsage().maxRSS,
      rssAtMarkKiB: Math.round(rssAtMark / 1024),
    });
  }
});

const load = modules[system];
if (!load) throw new Error(`unknown system ${system}`);
const { startServer } = await load();
const address = await startServer();
reply({ type: 'listening', ...address });
