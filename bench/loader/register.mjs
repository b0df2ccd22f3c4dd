// Runs the benchmarks' TypeScript the way a production build would: `node --import ./bench/loader/register.mjs`.
// tsx compiles with esbuild's keepNames, which wraps every function created at run time in a __name() call
// (Object.defineProperty): code that makes closures in a hot loop (the json transform does) ran 2x slower under
// tsx than bundled. These hooks compile .ts/.tsx with esbuild without keepNames, and keep the source files' URLs,
// so CPU profiles still name packages/core/src/... files.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
