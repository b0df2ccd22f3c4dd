'use client';
// useBraid shows initialDoc during the server render and hydration (the same markup on both sides), then
// subscribes to /api/doc and renders every update live.
import { BraidClient } from '@braid-live/core';
import { BraidProvider, useBraid } from '@braid-live/react';
import { useState } from 'react';
import type { Doc } from '../../shared/doc';

export function DocEditor({ initialDoc }: { initialDoc: Doc }) {
  // One client per page, created on first render (BraidClient opens nothing until a resource is used).
  const [client] = useState(() => new BraidClient());
  return (
    <BraidProvider client={client}>
      <Editor initialDoc={initialDoc} />
    </BraidProvider>
  );
}

function Editor({ initialDoc }: { initialDoc: Doc }) {
  const [doc, setDoc, status] = useBraid<Doc>('/api/doc', { initialData: initialDoc });
  const [item, setItem] = useState('');
  return (
    <section>
      <p data-testid="status">{status.state}</p>
      <input
        aria-label="title"
        value={doc.title}
        onChange={(e) => {
          const title = e.target.value;
          setDoc((d) => {
            d.title = title;
          });
        }}
      />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!item) return;
          setDoc((d) => {
            d.items.push(item);
          });
          setItem('');
        }}
      >
        <input aria-label="new item" value={item} onChange={(e) => setItem(e.target.value)} />
        <button type="submit">add</button>
      </form>
      <ul data-testid="items">
        {doc.items.map((text, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: items are plain strings that may repeat
          <li key={i}>{text}</li>
        ))}
      </ul>
    </section>
  );
}
