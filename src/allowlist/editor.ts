// Owns the one interface through which allowlists are changed, whatever keeps them: the
// CLI and the admin page edit through it, gateway.yaml and Redis each implement it. Entries
// arrive validated (model.ts parseEntry); who changed what is audited by the caller.

import type { AllowlistData, AllowlistEntry, AllowlistTarget } from '../config/allowlist-data.js';

export interface AllowlistEditor {
  readonly source: 'yaml' | 'redis';
  /** The lists as kept now (not the compiled copy a running gateway holds). */
  read(): Promise<AllowlistData>;
  /** Adds the entry, or replaces the note of the same range. */
  add(target: AllowlistTarget, entry: AllowlistEntry): Promise<void>;
  /** Removes the entry of that range (canonical text); false when it was not there. */
  remove(target: AllowlistTarget, cidr: string): Promise<boolean>;
  /** Why edits cannot be saved here (a read-only file), or undefined when they can. */
  readOnlyReason(): Promise<string | undefined>;
  close(): Promise<void>;
}

/** An edit the source refuses as it stands (a read-only file, a result that would not load); the message is for the person editing. */
export class AllowlistEditRefusedError extends Error {
  override name = 'AllowlistEditRefusedError';
}
