// Plain node:http: the handler answers every path (404 for what is no resource).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBraidServer } from '@braid-live/server';
import { announce, defineDoc, port } from '../shared/doc.ts';

const braid = defineDoc(createBraidServer());
const server = http.createServer(braid.handler);
server.listen(port, '127.0.0.1', () => announce((server.address() as AddressInfo).port));
