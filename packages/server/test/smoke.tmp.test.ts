import { it } from 'vitest';
import { rawRequest, request } from './helpers/rawHttp';
import { startBraid } from './helpers/server';
it('smoke', async () => {
  const s = await startBraid({}, (b) => b.text('/docs/:id', { initial: '' }));
  const r1 = await rawRequest(s.port, request('PUT', '/docs/a', { Version: '"alice-4"', Parents: '' }, 'hello'));
  console.log(r1.status, r1.headers, r1.text);
  const r2 = await rawRequest(s.port, request('PUT', '/docs/a', { Version: '"bob-5"', Parents: '"alice-4"', 'Content-Range': 'text [5:5]' }, ' world'));
  console.log(r2.status, r2.headers, r2.text);
  const r3 = await rawRequest(s.port, request('GET', '/docs/a', {}));
  console.log(r3.status, r3.headers, r3.text);
  const r4 = await rawRequest(s.port, request('GET', '/docs/a', {Version: '"alice-2"'}));
  console.log(r4.status, r4.reason, r4.headers, r4.text);
  await s.stop();
});
