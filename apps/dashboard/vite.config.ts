import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// `vite build` writes the app to dist/ (DIST_DIR overrides; the e2e builds into a temp folder).
// The demo builds from the packages' sources (the `@braid-live/source` export condition): no package build first.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  resolve: { conditions: ['@braid-live/source', ...defaultClientConditions] },
  build: {
    outDir: process.env.DIST_DIR ?? 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
});
