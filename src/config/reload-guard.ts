// Owns what a live reload may not do by itself: weaken protection. An edit that removes the
// `login` section, lowers what a role must pass (its second step, its allowlist), or switches
// the store is kept back until a restart; the rest
// of the edit applies. A half-written file (issue 13: a deploy tool's first part ended just
// before `login:`) can then never switch the login layer off, and an operator who meant it
// restarts. Pure: two validated configurations in, the one to run and what was kept back out.

import type { GatewayConfig } from './schema.js';

/** A part of an edit kept back until the next restart. */
export interface HeldBack {
  /** The YAML path of what was kept ("login", "policy.admin.second_step", "store.type"). */
  path: string;
  /** What the edit would have done. */
  change: string;
}

export interface GuardedReload {
  /** The configuration to run: the edit, with every weakening replaced by what is in force. */
  config: GatewayConfig;
  heldBack: HeldBack[];
}

type Policy = GatewayConfig['policy'];

/** What a role must pass; a role the policy does not list has an optional second step and no allowlist. */
function demands(policy: Policy, role: string): { required: boolean; allowlist: string | undefined } {
  const rule = policy[role];
  return { required: rule?.second_step === 'required', allowlist: rule?.allowlist };
}

/** The policy of `next`, with every role's second step and allowlist binding kept at least as in `inForce`. */
function guardPolicy(inForce: Policy, next: Policy, heldBack: HeldBack[]): Policy {
  const policy: Policy = { ...next };
  for (const [role, was] of Object.entries(inForce)) {
    const now = demands(next, role);
    const rule = { second_step: next[role]?.second_step ?? 'optional', allowlist: next[role]?.allowlist };
    if (was.second_step === 'required' && !now.required) {
      rule.second_step = 'required';
      heldBack.push({ path: `policy.${role}.second_step`, change: 'second step no longer required' });
    }
    if (was.allowlist !== undefined && now.allowlist === undefined) {
      rule.allowlist = was.allowlist;
      heldBack.push({ path: `policy.${role}.allowlist`, change: `allowlist ${was.allowlist} unbound` });
    }
    // The rest of the role's rule (its factors) is the new one's.
    const { allowlist: _dropped, ...rest } = next[role] ?? {};
    policy[role] = rule.allowlist === undefined ? { ...rest, second_step: rule.second_step } : { ...rest, ...rule };
  }
  return policy;
}

/** The configuration a reload of `next` may apply while `inForce` runs, and what it keeps back until a restart. */
export function guardReload(inForce: GatewayConfig, next: GatewayConfig): GuardedReload {
  const heldBack: HeldBack[] = [];
  let config: GatewayConfig = { ...next };
  if (inForce.login && !next.login) {
    config.login = inForce.login;
    heldBack.push({ path: 'login', change: 'login section removed' });
  }
  if (!inForce.login) return { config, heldBack };
  // The store is opened once at start: a new one (and lists kept in it) applies at a restart.
  if (inForce.store.type !== next.store.type) {
    config = { ...config, store: inForce.store, allowlists: inForce.allowlists };
    heldBack.push({ path: 'store.type', change: `store switched from ${inForce.store.type} to ${next.store.type}` });
  }
  config = { ...config, policy: guardPolicy(inForce.policy, next.policy, heldBack) };
  return { config, heldBack };
}
