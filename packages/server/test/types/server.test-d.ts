// Type tests, checked by `pnpm typecheck` (tsc includes packages/*/test): each `@ts-expect-error` fails the
// build if the line it guards starts compiling, and each expectTypeOf fails if a generic stops flowing.
import { expectTypeOf } from 'vitest';
import {
  type BraidServer,
  createBraidServer,
  type HistoryEntry,
  type ResourceChange,
  type ResourceErrorCode,
  type ResourceSnapshot,
} from '../../src/index';

interface Doc {
  title: string;
  readonly tags: readonly string[];
  count: number;
}

const braid: BraidServer = createBraidServer();

// Defaults are `unknown`, never `any`: an untyped read cannot be used as anything without a check.
expectTypeOf(braid.get('/doc')).toEqualTypeOf<Promise<ResourceSnapshot<unknown>>>();
expectTypeOf(braid.get<Doc>('/doc')).toEqualTypeOf<Promise<ResourceSnapshot<Doc>>>();
expectTypeOf(braid.history('/doc')).toEqualTypeOf<Promise<HistoryEntry[]>>();
expectTypeOf<ResourceSnapshot['value']>().toBeUnknown();
expectTypeOf<ResourceChange['value']>().toBeUnknown();

// get/history are promises only (no synchronous result that is also thenable).
expectTypeOf(braid.get('/doc')).not.toHaveProperty('value');

// The document type flows from `initial` into `validate`.
braid.resource('/doc', {
  initial: { title: '', tags: [], count: 0 } as Doc,
  validate: (next, prev) => {
    expectTypeOf(next).toEqualTypeOf<Doc>();
    expectTypeOf(prev).toEqualTypeOf<Doc>();
    return next.count >= 0;
  },
});
braid.resource<Doc>('/doc2', {
  // @ts-expect-error: the initial value must be a Doc
  initial: { title: 1 },
});

// Recipes get immer's Draft<T>: readonly removed, the document's own keys only.
braid.patch<Doc>('/doc', (d) => {
  expectTypeOf(d.title).toEqualTypeOf<string>();
  expectTypeOf(d.tags).toEqualTypeOf<string[]>();
  d.tags.push('x');
  d.count++;
});
// @ts-expect-error: no such key on a typed resource
braid.patch<Doc>('/doc', (d) => (d.typo = 1));
braid.patch<Doc>('/doc', (d) => {
  // @ts-expect-error: a value of the wrong type
  d.title = 5;
});
// @ts-expect-error: a replacement value must be a whole Doc
braid.patch<Doc>('/doc', () => ({ title: 'only' }));
braid.patch<Doc>('/doc', () => ({ title: 'whole', tags: [], count: 1 }));
// The type also flows from an annotated draft.
braid.patch('/doc', (d: Doc) => {
  d.count = 1;
});
// @ts-expect-error: an untyped resource's draft is unknown, not any
braid.patch('/doc', (d) => (d.anything = 1));
expectTypeOf(braid.patch<Doc>('/doc', () => {})).toEqualTypeOf<Promise<string>>();

braid.subscribe<Doc>('/doc', (change) => {
  expectTypeOf(change.value).toEqualTypeOf<Doc>();
  expectTypeOf(change.patches).toEqualTypeOf<import('@braid-live/core/protocol').JsonPatch[] | undefined>();
});

// Error codes are a closed union.
expectTypeOf<'write-conflict'>().toExtend<ResourceErrorCode>();
// @ts-expect-error: not a code
const notACode: ResourceErrorCode = 'conflict';
void notACode;
