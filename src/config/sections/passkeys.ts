// Owns the `passkeys` section and the relying party WebAuthn binds passkeys to: its ID (a
// domain) and the origin the browser must report. Both come from the public origin, because a
// passkey is bound to it for good and an origin taken from a request's Host header would let
// a phishing proxy choose it. What WebAuthn would reject is refused here, not at sign-in.

import { isIP } from 'node:net';
import { z } from 'zod';

export const passkeysSchema = z
  .strictObject({
    origin: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .transform((url) => new URL(url).origin)
      .optional()
      .describe(
        'The origin people open the gateway at (https://host[:port]); by default upstream.rewrite.public_origin. Without either, passkeys are off.',
      ),
    rp_id: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The relying party ID passkeys are bound to: the origin's host (the default) or a domain it belongs to. Changing it later makes every passkey unusable.",
      ),
    rp_name: z.string().min(1).default('Login gateway').describe('The name the passkey prompt shows.'),
  })
  .prefault({})
  .describe('Passkeys (WebAuthn) as a second step of the two-factor kind, beside or instead of TOTP.');

export type PasskeySettings = z.output<typeof passkeysSchema>;

/** Where passkeys are bound: what registration and sign-in check the browser's answer against. */
export interface RelyingParty {
  readonly id: string;
  readonly origin: string;
  readonly name: string;
}

/**
 * Why WebAuthn would refuse this relying party, or undefined when it would not (pure). Browsers
 * require a secure context (https, or http on localhost) and an RP ID that is the origin's host
 * or a parent domain of it, and never an IP address.
 */
export function relyingPartyProblem(origin: string, rpId: string): string | undefined {
  const url = new URL(origin);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(rpId) !== 0 || isIP(host) !== 0) {
    return `WebAuthn does not bind passkeys to an IP address (${isIP(rpId) !== 0 ? rpId : host}): use a host name`;
  }
  const localhost = host === 'localhost';
  if (url.protocol !== 'https:' && !localhost) return `${origin} is not https: browsers offer passkeys only there`;
  if (rpId !== host && !host.endsWith(`.${rpId}`)) return `rp_id ${rpId} is neither ${host} nor a domain it belongs to`;
  if (!rpId.includes('.') && rpId !== 'localhost') return `rp_id ${rpId} is a top-level name, not a domain`;
  return undefined;
}

/** The relying party in force, or undefined when no origin is configured or WebAuthn would refuse it (pure). */
export function relyingParty(passkeys: PasskeySettings, publicOrigin: string | undefined): RelyingParty | undefined {
  const origin = passkeys.origin ?? publicOrigin;
  if (origin === undefined) return undefined;
  const id = passkeys.rp_id ?? new URL(origin).hostname;
  return relyingPartyProblem(origin, id) === undefined ? { id, origin, name: passkeys.rp_name } : undefined;
}
