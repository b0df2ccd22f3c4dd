// The resource every example serves: one shared document, with a validate hook so that a bad write is a 422.
import type { BraidServer } from '@braid-live/server';

export interface Doc {
  title: string;
  items: string[];
}

export function defineDoc(braid: BraidServer): BraidServer {
  return braid.resource<Doc>('/api/doc', {
    initial: { title: 'hello', items: [] },
    validate: (next) => (typeof next.title === 'string' ? true : 'title must be a string'),
  });
}

/** The port from $PORT (0 = any free one), and the line the example tests wait for. */
export const port = Number(process.env.PORT ?? 8080);
export const announce = (actualPort: number) => console.log(`listening on http://127.0.0.1:${actualPort}`);
