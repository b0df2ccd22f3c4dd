// Express 5: braid.middleware first (before any body parser), then the app's own parsers and routes.
import type { AddressInfo } from 'node:net';
import { createBraidServer } from '@braid-live/server';
import express from 'express';
import { announce, defineDoc, port } from '../shared/doc.ts';

const braid = defineDoc(createBraidServer());
const app = express();
app.use(braid.middleware);
app.use(express.json());
app.post('/api/echo', (req, res) => {
  res.json(req.body);
});
const server = app.listen(port, '127.0.0.1', () => announce((server.address() as AddressInfo).port));
