// Type tests for typed resources, checked by `pnpm typecheck`: the document type flows from defineResource
// (a type argument, or a Standard Schema's output) through braid.resource into braid.patch's Draft, get and
// subscribe; a pattern is no resource until .at(). Each @ts-expect-error fails the build if its line compiles.
import * as v from 'valibot';
import { expectTypeOf } from 'vitest';
import { z } from 'zod';
import {
  type BraidServer,
  createBraidServer,
  defineResource,
  type PathParams,
  type ResourcePattern,
  type ResourceSnapshot,
  type ResourceToken,
  type StandardSchemaV1,
} from '../../src/index';

interface Doc {
  title: string;
  readonly tags: readonly string[];
  count: number;
}
const braid: BraidServer = createBraidServer();

// ---- a type argument ----
const doc = defineResource<Doc>('/doc');
expectTypeOf(doc).toEqualTypeOf<ResourceToken<Doc>>();
braid.resource(doc, { initial: { title: '', tags: [], count: 0 } });
// @ts-expect-error: the initial value must be a Doc
braid.resource(doc, { initial: { title: 1 } });
braid.resource(doc, {
  initial: { title: '', tags: [], count: 0 },
  validate: (next, prev) => {
    expectTypeOf(next).toEqualTypeOf<Doc>();
    expectTypeOf(prev).toEqualTypeOf<Doc>();
    return true;
  },
});
// @ts-expect-error: the schema is the token's; options take none
braid.resource(defineResource('/s', z.object({ a: z.number() })), {
  initial: { a: 1 },
  schema: z.object({ a: z.number() }),
});

braid.patch(doc, (d) => {
  expectTypeOf(d.title).toEqualTypeOf<string>();
  expectTypeOf(d.tags).toEqualTypeOf<string[]>(); // immer's Draft: readonly removed
  d.tags.push('x');
});
// @ts-expect-error: no such key
braid.patch(doc, (d) => void (d.typo = 1));
braid.patch(doc, (d) => {
  // @ts-expect-error: a value of the wrong type
  d.count = 'many';
});
// @ts-expect-error: a replacement must be a whole Doc
braid.patch(doc, () => ({ title: 'only' }));
expectTypeOf(braid.get(doc)).toEqualTypeOf<Promise<ResourceSnapshot<Doc>>>();
braid.subscribe(doc, (change) => expectTypeOf(change.value).toEqualTypeOf<Doc>());
// A token is exact: no other document type can be claimed for it.
// @ts-expect-error: a Partial<Doc> is not a Doc
braid.patch<Partial<Doc>>(doc, () => {});

// ---- a Standard Schema: the type is its output ----
const Card = z.object({ title: z.string(), votes: z.number() });
const card = defineResource('/card', Card);
expectTypeOf(card).toEqualTypeOf<ResourceToken<{ title: string; votes: number }>>();
expectTypeOf(card.schema).toEqualTypeOf<
  StandardSchemaV1<unknown, { title: string; votes: number }> | undefined
>();
braid.resource(card, { initial: { title: 'a', votes: 0 } });
// @ts-expect-error: votes is a number in the schema
braid.resource(card, { initial: { title: 'a', votes: '0' } });
braid.patch(card, (c) => {
  expectTypeOf(c.votes).toEqualTypeOf<number>();
});
const Settings = v.object({ theme: v.picklist(['light', 'dark']) });
const settings = defineResource('/settings', Settings);
braid.patch(settings, (s) => {
  expectTypeOf(s.theme).toEqualTypeOf<'light' | 'dark'>();
  // @ts-expect-error: not one of the picklist's values
  s.theme = 'blue';
});
// A plain path with options.schema infers the same way.
braid.resource('/plain', {
  initial: { title: 'a', votes: 1 },
  schema: Card,
  validate: (next) => expectTypeOf(next).toEqualTypeOf<{ title: string; votes: number }>() && true,
});

// ---- patterns ----
expectTypeOf<PathParams<'/a/:x/b/:y'>>().toEqualTypeOf<'x' | 'y'>();
expectTypeOf<PathParams<'/a/b'>>().toEqualTypeOf<never>();
const cards = defineResource('/cards/:id', Card);
expectTypeOf(cards).toEqualTypeOf<ResourcePattern<{ title: string; votes: number }, 'id'>>();
braid.resource(cards, { initial: (params) => ({ title: params.id, votes: 0 }) });
expectTypeOf(cards.at({ id: 'a' })).toEqualTypeOf<ResourceToken<{ title: string; votes: number }>>();
braid.patch(cards.at({ id: 1 }), (c) => void (c.votes += 1));
// @ts-expect-error: a pattern is no resource (name a member with .at)
braid.patch(cards, () => {});
// @ts-expect-error: the pattern's parameter is id
cards.at({ slug: 'a' });
const explicit = defineResource<Doc, '/docs/:id'>('/docs/:id');
expectTypeOf(explicit).toEqualTypeOf<ResourcePattern<Doc, 'id'>>();
