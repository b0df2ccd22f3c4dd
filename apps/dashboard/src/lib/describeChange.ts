import { type JsonPatch, parseJsonRange } from '@braid-live/core/protocol';

/** One line saying what a version changed, from its json range patches (for the history panel). */
export function describeChange(patches: readonly JsonPatch[]): string {
  if (patches.length === 0) return 'no change';
  const parts: string[] = [];
  for (const change of coalesce(patches.map(parse))) {
    const text = describe(change);
    if (parts[parts.length - 1] !== text) parts.push(text);
  }
  return parts.length > 3 ? `${parts.slice(0, 3).join(', ')} and ${parts.length - 3} more` : parts.join(', ');
}

type Change =
  | { kind: 'splice'; path: string; start: number; removed: number; content: unknown; isText: boolean }
  | { kind: 'move'; content: unknown }
  | { kind: 'set'; path: (string | number)[]; content: unknown }
  | { kind: 'unknown'; range: string };

function parse({ range, content }: JsonPatch): Change {
  if (range === '') return { kind: 'set', path: [], content };
  try {
    const { path, slice } = parseJsonRange(range);
    if (!slice) return { kind: 'set', path, content };
    const isText = typeof content === 'string' || (content === undefined && path[path.length - 1] === 'text');
    return {
      kind: 'splice',
      path: path.join('/'),
      start: slice[0],
      removed: Math.max(0, slice[1] - slice[0]),
      content,
      isText,
    };
  } catch {
    return { kind: 'unknown', range };
  }
}

/**
 * A version often holds several keystrokes (a write carries everything typed while the previous one was in
 * flight): adjacent text inserts are joined into one "typed …". A removal of one item followed by the insert of
 * one item into the same list is how a reorder looks: shown as "moved …".
 */
function coalesce(changes: Change[]): Change[] {
  const out: Change[] = [];
  for (const change of changes) {
    const last = out[out.length - 1];
    if (
      last?.kind === 'splice' &&
      change.kind === 'splice' &&
      last.isText &&
      change.isText &&
      last.path === change.path &&
      change.removed === 0 &&
      typeof change.content === 'string' &&
      change.start === last.start + [...String(last.content ?? '')].length
    ) {
      out[out.length - 1] = { ...last, content: String(last.content ?? '') + change.content };
      continue;
    }
    if (
      last?.kind === 'splice' &&
      change.kind === 'splice' &&
      !last.isText &&
      !change.isText &&
      last.path === change.path &&
      last.removed === 1 &&
      last.content === undefined &&
      change.removed === 0 &&
      Array.isArray(change.content) &&
      change.content.length === 1
    ) {
      out[out.length - 1] = { kind: 'move', content: change.content[0] };
      continue;
    }
    out.push(change);
  }
  return out;
}

function describe(change: Change): string {
  switch (change.kind) {
    case 'unknown':
      return `changed ${change.range}`;
    case 'move':
      return `moved ${titleOf(change.content)}`;
    case 'splice': {
      const { removed, content } = change;
      if (change.isText) {
        const typed = typeof content === 'string' ? content : '';
        if (typed && removed) return `replaced ${plural(removed, 'char')} with ${quote(typed)}`;
        if (typed) return `typed ${quote(typed)}`;
        return `deleted ${plural(removed, 'char')}`;
      }
      const items = Array.isArray(content) ? content : [];
      if (items.length && removed) return `replaced ${plural(removed, 'item')}`;
      if (items.length)
        return items.length === 1 ? `added ${titleOf(items[0])}` : `added ${plural(items.length, 'item')}`;
      return removed === 1 ? 'removed an item' : `removed ${plural(removed, 'item')}`;
    }
    case 'set': {
      const { path, content } = change;
      if (path.length === 0) return 'replaced the whole document';
      const field = path.filter((segment) => typeof segment === 'string').join('.');
      if (content === undefined)
        return typeof path[path.length - 1] === 'number' ? 'removed an item' : `removed ${field}`;
      if (typeof path[path.length - 1] === 'number') return `replaced ${titleOf(content)}`;
      if (typeof content === 'object' && content !== null) return `replaced ${field}`;
      return `${prettyField(field)} → ${formatValue(content)}`;
    }
  }
}

function titleOf(item: unknown): string {
  const title = (item as { title?: unknown })?.title;
  return typeof title === 'string' && title ? quote(title) : 'an item';
}

const prettyField = (field: string) =>
  field
    .replace(/^items\./, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();

function formatValue(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

function quote(text: string): string {
  const flat = text.replace(/\n/g, '⏎');
  return `“${flat.length > 28 ? `${flat.slice(0, 27)}…` : flat}”`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
