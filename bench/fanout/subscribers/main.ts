/**
 * A subscriber process: opens `count` subscriptions of one system, then counts every delivery and records its
 * write→receipt latency until it has all it expects (or is told to finish), and reports to the orchestrator.
 */
import { onParentMessage, sendToParent } from '../../lib/child';
import { nowMicros } from '../../lib/clock';
import { Histogram } from '../../lib/histogram';
import { CONNECT_BATCH } from '../config';
import type { SubscriberCommand, SubscriberMessage, SystemId } from '../messages';
import type { DeliverySink, OpenSubscription } from './types';

const modules: Record<SystemId, () => Promise<{ openSubscription: OpenSubscription }>> = {
  'braid-live': () => import('./braidLive'),
  'braid-live-fetch': () => import('./braidLive'),
  'braid-live-bun': () => import('./braidLive'),
  'braid-http': () => import('./braidHttp'),
  ws: () => import('./ws'),
  sse: () => import('./sse'),
  tcp: () => import('./tcp'),
};

const reply = (message: SubscriberMessage) => sendToParent(message);
const latency = new Histogram();
let received = 0;
let errors = 0;
let disconnected = 0;
let firstReceipt = 0;
let lastReceipt = 0;
let expected = Number.POSITIVE_INFINITY;
let finished = false;
let firstError: unknown;

const sink: DeliverySink = {
  delivered(sentAt) {
    const now = nowMicros();
    if (received === 0) firstReceipt = now;
    lastReceipt = now;
    received++;
    latency.record(now - sentAt);
    if (received >= expected) finish();
  },
  error(reason) {
    errors++;
    firstError ??= reason;
  },
  closed() {
    if (!finished) disconnected++;
  },
};

let cpuAtExpect = process.cpuUsage();
let progressTimer: ReturnType<typeof setInterval> | undefined;

function finish(): void {
  if (finished) return;
  finished = true;
  clearInterval(progressTimer);
  const cpu = process.cpuUsage(cpuAtExpect);
  if (firstError) console.error('subscriber: first error:', firstError);
  reply({
    type: 'done',
    report: {
      received,
      disconnected,
      errors,
      firstReceiptMicros: firstReceipt,
      lastReceiptMicros: lastReceipt,
      latency: latency.toJSON(),
      cpuMicros: cpu.user + cpu.system,
    },
  });
}

async function connect(system: SystemId, port: number, count: number): Promise<void> {
  const { openSubscription } = await modules[system]();
  const started = performance.now();
  let opened = 0;
  while (opened < count) {
    const batch = Math.min(CONNECT_BATCH, count - opened);
    await Promise.all(Array.from({ length: batch }, () => openSubscription(port, sink)));
    opened += batch;
  }
  reply({ type: 'ready', connected: opened, connectMs: performance.now() - started });
}

onParentMessage(async (command: SubscriberCommand) => {
  if (command.type === 'connect') await connect(command.system, command.port, command.count);
  else if (command.type === 'expect') {
    expected = command.deliveries;
    cpuAtExpect = process.cpuUsage();
    progressTimer = setInterval(() => reply({ type: 'progress', received }), 250);
    if (received >= expected) finish();
  } else if (command.type === 'finish') finish();
});
