import type { History, VersionEntry } from './history';
import { ResourceError } from './resourceError';

/** One page of the version list, newest first, as the JSON the history endpoint answers. */
export interface HistoryPage {
  /** The page as UTF-8 JSON (made once: repeated reads send the same bytes). */
  bytes: Buffer;
  /** Versions on the page. */
  count: number;
  /** The `before` of the next (older) page, when there are older versions in memory. */
  next?: string;
}

export interface HistoryPageRequest {
  /** Only versions older than this one (undefined: from the newest). */
  before?: string;
  /** Most versions on the page. */
  limit: number;
  /** Most bytes of the page: it ends before the version that would pass them (but holds at least one). */
  maxBytes: number;
}

/**
 * Serves the version list of one resource in pages, without rebuilding what it already built: each version's
 * JSON is made once (versions never change) and the last page is kept as it was answered until the history
 * moves, so repeated reads of the same page cost a lookup.
 */
export class HistoryPages {
  private readonly entryJson = new WeakMap<VersionEntry, string>();
  private last?: { key: string; page: HistoryPage };

  page(history: History, request: HistoryPageRequest): HistoryPage {
    const key = `${history.root.seq}:${history.headSeq}:${request.limit}:${request.maxBytes}:${request.before ?? ''}`;
    if (this.last?.key === key) return this.last.page;
    const page = this.build(history, request);
    this.last = { key, page };
    return page;
  }

  private build(history: History, { before, limit, maxBytes }: HistoryPageRequest): HistoryPage {
    const versions = history.versions;
    let start = versions.length - 1;
    if (before !== undefined) {
      const entry = history.entry(before);
      if (!entry) {
        throw new ResourceError(
          'version-not-in-history',
          `version ${JSON.stringify(before)} is not in the server's history (gone, or never existed)`,
        );
      }
      start = entry.seq - versions[0].seq - 1;
    }
    const parts: string[] = [];
    let bytes = 2;
    let index = start;
    for (; index >= 0 && parts.length < limit; index--) {
      const json = this.jsonOf(versions[index]);
      if (parts.length > 0 && bytes + json.length + 1 > maxBytes) break;
      parts.push(json);
      bytes += json.length + 1;
    }
    const page: HistoryPage = { bytes: Buffer.from(`[${parts.join(',')}]`, 'utf8'), count: parts.length };
    if (index >= 0 && parts.length > 0) page.next = versions[index + 1].version;
    return page;
  }

  private jsonOf(entry: VersionEntry): string {
    let json = this.entryJson.get(entry);
    if (json === undefined) {
      json = JSON.stringify(historyEntryOf(entry));
      this.entryJson.set(entry, json);
    }
    return json;
  }
}

/** The public shape of a version (`HistoryEntry`), with copies of the arrays (callers cannot rearrange ours). */
export function historyEntryOf(entry: VersionEntry) {
  const out: {
    version: string;
    parents: string[];
    time: number;
    patches: VersionEntry['patches'];
    peer?: string;
  } = {
    version: entry.version,
    parents: [...entry.parents],
    time: entry.time,
    patches: [...entry.patches],
  };
  if (entry.peer !== undefined) out.peer = entry.peer;
  return out;
}
