import { formatNumber } from '../../lib/format';
import { LIMITS } from '../../model/resources';
import { Panel } from '../Panel';
import { NotesBadge, useNotes } from './notesText';

/**
 * A shared text area: several people type into it at the same time without losing a character. The textarea
 * is bound to a `braid.text` resource (useBraidText): each keystroke is one code-point splice, the caret stays
 * where you type while others edit, and an IME composition is never interrupted by a remote edit.
 */
export function NotesPanel() {
  const { text, status, pending, bind } = useNotes();
  return (
    <Panel
      id="notes"
      title="Shift notes"
      subtitle="Shared text · type in two windows at once"
      aside={<NotesBadge />}
      className="area-notes"
    >
      {text === undefined && (
        <div className="notes-placeholder" aria-busy>
          Loading notes…
        </div>
      )}
      <textarea
        ref={bind}
        hidden={text === undefined}
        className="notes"
        spellCheck={false}
        maxLength={LIMITS.notesChars}
        aria-label="Shared notes"
        data-testid="notes"
      />
      <p className="notes-footer">
        <span>{formatNumber([...(text ?? '')].length)} characters</span>
        <span>
          {pending ? 'saving…' : status === 'live' ? 'all changes saved' : 'reconnecting · edits will sync'}
        </span>
      </p>
    </Panel>
  );
}
