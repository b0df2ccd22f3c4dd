import { formatVersions } from '@braid-live/core/protocol';
import { type BraidTextState, useBraidClient, useBraidText } from '@braid-live/react';
import { shortVersion } from '../../lib/format';
import { urls } from '../../model/resources';

/**
 * The shared notes: a `braid.text` resource (simpleton), one TextResource per page shared by every component
 * that shows it (the panel, its badge, the status bar's version chip, the history panel's restore).
 */
export function useNotes(): BraidTextState & { version: readonly string[] | undefined } {
  // Its subscription rides the page's multiplexer stream with the JSON resources (browsers allow 6 connections
  // per origin: one more per tab would starve a fifth tab); with the client's `persist`, the tabs share ONE
  // subscription of it, the leader tab's (`client`).
  const client = useBraidClient();
  const notes = useBraidText(urls.notes, { subscribeFetch: client.subscriptionFetch, client });
  return { ...notes, version: notes.text === undefined ? undefined : notes.resource?.currentVersion };
}

const LABELS = { live: 'Live', connecting: 'Connecting', offline: 'Offline', closed: 'Closed' } as const;

/** The notes' connection state and version, as the other panels' ResourceBadge shows theirs. */
export function NotesBadge() {
  const { status, version, pending, error } = useNotes();
  const full = version?.join(', ');
  const state = status === 'closed' ? 'offline' : status;
  return (
    <span
      className={`badge badge-${state}`}
      data-resource={urls.notes}
      data-state={state}
      data-version={full ?? ''}
      title={`${urls.notes} (text)\n${LABELS[status]}${full ? ` at version ${full}` : ''}${pending ? '\nedits not yet confirmed' : ''}${error ? `\n${error.message}` : ''}`}
    >
      <span className="badge-dot" aria-hidden />
      {LABELS[status]}
      {full && <code className="badge-version">{shortVersion(version)}</code>}
      {pending && <span className="badge-pending">saving</span>}
    </span>
  );
}

/** For the status bar: the notes' version. */
export function NotesVersionChip() {
  const { version } = useNotes();
  return (
    <code
      className="version-chip"
      title={`${urls.notes} is at version ${version?.join(', ') ?? '(initial)'}`}
    >
      notes {shortVersion(version)}
    </code>
  );
}

/** The notes as they were right after `version` (`GET` with a `Version` header: the text). */
export async function fetchNotesAt(version: string): Promise<string> {
  const response = await fetch(urls.notes, {
    headers: { Version: formatVersions([version]) },
    cache: 'no-store',
  });
  if (response.status === 410 || response.status === 309)
    throw new Error('that version has left the server’s history');
  if (!response.ok) throw new Error(`${response.status} ${(await response.text()).slice(0, 200)}`);
  return response.text();
}
