import { applyJsonPatches, resolveJsonPatches } from './packages/core/src/protocol/index';
const obj: Record<string, number> = {};
for (let i = 0; i < 20000; i++) obj[`k${i}`] = i;
const keyPatches = Array.from({ length: 1000 }, (_, i) => ({ range: `.k${i * 7}`, content: -i }));
const str = { s: 'x'.repeat(1 << 20) };
const splices = Array.from({ length: 1000 }, (_, i) => ({ range: `.s[${(i * 7919) % 1000000}:${((i * 7919) % 1000000) + 3}]`, content: 'ab' }));
const emoji = { s: 'x😀'.repeat(1 << 19) };
const t = (name: string, f: () => unknown) => { const a = performance.now(); f(); console.log(name, (performance.now() - a).toFixed(1), 'ms'); };
for (let r = 0; r < 2; r++) {
t('keys', () => resolveJsonPatches(obj, keyPatches));
t('splices', () => resolveJsonPatches(str, splices));
t('splices emoji', () => resolveJsonPatches(emoji, splices));
}
const out = applyJsonPatches(str, splices) as {s: string};
console.log(typeof out.s, out.s.length);
