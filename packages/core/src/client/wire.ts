import { parseVersions } from '../protocol/versions';

/** The Version header of a response, or [] when it has none (or an unreadable one). */
export function readVersion(response: Response): string[] {
  try {
    return parseVersions(response.headers.get('version') ?? '');
  } catch {
    return [];
  }
}

export function sameVersion(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/** A fetch failure as one line (undici puts the useful part, ECONNREFUSED..., in `cause`). */
export function describe(error: unknown): string {
  const e = error as { message?: string; cause?: { message?: string; code?: string } };
  return [e?.message, e?.cause?.code ?? e?.cause?.message].filter(Boolean).join(': ') || String(error);
}
