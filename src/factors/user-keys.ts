// Owns how the factors name a user's records: the user inside a Redis Cluster hash tag, so that
// every record of one user's factors hashes to one slot and an enrollment, a disable or a reset
// is one atomic Store.writeAll there too (issue 13: a kill -9 mid-enrollment left a secret with
// some of its recovery codes). The "u:" keeps the tag non-empty (Redis ignores "{}") whatever
// the name holds; a "}" in a name ends the tag early, alike in every key of that user.

/** The key of `user`'s record of `kind`, e.g. userKey('totp:secret', 'alice') = "totp:secret:{u:alice}". */
export function userKey(kind: string, user: string): string {
  return `${kind}:{u:${user}}`;
}

/** The record whose presence says the user holds TOTP: the sealed secret. */
export const totpSecretKey = (user: string): string => userKey('totp:secret', user);

/** The set of the user's passkey ids: present while they hold a passkey (a set's last member gone, the set is gone). */
export const passkeyListKey = (user: string): string => userKey('passkey:ids', user);

/** The prefix of the user's audit outbox entries (ops/audit-outbox.ts): in the slot of the changes they audit. */
export const auditOutboxKey = (user: string): string => userKey('audit:outbox', user);
