import { useSharedText } from '../../hooks/useSharedText';
import { formatNumber } from '../../lib/format';
import { LIMITS, urls } from '../../model/resources';
import { Panel } from '../Panel';
import { ResourceBadge } from '../ResourceBadge';

/** A shared text area: two people can type into it at the same time without losing a character. */
export function NotesPanel() {
  const { text, status, textareaProps } = useSharedText(urls.notes);
  return (
    <Panel
      id="notes"
      title="Shift notes"
      subtitle="Shared text · type in two windows at once"
      aside={<ResourceBadge url={urls.notes} />}
      className="area-notes"
    >
      {text === undefined ? (
        <div className="notes-placeholder" aria-busy>
          Loading notes…
        </div>
      ) : (
        <textarea
          {...textareaProps}
          className="notes"
          spellCheck={false}
          maxLength={LIMITS.notesChars}
          aria-label="Shared notes"
          data-testid="notes"
        />
      )}
      <p className="notes-footer">
        <span>{formatNumber([...(text ?? '')].length)} characters</span>
        <span>
          {status.pending > 0
            ? `saving ${status.pending}…`
            : status.state === 'live'
              ? 'all changes saved'
              : 'reconnecting · edits will sync'}
        </span>
      </p>
    </Panel>
  );
}
