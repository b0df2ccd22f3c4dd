// Fastify 5: the plugin answers braid-live's paths before Fastify parses a body; other routes as usual.
import type { AddressInfo } from 'node:net';
import { braidPlugin, createBraidServer } from '@braid-live/server';
import Fastify from 'fastify';
import { announce, defineDoc, port } from '../shared/doc.ts';

const braid = defineDoc(createBraidServer());
const app = Fastify();
await app.register(braidPlugin, { braid });
app.post('/api/echo', async (request) => request.body);
await app.listen({ port, host: '127.0.0.1' });
announce((app.server.address() as AddressInfo).port);
