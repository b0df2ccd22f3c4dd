import net from 'node:net';
import { HOST } from '../config';
import type { BaselineMessage } from '../payload';
import type { OpenSubscription } from './types';

const NEWLINE = 10;

/**
 * A raw TCP reader of newline-delimited JSON: the first line is the hello. Lines are found with indexOf on the
 * bytes and only complete lines are decoded (the cheapest reader: this is the limit the others are held to).
 */
export const openSubscription: OpenSubscription = (port, sink) =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ host: HOST, port });
    let pending: Buffer | undefined;
    let ready = false;
    socket.on('data', (chunk: Buffer) => {
      const bytes = pending ? Buffer.concat([pending, chunk]) : chunk;
      let start = 0;
      let end = bytes.indexOf(NEWLINE);
      while (end !== -1) {
        const line = bytes.toString('utf8', start, end);
        start = end + 1;
        end = bytes.indexOf(NEWLINE, start);
        if (!ready) {
          ready = true;
          resolve(() => socket.destroy());
          continue;
        }
        try {
          sink.delivered((JSON.parse(line) as BaselineMessage).content.t);
        } catch (error) {
          sink.error(error);
        }
      }
      pending = start < bytes.length ? bytes.subarray(start) : undefined;
    });
    socket.on('error', (error) => (ready ? sink.error(error) : reject(error)));
    socket.on('close', () => ready && sink.closed());
  });
