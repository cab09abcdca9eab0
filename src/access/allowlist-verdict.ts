// Owns the allowlist's decision for one request (S3, S11): may this user be here, at this
// address, under the lists in force? Pure; one of the facts access/decide.ts decides on.

import type { CompiledAllowlists } from '../config/allowlist-data.js';
import type { AddressKey } from '../net/ip.js';

export type AllowlistVerdict =
  /** unbound: the role is bound to no list; list/user: the address is in the role's list or the user's own. */
  | { readonly allowed: true; readonly via: 'unbound' | 'list' | 'user' }
  /** outside: in neither list; not_loaded: the lists never loaded, so nobody bound to one passes (S11). */
  | { readonly allowed: false; readonly reason: 'outside' | 'not_loaded' };

export interface AllowlistFacts {
  /** Canonical username. */
  readonly user: string;
  /** The list the user's role is bound to by the policy, if any. */
  readonly binding: string | undefined;
  /** The client's address, resolved per S7: text, or its key when it was read once already. */
  readonly address: string | AddressKey | undefined;
  /** The current lists; undefined when they never loaded. */
  readonly lists: CompiledAllowlists | undefined;
}

/** The verdicts, one object each: they are facts of every request of a bound user (issue 17). */
const UNBOUND: AllowlistVerdict = Object.freeze({ allowed: true, via: 'unbound' });
const VIA_LIST: AllowlistVerdict = Object.freeze({ allowed: true, via: 'list' });
const VIA_USER: AllowlistVerdict = Object.freeze({ allowed: true, via: 'user' });
const NOT_LOADED: AllowlistVerdict = Object.freeze({ allowed: false, reason: 'not_loaded' });
const OUTSIDE: AllowlistVerdict = Object.freeze({ allowed: false, reason: 'outside' });

function verdictOf(
  user: string,
  binding: string | undefined,
  address: AllowlistFacts['address'],
  lists: CompiledAllowlists | undefined,
): AllowlistVerdict {
  if (binding === undefined) return UNBOUND;
  if (!lists) return NOT_LOADED;
  if (lists.lists.get(binding)?.contains(address)) return VIA_LIST;
  if (lists.users.get(user)?.contains(address)) return VIA_USER;
  return OUTSIDE;
}

/**
 * Whether a user may log in or use a session from an address (S3). A user whose role is
 * bound to a list passes from that list's addresses or from the user's own list; a list
 * that does not exist is empty.
 */
export function allowlistVerdict(facts: AllowlistFacts): AllowlistVerdict {
  return verdictOf(facts.user, facts.binding, facts.address, facts.lists);
}

/** Whose request it is: a canonical username and the role the policy binds to a list. */
export interface AllowlistSubject {
  readonly user: string;
  readonly role: string;
}

/** The verdict for a user at an address under the policy in force and the lists in force. */
export function allowlistVerdictFor(
  policy: Readonly<Record<string, { allowlist?: string }>>,
  lists: CompiledAllowlists | undefined,
  who: AllowlistSubject,
  address: AddressKey | undefined,
): AllowlistVerdict {
  return verdictOf(who.user, policy[who.role]?.allowlist, address, lists);
}
