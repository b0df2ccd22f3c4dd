// Type tests, checked by `pnpm typecheck` (tsc includes packages/*/test; vitest does not run *.test-d.*):
// each expectTypeOf fails the build if a generic stops flowing, each @ts-expect-error if its line compiles.
import type { ResourceStatus } from '@braid-live/core';
import { expectTypeOf } from 'vitest';
import { z } from 'zod';
import {
  type BraidSetter,
  type BraidStatus,
  defineResource,
  type IdleStatus,
  type MaybeBraidKey,
  useBraid,
  useBraidSelector,
  useBraidStatus,
} from '../src/index';

interface Doc {
  title: string;
  readonly tags: readonly string[];
  count: number;
}

declare const url: string;
declare const maybe: MaybeBraidKey<Doc>;
declare const ready: boolean;

// ---- a url: T once the value is guaranteed (suspense, initialData), T | undefined before; never idle ----
export function useUrlKey() {
  const [doc, setDoc, status] = useBraid<Doc>(url);
  expectTypeOf(doc).toEqualTypeOf<Doc | undefined>();
  expectTypeOf(setDoc).toEqualTypeOf<BraidSetter<Doc>>();
  expectTypeOf(status).toEqualTypeOf<ResourceStatus>();
  const [suspended] = useBraid<Doc>(url, { suspense: true });
  expectTypeOf(suspended).toEqualTypeOf<Doc>();
  const [withInitial] = useBraid(url, { initialData: { title: '', tags: [], count: 0 } as Doc });
  expectTypeOf(withInitial).toEqualTypeOf<Doc>();
  // Untyped: unknown, not any.
  const [untyped] = useBraid(url);
  expectTypeOf(untyped).toBeUnknown();
  // @ts-expect-error: a value of the wrong type
  setDoc({ title: 1 });
  setDoc((d) => {
    expectTypeOf(d.title).toEqualTypeOf<string>();
    // immer's Draft<T>: readonly removed, so a recipe can mutate a readonly document type.
    expectTypeOf(d.tags).toEqualTypeOf<string[]>();
    d.tags.push('x');
  });
  // @ts-expect-error: no such key on the draft
  setDoc((d) => void (d.typo = 1));
  // @ts-expect-error: a replacement from a recipe must be a whole Doc
  setDoc(() => ({ title: 'only' }));
  setDoc(() => ({ title: 'whole', tags: [], count: 1 }));
  // Untyped: the draft is unknown, not any.
  const [, setUntyped] = useBraid(url);
  // @ts-expect-error: unknown has no properties
  setUntyped((d) => void (d.anything = 1));
  expectTypeOf(setDoc({ title: '', tags: [], count: 0 })).toEqualTypeOf<Promise<void>>();
}

// ---- a key that may be null: T | undefined whatever the options, and the status may be idle ----
export function useNullableKey() {
  const [doc, , status] = useBraid<Doc>(ready ? url : null, { suspense: true });
  expectTypeOf(doc).toEqualTypeOf<Doc | undefined>();
  expectTypeOf(status).toEqualTypeOf<BraidStatus>();
  expectTypeOf<IdleStatus['state']>().toEqualTypeOf<'idle'>();
  const [withInitial] = useBraid<Doc>(maybe, { initialData: { title: '', tags: [], count: 0 } });
  expectTypeOf(withInitial).toEqualTypeOf<Doc | undefined>();
  const [fromNull] = useBraid<Doc>(null);
  expectTypeOf(fromNull).toEqualTypeOf<Doc | undefined>();
  expectTypeOf(useBraidStatus(url)).toEqualTypeOf<ResourceStatus>();
  expectTypeOf(useBraidStatus(null)).toEqualTypeOf<BraidStatus>();
  expectTypeOf(useBraidStatus(maybe)).toEqualTypeOf<BraidStatus>();
}

// ---- useBraidSelector: the selector's input is the document, its output the slice (| undefined) ----
export function useSelector() {
  const title = useBraidSelector(url, (d: Doc) => d.title);
  expectTypeOf(title).toEqualTypeOf<string | undefined>();
  const count = useBraidSelector<Doc, number>(null, (d) => {
    expectTypeOf(d).toEqualTypeOf<Doc>();
    return d.count;
  });
  expectTypeOf(count).toEqualTypeOf<number | undefined>();
  // @ts-expect-error: no such key on the document
  useBraidSelector<Doc, number>(url, (d) => d.missing);
}

// ---- tokens: the type comes from defineResource (type argument or schema), no type argument at the hook ----
const docToken = defineResource<Doc>('/api/doc');
const Card = z.object({ title: z.string(), votes: z.number() });
type Card = z.infer<typeof Card>;
const cardToken = defineResource('/api/card', Card);
const cardsPattern = defineResource('/api/cards/:id', Card);

export function useTokens() {
  const [doc, setDoc, status] = useBraid(docToken);
  expectTypeOf(doc).toEqualTypeOf<Doc | undefined>();
  expectTypeOf(setDoc).toEqualTypeOf<BraidSetter<Doc>>();
  expectTypeOf(status).toEqualTypeOf<ResourceStatus>();
  const [card, setCard] = useBraid(cardToken, { suspense: true });
  expectTypeOf(card).toEqualTypeOf<Card>();
  setCard((c) => {
    expectTypeOf(c.votes).toEqualTypeOf<number>();
  });
  // @ts-expect-error: votes is a number
  setCard({ title: 'a', votes: '1' });
  const [member] = useBraid(cardsPattern.at({ id: 'a' }), { initialData: { title: '', votes: 0 } });
  expectTypeOf(member).toEqualTypeOf<Card>();
  // @ts-expect-error: a pattern is no resource: name a member with .at()
  useBraid(cardsPattern);
  // @ts-expect-error: a token of a Card is not a Doc
  useBraid<Doc>(cardToken);

  const votes = useBraidSelector(cardToken, (c) => {
    expectTypeOf(c).toEqualTypeOf<Card>();
    return c.votes;
  });
  expectTypeOf(votes).toEqualTypeOf<number | undefined>();
  // @ts-expect-error: the selector's input is the token's type
  useBraidSelector(cardToken, (c: Doc) => c.count);
  expectTypeOf(useBraidStatus(cardToken)).toEqualTypeOf<ResourceStatus>();

  // A token that may be null: T | undefined and BraidStatus, as for a url.
  const [maybeCard, , maybeStatus] = useBraid(ready ? cardToken : null, { suspense: true });
  expectTypeOf(maybeCard).toEqualTypeOf<Card | undefined>();
  expectTypeOf(maybeStatus).toEqualTypeOf<BraidStatus>();
  const title = useBraidSelector(ready ? cardsPattern.at({ id: 1 }) : null, (c) => c.title);
  expectTypeOf(title).toEqualTypeOf<string | undefined>();
}
