import net from 'node:net';
import { nowMicros } from '../../lib/clock';
import { HOST } from '../config';
import { writeContent } from '../payload';
import { awaitAcks } from './awaitAcks';
import type { ConnectWriter } from './types';

/** The raw TCP writer: one JSON line per write on the writer port; the server acks each with a line. */
export const connectWriter: ConnectWriter = async (_port, writerPort) => {
  const socket = net.connect({ host: HOST, port: writerPort! });
  socket.setNoDelay(true);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setEncoding('utf8');
  const acked = awaitAcks((onAck) => socket.on('data', onAck));
  return {
    write: (seq) => acked(() => socket.write(`${JSON.stringify(writeContent(seq, nowMicros()))}\n`)),
    close: () => socket.destroy(),
  };
};
