// Type tests of the client's public API, checked by `pnpm typecheck` (tsc includes packages/*/test): each
// expectTypeOf fails the build if a generic stops flowing through, each `@ts-expect-error` if the line it guards
// starts compiling.
import { expectTypeOf } from 'vitest';
import {
  BraidClient,
  type BraidClientEvent,
  type BraidError,
  type BraidErrorKind,
  type ClientResource,
  type ConnectionPhase,
  type Resource,
  type ResourceStatus,
  type SetAction,
  type WritePhase,
} from '../../src/index';

interface Doc {
  title: string;
  tags: string[];
  count: number;
}

const client = new BraidClient({ baseUrl: 'http://127.0.0.1:1' });

// The default is `unknown`, never `any`: an untyped resource's value cannot be used without a check.
const untyped = client.resource('/doc');
expectTypeOf(untyped).toEqualTypeOf<ClientResource<unknown>>();
expectTypeOf(untyped.getSnapshot()).toBeUnknown();
// @ts-expect-error unknown has no properties (it would compile if the default were any)
untyped.getSnapshot().title;

// The document type flows through resource<T>() into the value, set and its recipe's draft.
const doc = client.resource<Doc>('/doc');
expectTypeOf(doc).toEqualTypeOf<ClientResource<Doc>>();
expectTypeOf(doc.getSnapshot()).toEqualTypeOf<Doc | undefined>();
expectTypeOf(doc.set).parameter(0).toEqualTypeOf<SetAction<Doc>>();
expectTypeOf(doc.set).returns.toEqualTypeOf<Promise<void>>();
doc.set((d) => {
  expectTypeOf(d).toEqualTypeOf<Doc>();
  d.count++;
});
doc.set({ title: 'x', tags: [], count: 1 });
// @ts-expect-error a recipe cannot write a member Doc does not have
doc.set((d) => void (d.typo = 1));
// @ts-expect-error nor a value of the wrong type
doc.set((d) => void (d.count = 'one'));
// @ts-expect-error a plain value must be a whole Doc
doc.set({ title: 'x' });

// undo/redo: promises like set's; the flags are in the status.
expectTypeOf(doc.undo).toEqualTypeOf<() => Promise<void>>();
expectTypeOf(doc.redo).toEqualTypeOf<() => Promise<void>>();
expectTypeOf(doc.getStatus()).toEqualTypeOf<ResourceStatus>();
expectTypeOf<ResourceStatus['canUndo']>().toEqualTypeOf<boolean>();
expectTypeOf<ResourceStatus['canRedo']>().toEqualTypeOf<boolean>();
expectTypeOf<ResourceStatus['pendingVersions']>().toEqualTypeOf<readonly string[]>();
expectTypeOf<ResourceStatus['error']>().toEqualTypeOf<BraidError | undefined>();

// The deprecated name is the same type.
expectTypeOf<Resource<Doc>>().toEqualTypeOf<ClientResource<Doc>>();

// Error kinds and phases are string unions, not strings.
expectTypeOf<BraidErrorKind>().toEqualTypeOf<
  | 'rejected'
  | 'conflict'
  | 'http'
  | 'network'
  | 'protocol'
  | 'version-taken'
  | 'invalid'
  | 'closed'
  | 'outbox-stale'
  | 'storage'
>();
expectTypeOf<ConnectionPhase>().toEqualTypeOf<
  'idle' | 'connecting' | 'live' | 'backoff' | 'offline' | 'failed' | 'closed'
>();
expectTypeOf<WritePhase>().toEqualTypeOf<
  'queued' | 'sending' | 'acked' | 'conflicted' | 'confirmed' | 'rejected'
>();

// Events narrow by type.
new BraidClient({
  onEvent: (event: BraidClientEvent) => {
    if (event.type === 'response') expectTypeOf(event.status).toEqualTypeOf<number>();
    if (event.type === 'connection') expectTypeOf(event.to).toEqualTypeOf<ConnectionPhase>();
    if (event.type === 'write') expectTypeOf(event.to).toEqualTypeOf<WritePhase>();
    // @ts-expect-error a connection event has no status
    if (event.type === 'connection') event.status;
  },
});

// Headers: a record, or a (possibly async) function of one.
new BraidClient({ headers: { Authorization: 'Bearer x' } });
new BraidClient({ headers: () => ({ Authorization: 'Bearer x' }) });
new BraidClient({ headers: async () => ({ Authorization: 'Bearer x' }) });
// @ts-expect-error header values are strings
new BraidClient({ headers: { 'X-Count': 1 } });
