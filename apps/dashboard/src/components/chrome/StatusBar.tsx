import { useBraidStatus } from '@braid-live/react';
import { useSyncExternalStore } from 'react';
import { useConnectionSummary } from '../../hooks/useConnectionSummary';
import { useNow } from '../../hooks/useNow';
import { useSession } from '../../hooks/useSession';
import { formatAgo, shortVersion } from '../../lib/format';
import { ALL_URLS, urls } from '../../model/resources';
import { NotesVersionChip } from '../shared/notesText';
import { SecondWindowButton } from './SecondWindowButton';

const STATE_LABELS = {
  live: 'Live',
  connecting: 'Connecting',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
  error: 'Error',
};

/** Connection state, versions, pending writes and the last error, for the whole page. */
export function StatusBar() {
  const summary = useConnectionSummary(ALL_URLS);
  const stuck = summary.notLive.map((entry) => `${entry.url}: ${entry.state}`).join('\n');
  return (
    <footer className="status-bar" data-testid="status-bar">
      <span
        className={`status-item status-conn status-${summary.state}`}
        data-testid="connection"
        data-state={summary.state}
        data-live={summary.live}
        data-total={summary.total}
        title={stuck || 'Every resource is subscribed and up to date'}
      >
        <span className="badge-dot" aria-hidden />
        {STATE_LABELS[summary.state]}
        <span className="status-muted">
          {summary.live}/{summary.total} <span className="status-resources-word">resources</span>
        </span>
      </span>
      <span className="status-item status-versions">
        <span className="status-muted">Versions</span>
        <NotesVersionChip />
        <VersionChip label="incidents" url={urls.incidents} />
        <VersionChip label="thresholds" url={urls.thresholds} />
      </span>
      <span className="status-item" data-testid="pending" data-pending={summary.pending}>
        <span className="status-muted">Pending writes</span> {summary.pending}
      </span>
      <LastError current={summary.error?.message} />
      <span className="status-item status-hint">
        <span className="status-muted">See it sync</span>
        <SecondWindowButton compact />
      </span>
    </footer>
  );
}

function VersionChip({ label, url }: { label: string; url: string }) {
  const { version } = useBraidStatus(url);
  return (
    <code className="version-chip" title={`${url} is at version ${version?.join(', ') ?? '(initial)'}`}>
      {label} {shortVersion(version)}
    </code>
  );
}

function LastError({ current }: { current?: string }) {
  const { errors } = useSession();
  const last = useSyncExternalStore(errors.subscribe, errors.getLast, errors.getLast);
  const now = useNow(5000);
  const message = current ?? (last && now - last.at < 60_000 ? last.error.message : undefined);
  return (
    <span className={`status-item status-error ${message ? 'has-error' : ''}`} title={message}>
      <span className="status-muted">Last error</span> {message ?? 'none'}
      {!current && message && last && <span className="status-muted"> · {formatAgo(last.at, now)}</span>}
    </span>
  );
}
