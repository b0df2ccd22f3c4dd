// Server rendering (node, no window): the hooks render initialData and open no connection; a relative URL
// never throws; suspense without initialData is a clear error, with it the initialData renders.
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { BraidProvider, useBraid, useBraidSelector, useBraidStatus } from '../src/index';

interface Doc {
  title: string;
}

function Title({ suspense }: { suspense?: boolean }) {
  const [doc, , status] = useBraid<Doc>('/api/doc', { initialData: { title: 'from the server' }, suspense });
  return <p>{`${doc.title} · ${status.state}`}</p>;
}

function Sliced() {
  const title = useBraidSelector('/api/doc', (d: Doc) => d.title);
  const status = useBraidStatus('/api/doc');
  return <p>{`${title ?? 'no value yet'} · ${status.state}`}</p>;
}

function Suspending() {
  const [doc] = useBraid<Doc>('/api/doc', { suspense: true });
  return <p>{doc.title}</p>;
}

describe('server rendering', () => {
  it('renders initialData for a relative URL, status connecting, and opens no connection', () => {
    const html = renderToString(
      <BraidProvider>
        <Title />
        <Sliced />
      </BraidProvider>,
    );
    expect(html).toContain('from the server · connecting');
    expect(html).toContain('no value yet · connecting');
  });

  it('suspense: true with initialData renders the initialData', () => {
    expect(
      renderToString(
        <BraidProvider>
          <Title suspense />
        </BraidProvider>,
      ),
    ).toContain('from the server');
  });

  it('suspense: true without initialData throws an error that says what to do', () => {
    expect(() =>
      renderToString(
        <BraidProvider>
          <Suspending />
        </BraidProvider>,
      ),
    ).toThrow(/rendered on the server without initialData/);
  });
});
