import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One function's share of a V8 CPU profile (`node --cpu-prof`). */
export interface ProfileEntry {
  function: string;
  /** The file, relative to the repository when inside it; (native)/(program)/(garbage collector) otherwise. */
  location: string;
  selfMs: number;
  selfPercent: number;
}

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/**
 * Top functions by self time in a .cpuprofile: the time spent in each function's own code (not its callees),
 * summed over every call site, which is where to look first. `idle` time (the event loop waiting) is left out
 * of the percentages so they describe busy time.
 */
export function summarizeCpuProfiles(
  profiles: readonly (string | CpuProfile)[],
  root: string,
  top = 15,
  /** Native frames to leave out, e.g. the inspector's own `dispatch` when profiling in-process. */
  ignore: readonly string[] = [],
): { busyMs: number; entries: ProfileEntry[] } {
  const selfByKey = new Map<string, { fn: string; location: string; micros: number }>();
  let busy = 0;
  for (const profile of profiles) {
    busy += addSelfTimes(
      typeof profile === 'string' ? readProfile(profile) : profile,
      root,
      selfByKey,
      ignore,
    );
  }
  const entries = [...selfByKey.values()]
    .sort((a, b) => b.micros - a.micros)
    .slice(0, top)
    .map((e) => ({
      function: e.fn,
      location: e.location,
      selfMs: e.micros / 1000,
      selfPercent: busy ? (100 * e.micros) / busy : 0,
    }));
  return { busyMs: busy / 1000, entries };
}

/** Adds one profile's self times into `selfByKey`; returns its busy (non-idle) time in µs. */
function addSelfTimes(
  profile: CpuProfile,
  root: string,
  selfByKey: Map<string, { fn: string; location: string; micros: number }>,
  ignore: readonly string[],
): number {
  const byNode = new Map<number, CpuProfileNode>(profile.nodes.map((n) => [n.id, n]));
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byNode.get(profile.samples[i]);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node) continue;
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)' || (!url && ignore.includes(functionName))) continue;
    busy += delta;
    // The file only: line numbers are the compiled code's (the TypeScript loaders do not keep source lines).
    const where = url ? shortUrl(url, root) : '(native)';
    const fn = functionName || '(anonymous)';
    const key = `${fn}@${where}`;
    const entry = selfByKey.get(key) ?? { fn, location: where, micros: 0 };
    entry.micros += delta;
    selfByKey.set(key, entry);
  }
  return busy;
}

function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

/**
 * The main-thread profiles in a directory. Node names them CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile;
 * thread 0 is the main thread (tsx's module loader runs in a worker thread with a profile of its own).
 */
export function mainThreadProfiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

function shortUrl(url: string, root: string): string {
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  if (path.startsWith(root)) {
    const rel = relative(root, path);
    // pnpm's store paths are long: keep the package and file.
    const pnpm = rel.match(/node_modules\/\.pnpm\/[^/]+\/node_modules\/(.+)$/);
    return pnpm ? pnpm[1] : rel;
  }
  return path;
}
