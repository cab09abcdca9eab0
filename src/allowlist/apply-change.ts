// Owns carrying out one change to one list for whoever edits (the CLI, the admin page): what
// the list held before, the change through the editor, the audit line of what changed, and the
// result in the words both show. The caller adds who is editing to the audit line and turns a
// refusal into its own answer (exit 1; 404 or 409).

import type { AllowlistChange, AllowlistData, AllowlistTarget } from '../config/allowlist-data.js';
import type { AuditEvent } from '../ops/audit.js';
import type { AllowlistEditor } from './editor.js';
import { entryCount, targetFacts, targetLabel } from './targets.js';

export type ChangeOutcome =
  /** changed: false when the list already said so (nothing written, nothing audited). */
  | { readonly done: true; readonly changed: boolean; readonly text: string }
  /**
   * not_found: the range is not in the list as read; nothing_removed: it was, but the editor
   * found nothing to remove when saving (another edit took it out first).
   */
  | { readonly done: false; readonly reason: 'not_found' | 'nothing_removed'; readonly text: string };

/**
 * Applies `change` to `target` through `editor`. `data` is the lists as read just before, with
 * users' lists under their canonical names (as the gateway reads them). Refusals of the
 * editor (AllowlistEditRefusedError, StoreUnavailableError) are the caller's to answer.
 */
export async function applyAllowlistChange(
  editor: AllowlistEditor,
  data: AllowlistData,
  target: AllowlistTarget,
  change: AllowlistChange,
  audit: (event: AuditEvent, facts: Record<string, unknown>) => void,
): Promise<ChangeOutcome> {
  const current = (target.kind === 'list' ? data.lists : data.users)[target.name] ?? [];
  const cidr = change.kind === 'add' ? change.entry.cidr : change.cidr;
  const before = current.find((existing) => existing.cidr === cidr);
  const label = targetLabel(target);
  const facts = { ...targetFacts(target), cidr, source: editor.source };

  if (change.kind === 'add') {
    const { note } = change.entry;
    if (before && before.note === note) {
      return {
        done: true,
        changed: false,
        text: `${label}: ${cidr} is already there${note ? ' with that note' : ''}; nothing changed`,
      };
    }
    await editor.add(target, change.entry);
    audit('allowlist.entry_added', {
      ...facts,
      note: note ?? null,
      previous_note: before ? (before.note ?? null) : undefined,
    });
    const what = before ? `changed the note of ${cidr}` : `added ${cidr}`;
    const size = before ? current.length : current.length + 1;
    return { done: true, changed: true, text: `${label}: ${what}${note ? ` (${note})` : ''}; ${entryCount(size)}` };
  }
  if (!before) return { done: false, reason: 'not_found', text: `${cidr} is not in ${label}: nothing removed` };
  if (!(await editor.remove(target, cidr))) {
    return {
      done: false,
      reason: 'nothing_removed',
      text: `${cidr} was no longer in ${label} when the change was saved: nothing removed`,
    };
  }
  audit('allowlist.entry_removed', { ...facts, note: before.note ?? null });
  return { done: true, changed: true, text: `${label}: removed ${cidr}; ${entryCount(current.length - 1)} left` };
}
