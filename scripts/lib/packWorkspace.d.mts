/** The repository root (the worktree this module lives in). */
export declare const ROOT: string;
/** The published packages (folders under packages/), in dependency order. */
export declare const PACKAGES: readonly string[];

export interface PackWorkspaceOptions {
  /** The workspace to pack (default: this repository). */
  root?: string;
  /** Where tarballs are kept, one folder per content hash (default: `$TMPDIR/braid-live-packs`). */
  cacheDir?: string;
  /** Progress lines (built or cached, how long). */
  log?: (line: string) => void;
}

/** A hash of every file that can change what the tarballs contain. */
export declare function workspaceSourceHash(root?: string): string;

/**
 * Builds and packs every package once per content hash of its sources; resolves to the tarball paths by
 * package name (`{ '@braid-live/core': '/tmp/…/braid-live-core-0.1.0.tgz', … }`). Treat the files as read-only.
 */
export declare function packWorkspace(options?: PackWorkspaceOptions): Promise<Record<string, string>>;
