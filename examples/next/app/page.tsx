// A server component: reads the document's current value in this process (no HTTP round trip) and hands it
// to the client component, which renders it on the server, hydrates with the same value, then goes live.
import type { Doc } from '../../shared/doc';
import { braid } from '../lib/braid';
import { DocEditor } from './DocEditor';

export const dynamic = 'force-dynamic';

export default async function Page() {
  const { value } = await braid.get<Doc>('/api/doc');
  return (
    <main>
      <h1>braid-live on Next.js</h1>
      <DocEditor initialDoc={value} />
    </main>
  );
}
