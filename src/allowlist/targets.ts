// Owns how the editors (the CLI and the admin page) name and show the lists: which list an
// edit addresses by default, the roles the policy binds to a list, a list's label and audit
// facts, and the lists a listing shows (every list, those the policy names but nobody filled
// included, then every user's own list).

import type { AllowlistData, AllowlistEntry, AllowlistTarget } from '../config/allowlist-data.js';
import type { GatewayConfig } from '../config/schema.js';

/** The list that `staff` is bound to by the policy (else the one named staff): what an edit changes by default. */
export function defaultListName(config: Readonly<GatewayConfig>): string {
  return config.policy.staff?.allowlist ?? 'staff';
}

/** The roles the policy binds to a list. */
export function rolesBoundTo(config: Readonly<GatewayConfig>, name: string): string[] {
  return Object.entries(config.policy)
    .filter(([, policy]) => policy.allowlist === name)
    .map(([role]) => role);
}

/** "1 entry", "3 entries". */
export function entryCount(n: number): string {
  return `${n} ${n === 1 ? 'entry' : 'entries'}`;
}

/** "list staff", "user bob": how results and refusals name a list. */
export function targetLabel(target: AllowlistTarget): string {
  return `${target.kind} ${target.name}`;
}

/** The audit facts that name a list: { list: NAME } or { user_list: NAME }. */
export function targetFacts(target: AllowlistTarget): Record<string, string> {
  return target.kind === 'list' ? { list: target.name } : { user_list: target.name };
}

export interface ListSection {
  readonly target: AllowlistTarget;
  /** The roles the policy binds to this list (none for a user's own list). */
  readonly roles: readonly string[];
  readonly entries: readonly AllowlistEntry[];
}

/** Every named list (sorted, the policy's included even when empty), then every user's own list. */
export function listSections(config: Readonly<GatewayConfig>, data: AllowlistData): ListSection[] {
  const bound = Object.values(config.policy).flatMap((policy) => (policy.allowlist ? [policy.allowlist] : []));
  const named = [...new Set([...Object.keys(data.lists), ...bound])].sort();
  return [
    ...named.map((name) => ({
      target: { kind: 'list' as const, name },
      roles: rolesBoundTo(config, name),
      entries: data.lists[name] ?? [],
    })),
    ...Object.keys(data.users)
      .sort()
      .map((name) => ({ target: { kind: 'user' as const, name }, roles: [], entries: data.users[name] ?? [] })),
  ];
}
