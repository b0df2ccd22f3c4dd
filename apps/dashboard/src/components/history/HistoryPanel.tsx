import { useBraidStatus, useResource } from '@braid-live/react';
import { useState } from 'react';
import { useNow } from '../../hooks/useNow';
import { useSession } from '../../hooks/useSession';
import { useVersionHistory } from '../../hooks/useVersionHistory';
import { shortVersion } from '../../lib/format';
import { shareUnchanged } from '../../lib/shareUnchanged';
import { fetchValueAt } from '../../lib/versions';
import { type SharedUrl, urls } from '../../model/resources';
import { Panel } from '../Panel';
import { fetchNotesAt, useNotes } from '../shared/notesText';
import { HistoryEntryRow } from './HistoryEntryRow';

const DOCS: { url: SharedUrl; label: string }[] = [
  { url: urls.notes, label: 'Notes' },
  { url: urls.incidents, label: 'Incidents' },
  { url: urls.thresholds, label: 'Thresholds' },
];

const LIMIT = 30;

/**
 * The recent versions of a shared document, with "restore": the old value is fetched (`GET` + `Version`) and
 * written as a new version with setDoc, like any edit. Everyone sees it at once, the history keeps both the
 * mistake and the restore, and edits others make meanwhile are merged, not thrown away.
 */
export function HistoryPanel() {
  const [url, setUrl] = useState<SharedUrl>(urls.notes);
  // The notes are a text resource (braid.text): their version and restore go through the text binding.
  const isNotes = url === urls.notes;
  const notes = useNotes();
  const jsonVersion = useBraidStatus(isNotes ? null : url).version;
  const version = (isNotes ? notes.version : jsonVersion)?.join(',');
  const { entries, error } = useVersionHistory(url, LIMIT, version);
  const resource = useResource<unknown>(isNotes ? urls.thresholds : url); // (not subscribed unless used)
  const { identity } = useSession();
  const now = useNow(5000);
  const [restore, setRestore] = useState<{ state: 'working' | 'done' | 'failed'; message: string }>();

  const restoreTo = async (version: string) => {
    setRestore({ state: 'working', message: `Restoring ${shortVersion(version)}…` });
    try {
      if (isNotes) {
        const text = await fetchNotesAt(version);
        if (!notes.resource) throw new Error('the notes are not loaded yet');
        notes.resource.setText(text);
      } else {
        const value = await fetchValueAt(url, version);
        resource.set(shareUnchanged(resource.getSnapshot(), value));
      }
      setRestore({ state: 'done', message: `Restored the version ${shortVersion(version)} for everyone` });
    } catch (err) {
      setRestore({ state: 'failed', message: `Could not restore: ${(err as Error).message}` });
    }
  };

  return (
    <Panel
      id="history"
      title="History"
      subtitle="Every change is a version · restore one to roll everyone back"
      aside={
        <div className="segmented" role="tablist" aria-label="Document">
          {DOCS.map((doc) => (
            <button
              key={doc.url}
              type="button"
              role="tab"
              aria-selected={doc.url === url}
              className={`segment ${doc.url === url ? 'is-on' : ''}`}
              onClick={() => {
                setUrl(doc.url);
                setRestore(undefined);
              }}
            >
              {doc.label}
            </button>
          ))}
        </div>
      }
      className="area-history"
    >
      {restore && <p className={`notice notice-${restore.state}`}>{restore.message}</p>}
      {error && !entries && <p className="notice notice-failed">{error}</p>}
      <ol className="versions" aria-busy={!entries}>
        {entries?.map((entry, index) => (
          <HistoryEntryRow
            key={entry.version}
            entry={entry}
            isCurrent={index === 0}
            isYou={entry.peer === identity.peer}
            now={now}
            restoring={restore?.state === 'working'}
            onRestore={() => void restoreTo(entry.version)}
          />
        ))}
        {entries && entries.length === 0 && (
          <li className="empty">No edits yet: this is the initial version.</li>
        )}
      </ol>
    </Panel>
  );
}
