// Runs every test (unit, integration, interop, e2e) in one vitest run and ends with the
// `N passed, N failed` line that CI counts, taken from vitest's JSON results.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const results = '.vitest-results.json';
rmSync(results, { force: true });

// The browser tests need Debian's chromium; install it when missing (root only, never a download of our own).
if (!existsSync('/usr/bin/chromium') && process.getuid?.() === 0) {
  spawnSync(
    'bash',
    ['-c', 'apt-get install -y chromium || (apt-get update && apt-get install -y chromium)'],
    {
      stdio: 'inherit',
    },
  );
}

// The Redis cluster tests start their own redis-server (Debian's package): install it the same way.
if (spawnSync('redis-server', ['--version']).error && process.getuid?.() === 0) {
  spawnSync(
    'bash',
    ['-c', 'apt-get install -y redis-server || (apt-get update && apt-get install -y redis-server)'],
    { stdio: 'inherit' },
  );
}

const args = [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile=${results}`,
  ...process.argv.slice(2),
];
const run = spawnSync('pnpm', ['exec', ...args], { stdio: 'inherit' });

let passed = 0;
let failed = 0;
if (existsSync(results)) {
  const json = JSON.parse(readFileSync(results, 'utf8'));
  passed = json.numPassedTests ?? 0;
  failed = (json.numFailedTests ?? 0) + (json.numRuntimeErrorTestSuites ?? 0);
  // A file that fails to load has no tests to count: count it as a failure.
  for (const file of json.testResults ?? []) {
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) failed++;
  }
}
if (run.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
