import { formatVersions, type JsonPatch } from '@braid-live/core/protocol';

/** One version as the server lists it (`GET` with `Accept: application/braid-history+json`), newest first. */
export interface VersionEntry {
  version: string;
  parents: string[];
  /** Who wrote it: a browser's peer id, or 'server'. */
  peer?: string;
  /** ms since epoch */
  time: number;
  patches: JsonPatch[];
}

const HISTORY_TYPE = 'application/braid-history+json';

export async function fetchHistory(
  url: string,
  limit: number,
  signal?: AbortSignal,
): Promise<VersionEntry[]> {
  const response = await fetch(`${url}?limit=${limit}`, {
    headers: { Accept: HISTORY_TYPE },
    cache: 'no-store',
    signal,
  });
  if (!response.ok) throw new Error(`history: ${response.status} ${(await response.text()).slice(0, 200)}`);
  return (await response.json()) as VersionEntry[];
}

/** The resource's value as it was right after `version` (`GET` with a `Version` header). */
export async function fetchValueAt<T>(url: string, version: string): Promise<T> {
  const response = await fetch(url, {
    headers: { Accept: 'application/json', Version: formatVersions([version]) },
    cache: 'no-store',
  });
  if (response.status === 410) throw new Error('that version has left the server’s history');
  if (!response.ok) throw new Error(`${response.status} ${(await response.text()).slice(0, 200)}`);
  return (await response.json()) as T;
}
