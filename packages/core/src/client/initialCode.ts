/**
 * What the on-demand chunks (the write path, the multiplexer, persistence) take from the code every page loads,
 * from this one module, which reaches all of that code (the package root). Why: a bundler that splits code by
 * which entry points reach a file (esbuild) otherwise emits the initial code as one chunk per combination of
 * on-demand chunks sharing it: six files instead of one, 1.5 kB more min+gzip for a single live resource.
 * Import from here in a chunk's root module; elsewhere import the file itself.
 */
export * from '../index';
export { formatVersions, parseVersions } from '../protocol/versions';
export { RETRYABLE_STATUS } from './backoff';
export { sleep } from './sleep';
export { describe } from './wire';
