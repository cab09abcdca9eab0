// Owns one check of a valid configuration that is a warning, not an error (S13): a role bound to
// a second step or an allowlist while nothing confirms who the app signed in. The policy then
// applies to the name typed into the form, and an app that signs in another user under it (an
// alias, a short name for name@company) passes that user by with someone else's policy.

import type { GatewayConfig } from './schema.js';

/** One warning per role that needs `login.identity` and does not have it. */
export function identityWarnings(config: Pick<GatewayConfig, 'login' | 'policy'>): string[] {
  if (!config.login || config.login.identity) return [];
  return Object.entries(config.policy)
    .filter(([, rule]) => rule.second_step === 'required' || rule.allowlist !== undefined)
    .map(
      ([role, rule]) =>
        `policy.${role}: ${rule.second_step === 'required' ? 'requires a second step' : `is bound to allowlist ${rule.allowlist}`} ` +
        'but login.identity is not configured: the policy applies to the name typed, not to the user the app signs in',
    );
}
