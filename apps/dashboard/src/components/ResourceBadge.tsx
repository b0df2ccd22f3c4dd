import { useBraidStatus } from '@braid-live/react';
import { shortVersion } from '../lib/format';

const LABELS = {
  live: 'Live',
  connecting: 'Connecting',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
  error: 'Error',
};

/** The connection state and version of one resource, for a panel header. */
export function ResourceBadge({ url, showVersion = true }: { url: string; showVersion?: boolean }) {
  const status = useBraidStatus(url);
  const full = status.version?.join(', ');
  return (
    <span
      className={`badge badge-${status.state}`}
      data-resource={url}
      data-state={status.state}
      data-version={full ?? ''}
      title={`${url}\n${LABELS[status.state]}${full ? ` at version ${full}` : ''}${status.pending ? `\n${status.pending} edit(s) not yet confirmed` : ''}${status.error ? `\n${status.error.message}` : ''}`}
    >
      <span className="badge-dot" aria-hidden />
      {LABELS[status.state]}
      {showVersion && full && <code className="badge-version">{shortVersion(status.version)}</code>}
      {status.pending > 0 && <span className="badge-pending">{status.pending} pending</span>}
    </span>
  );
}
