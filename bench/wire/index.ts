/**
 * pnpm bench wire: one field changed in a 100 KB document, bytes per update as a braid-live patch update, as a
 * full snapshot update, as braid-http sends the same patch, and as a WebSocket JSON message; each counted as
 * serialized and as received on a raw socket (framing included). Options: --updates=20.
 */
import { serializeUpdate } from '@braid-live/core/protocol';
import { BenchArgs } from '../lib/args';
import { makeDocument } from '../lib/documents';
import { fmtBytes, fmtInt } from '../lib/format';
import { writeResults } from '../lib/results';
import { printTable } from '../lib/table';
import {
  braidHttpOnWire,
  braidLiveOnWire,
  FIELD,
  PARENT,
  valueAt,
  versionAt,
  wsMessage,
  wsOnWire,
} from './measureOnWire';

const args = new BenchArgs();
const updates = args.number('updates', 20);

/** RFC 6455 server-to-client frame header: 2 bytes, +2 for payloads of 126..65535 bytes, +8 above. */
const wsFrameHeader = (payload: number) => (payload < 126 ? 2 : payload < 65536 ? 4 : 10);

async function main(): Promise<void> {
  const { doc, bytes: docBytes } = makeDocument(100 * 1024);
  const patchUpdate = serializeUpdate({
    version: [versionAt(0)],
    parents: [PARENT],
    patches: [{ range: FIELD, content: String(valueAt(0)) }],
  });
  const changed = structuredClone(doc);
  changed.config.thresholds.cpu = valueAt(0);
  const snapshotBody = JSON.stringify(changed);
  const snapshotUpdate = serializeUpdate({ version: [versionAt(0)], parents: [PARENT], body: snapshotBody });
  const wsPayload = Buffer.byteLength(wsMessage(0));
  const wsSnapshotPayload = Buffer.byteLength(
    JSON.stringify({ version: versionAt(0), parents: [PARENT], body: changed }),
  );

  const live = await braidLiveOnWire(doc, updates);
  const braidHttp = await braidHttpOnWire(doc, updates);
  const ws = await wsOnWire(updates);

  const rows = [
    {
      format: 'braid-live patch update',
      serialized: patchUpdate.length,
      onWire: live.bytesPerUpdate,
      how: 'serializeUpdate; wire: braid-live server, default framing',
    },
    {
      format: 'braid-http 1.3.80 patch update',
      serialized: Number.NaN,
      onWire: braidHttp.bytesPerUpdate,
      how: 'braidify sendUpdate, chunked by node:http',
    },
    {
      format: 'WebSocket JSON message (ws)',
      serialized: wsPayload,
      onWire: ws.bytesPerUpdate,
      how: `payload + ${wsFrameHeader(wsPayload)}-byte frame header`,
    },
    {
      format: 'full snapshot update (braid-live)',
      serialized: snapshotUpdate.length,
      onWire: Number.NaN,
      how: 'serializeUpdate with the whole document as body',
    },
    {
      format: 'full document as one ws message',
      serialized: wsSnapshotPayload + wsFrameHeader(wsSnapshotPayload),
      onWire: Number.NaN,
      how: 'payload + frame header (computed)',
    },
  ];
  printTable(
    `wire: one field (${FIELD}) changed in a ${fmtBytes(docBytes)} document, bytes per update (on the wire: mean of ${updates})`,
    ['format', 'serialized', 'on the wire', 'how'],
    rows.map((r) => [
      r.format,
      Number.isNaN(r.serialized) ? '—' : fmtInt(r.serialized),
      Number.isNaN(r.onWire) ? '—' : fmtInt(r.onWire),
      r.how,
    ]),
  );
  console.log(
    `\npatch vs snapshot: ${fmtInt(patchUpdate.length)} vs ${fmtInt(snapshotUpdate.length)} bytes ` +
      `(${(snapshotUpdate.length / patchUpdate.length).toFixed(0)}× smaller)`,
  );
  for (const [name, sample] of [
    ['braid-live', live.sample],
    ['braid-http', braidHttp.sample],
  ] as const) {
    console.log(`\none ${name} update as received:\n${JSON.stringify(sample)}`);
  }
  writeResults('wire', {
    documentBytes: docBytes,
    updatesMeasured: updates,
    rows,
    samples: { braidLive: live.sample, braidHttp: braidHttp.sample, ws: wsMessage(0) },
  });
}

await main();
