import { defineConfig } from 'vitest/config';

// Inside the monorepo every @braid-live/* import resolves to the package's TypeScript sources through this
// export condition (see packages/README.md), so tests need no build. Child processes the tests start
// (`node --import tsx …`) inherit it through NODE_OPTIONS.
const SOURCE_CONDITION = '@braid-live/source';
const conditionFlag = `--conditions=${SOURCE_CONDITION}`;
if (!process.env.NODE_OPTIONS?.includes(conditionFlag)) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} ${conditionFlag}`.trim();
}

// One run covers every package. React tests opt into jsdom with a
// `// @vitest-environment jsdom` comment; everything else runs in node.
export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, 'module', 'node', 'development|production'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.{ts,tsx}',
      'packages/*/test/**/*.test.{ts,tsx}',
      'apps/*/test/**/*.test.{ts,tsx}',
      'e2e/**/*.test.ts',
    ],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
