// Server rendering (node, no window) with a null key: it renders idle and undefined, even with suspense and
// no initialData (a url would throw there), and needs no BraidProvider.
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { BraidProvider, defineResource, useBraid, useBraidSelector, useBraidStatus } from '../src/index';

interface Doc {
  title: string;
}

function Conditional({ url }: { url: string | null }) {
  const [doc, , status] = useBraid<Doc>(url, { suspense: true });
  const title = useBraidSelector(url, (d: Doc) => d.title);
  const onlyStatus = useBraidStatus(url);
  return (
    <p>{`${doc?.title ?? 'no doc'} · ${title ?? 'no title'} · ${status.state} · ${onlyStatus.state}`}</p>
  );
}

const docs = defineResource<Doc, '/api/docs/:id'>('/api/docs/:id');

/** A token key, or null until there is an id: the same server rendering rules as a url. */
function MaybeToken({ id }: { id?: string }) {
  const [doc, , status] = useBraid(id ? docs.at({ id }) : null, {
    initialData: { title: 'loaded by the server' },
  });
  return <p>{`${doc?.title ?? 'no doc'} · ${status.state}`}</p>;
}

describe('server rendering with a null key', () => {
  it('a token renders its initialData (connecting); null renders idle', () => {
    const html = renderToString(
      <BraidProvider>
        <MaybeToken id="a" />
        <MaybeToken />
      </BraidProvider>,
    );
    expect(html).toContain('loaded by the server · connecting');
    expect(html).toContain('no doc · idle');
  });

  it('renders idle and undefined, and does not suspend', () => {
    const html = renderToString(
      <BraidProvider>
        <Conditional url={null} />
      </BraidProvider>,
    );
    expect(html).toContain('no doc · no title · idle · idle');
  });

  it('renders without a BraidProvider', () => {
    expect(renderToString(<Conditional url={null} />)).toContain('idle · idle');
  });

  it('the same component with a url still says what a server render needs', () => {
    expect(() =>
      renderToString(
        <BraidProvider>
          <Conditional url="/api/doc" />
        </BraidProvider>,
      ),
    ).toThrow(/rendered on the server without initialData/);
  });
});
