// A minimal simpleton client, written for the interop test from the protocol description alone
// (../shared/braid-wire/text/README.md §9): subscribe, apply updates based on exactly our version, PUT our own
// edits naming their last event. Deliberately independent of @braid-live/core (own parser, own diff).

export interface MinimalClient {
  text: () => string;
  edit: (start: number, end: number, insert: string) => Promise<void>;
  close: () => void;
  ready: Promise<void>;
}

const cps = (s: string) => [...s];

export function minimalSimpletonClient(url: string, peer: string): MinimalClient {
  let text: string[] = [];
  let version: string[] = [];
  let counter = -1;
  const controller = new AbortController();
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });

  const apply = (headers: Map<string, string>, patches: { range: string; content: string }[] | string) => {
    const parents = JSON.parse(`[${headers.get('parents') ?? ''}]`).sort();
    if (parents.join('\n') !== version.join('\n') && !(typeof patches === 'string' && parents.length === 0))
      return;
    if (typeof patches === 'string') text = cps(patches);
    else {
      let offset = 0;
      for (const p of [...patches].sort(
        (a, b) => Number(/\d+/.exec(a.range)) - Number(/\d+/.exec(b.range)),
      )) {
        const [a, b] = (p.range.match(/\d+/g) ?? []).map(Number);
        text.splice(a + offset, b - a, ...cps(p.content));
        offset += cps(p.content).length - (b - a);
      }
    }
    version = JSON.parse(`[${headers.get('version') ?? ''}]`).sort();
    onReady();
  };

  void (async () => {
    const response = await fetch(url, {
      headers: { Subscribe: 'true', 'Merge-Type': 'simpleton', Peer: peer, Heartbeats: '20' },
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let buf = new Uint8Array(0);
    const decoder = new TextDecoder();
    const take = (n: number) => {
      const out = buf.subarray(0, n);
      buf = buf.subarray(n);
      return out;
    };
    const headEnd = () => {
      for (let i = 0; i + 3 < buf.length; i++)
        if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) return i;
      return -1;
    };
    const readHead = (): Map<string, string> | undefined => {
      while (buf[0] === 13 && buf[1] === 10) take(2); // blank lines, heartbeats
      const end = headEnd();
      if (end < 0) return undefined;
      const lines = decoder.decode(take(end + 4)).split('\r\n');
      const headers = new Map<string, string>();
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
      }
      return headers;
    };
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done || !value) return;
      const joined = new Uint8Array(buf.length + value.length);
      joined.set(buf);
      joined.set(value, buf.length);
      buf = joined;
      for (;;) {
        const saved = buf;
        const head = readHead();
        if (!head) break;
        const count = Number(head.get('patches') ?? 1);
        const patches: { range: string; content: string }[] = [];
        let complete = true;
        for (let i = 0; i < count && complete; i++) {
          const ph = head.has('patches') ? readHead() : head;
          const length = Number(ph?.get('content-length'));
          if (!ph || buf.length < length) complete = false;
          else patches.push({ range: ph.get('content-range') ?? '', content: decoder.decode(take(length)) });
        }
        if (!complete) {
          buf = saved;
          break;
        }
        apply(head, head.has('patches') || head.has('content-range') ? patches : (patches[0]?.content ?? ''));
      }
    }
  })().catch(() => {});

  return {
    text: () => text.join(''),
    ready,
    close: () => controller.abort(),
    async edit(start, end, insert) {
      const parents = version;
      text.splice(start, end - start, ...cps(insert));
      counter += end - start + cps(insert).length;
      version = [`${peer}-${counter}`];
      const headers: Record<string, string> = {
        'Merge-Type': 'simpleton',
        Peer: peer,
        Version: JSON.stringify(version[0]),
        Parents: parents.map((v) => JSON.stringify(v)).join(', '),
        'Content-Range': `text [${start}:${end}]`,
      };
      const response = await fetch(url, { method: 'PUT', headers, body: insert });
      if (!response.ok) throw new Error(`PUT ${response.status}`);
    },
  };
}
