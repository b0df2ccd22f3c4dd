// A fresh user project OUTSIDE the workspace, made from create-vite's react-ts template (fixture/react-ts, copied
// from the create-vite 9.3.0 npm package; only src/App.tsx is ours, plus server.mjs, server-types.ts and two
// extra tsconfigs), with the packed tarballs installed by npm: no workspace links, no @braid-live/source
// condition, no tsx.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packWorkspace } from '../../scripts/lib/packWorkspace.mjs';

const FIXTURE = fileURLToPath(new URL('./fixture/react-ts', import.meta.url));

export interface ReactVersion {
  /** How the test names it. */
  label: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

/** The template's own versions (create-vite 9.3.0: react ^19.3.1, @types/react ^19.3.0). */
export const REACT_19: ReactVersion = { label: 'React 19', dependencies: {}, devDependencies: {} };
export const REACT_18: ReactVersion = {
  label: 'React 18.3',
  dependencies: { react: '18.3.1', 'react-dom': '18.3.1' },
  devDependencies: { '@types/react': '^18.3.0', '@types/react-dom': '^18.3.0' },
};

export interface CommandResult {
  code: number | null;
  output: string;
  ms: number;
}

/**
 * The environment of a user's shell: none of the variables pnpm/vitest set for us (NODE_OPTIONS carries the
 * @braid-live/source condition; npm_* would configure npm as if it ran inside the workspace).
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const keep =
    /^npm_config_(registry|cache|userconfig|globalconfig|proxy|https_proxy|noproxy|cafile|strict_ssl)$/i;
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_OPTIONS' || key.startsWith('VITEST') || key === 'NODE_ENV') continue;
    if (/^(npm_|pnpm_)/i.test(key) && !keep.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * Runs a command to completion in its own process group; past `timeoutMs` the whole group is killed (so no
 * grandchild — an npm lifecycle script, a compiler worker — outlives it).
 */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? userEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {}
    };
    const timer = setTimeout(() => {
      output += `\n[killed after ${options.timeoutMs} ms]`;
      killGroup();
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, output: `${output}\n${error.message}`, ms: performance.now() - started });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      killGroup(); // anything the command left running in its group
      resolve({ code, output, ms: performance.now() - started });
    });
  });
}

export interface ConsumerApp {
  dir: string;
  react: ReactVersion;
  tarballs: Record<string, string>;
  packMs: number;
  installMs: number;
  /** A binary of the project's own node_modules/.bin. */
  bin(name: string): string;
  dispose(): void;
}

/** Packs the workspace (cached), copies the template into a temp folder and npm-installs the tarballs there. */
export async function createConsumerApp(react: ReactVersion): Promise<ConsumerApp> {
  const packStarted = performance.now();
  const tarballs = await packWorkspace();
  const packMs = performance.now() - packStarted;
  const dir = mkdtempSync(join(tmpdir(), `braid-live-consumer-react${react.label.match(/\d+/)![0]}-`));
  try {
    cpSync(FIXTURE, dir, { recursive: true });
    // What create-vite does on copy: npm strips dotfiles from packages, so they ship with a leading _.
    renameSync(join(dir, '_gitignore'), join(dir, '.gitignore'));
    renameSync(join(dir, '_oxlintrc.json'), join(dir, '.oxlintrc.json'));
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    manifest.name = 'braid-live-consumer';
    manifest.dependencies = {
      ...manifest.dependencies,
      ...react.dependencies,
      // As `npm i @braid-live/react @braid-live/server` would, from the tarballs (core too: no registry has it).
      ...Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`])),
    };
    manifest.devDependencies = { ...manifest.devDependencies, ...react.devDependencies };
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const install = await runCommand(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: dir, timeoutMs: 300_000 },
    );
    if (install.code !== 0) throw new Error(`npm install failed (${install.code}):\n${install.output}`);
    return {
      dir,
      react,
      tarballs,
      packMs,
      installMs: install.ms,
      bin: (name) => join(dir, 'node_modules', '.bin', name),
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
