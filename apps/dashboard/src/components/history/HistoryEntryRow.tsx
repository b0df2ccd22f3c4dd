import { describeChange } from '../../lib/describeChange';
import { formatAgo, shortVersion } from '../../lib/format';
import { hueOf, nameOfPeer } from '../../lib/identity';
import type { VersionEntry } from '../../lib/versions';

export function HistoryEntryRow({
  entry,
  isCurrent,
  isYou,
  now,
  restoring,
  onRestore,
}: {
  entry: VersionEntry;
  isCurrent: boolean;
  isYou: boolean;
  now: number;
  restoring: boolean;
  onRestore: () => void;
}) {
  const name = nameOfPeer(entry.peer);
  return (
    <li className="version" data-testid="version" data-version={entry.version}>
      <span className="avatar" style={{ '--hue': hueOf(name) } as never} aria-hidden>
        {name[0]}
      </span>
      <div className="version-main">
        <p className="version-who">
          <strong>{isYou ? `${name} (you)` : name}</strong>
          <span className="version-when" title={new Date(entry.time).toLocaleString()}>
            {formatAgo(entry.time, now)}
          </span>
        </p>
        <p className="version-what">{describeChange(entry.patches)}</p>
      </div>
      <code className="version-id" title={entry.version}>
        {shortVersion(entry.version)}
      </code>
      {isCurrent ? (
        <span className="version-current">current</span>
      ) : (
        <button type="button" className="button button-small" disabled={restoring} onClick={onRestore}>
          Restore
        </button>
      )}
    </li>
  );
}
