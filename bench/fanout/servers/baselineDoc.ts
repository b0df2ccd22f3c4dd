import { INITIAL_DOC } from '../config';
import { versionOf, type WriteContent } from '../payload';

/**
 * The state a baseline server (ws, SSE, raw TCP, braid-http) keeps: the document and its version. Each write
 * is parsed and applied, as a real server would (validate, store), so the baselines do the per-write work too;
 * it is tiny next to the per-subscriber work being measured.
 */
export class BaselineDoc {
  doc: Record<string, unknown> = { ...INITIAL_DOC };
  version = 'v0';

  /** Applies a write's content to `.last`; returns the version it replaces. */
  apply(seq: number, content: WriteContent): string {
    const parent = this.version;
    this.doc = { ...this.doc, last: content };
    this.version = versionOf(seq);
    return parent;
  }
}
