// Owns the TOTP arithmetic (RFC 6238 over RFC 4226 HOTP) in the shape Google Authenticator
// reads: 160-bit base32 secrets, HMAC-SHA-1, 6 digits, 30-second steps from T0 = 0.
// Pure functions over otplib 13; no clock, no store.

import { generateSecret, verifySync } from 'otplib';

const PERIOD_SECONDS = 30;
const DIGITS = 6;
// RFC 4226 section 4 (R6): at least 128 bits, 160 recommended (the size of a SHA-1 output).
const SECRET_BYTES = 20;
const CODE = /^[0-9]{6}$/;

/** A fresh random secret, base32 (RFC 4648) without padding, as authenticator apps expect. */
export function createSecret(): string {
  return generateSecret({ length: SECRET_BYTES });
}

/** Throws unless the issuer can stand in a Key URI label, where ":" separates issuer and account. */
export function assertIssuer(issuer: string): void {
  if (issuer === '' || issuer.includes(':')) throw new Error('a TOTP issuer must be non-empty and contain no ":"');
}

/**
 * The otpauth:// URI (Google Authenticator's Key URI Format) to show as a QR code.
 * Built here rather than with otplib's generateURI, which leaves out the default algorithm,
 * digits and period and splits the label on ":" before encoding it, so a ":" in an account
 * name would move the issuer/account boundary; here the account is fully percent-encoded.
 */
export function otpauthUri(issuer: string, account: string, secret: string): string {
  assertIssuer(issuer);
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = `secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${DIGITS}&period=${PERIOD_SECONDS}`;
  return `otpauth://totp/${label}?${query}`;
}

/**
 * The code as 6 ASCII digits, or undefined when malformed. Whitespace is dropped because
 * apps display "123 456"; nothing else is forgiven (no Unicode digits, no letters).
 */
export function parseCode(input: string): string | undefined {
  const code = input.replace(/\s/g, '');
  return CODE.test(code) ? code : undefined;
}

/**
 * The RFC 6238 time step T = floor(unixSeconds / 30) whose code equals `code`, trying the
 * current step and one on either side (section 5.2 allows for transmission delay; the step
 * ahead covers a phone clock running fast), or undefined when none matches or the code is
 * malformed. otplib compares each candidate in constant time (@otplib/core constantTimeEqual).
 */
export function matchStep(secret: string, code: string, nowMs: number): number | undefined {
  const token = parseCode(code);
  if (token === undefined) return undefined;
  const epoch = Math.floor(nowMs / 1000);
  const result = verifySync({
    secret,
    token,
    epoch,
    epochTolerance: PERIOD_SECONDS,
    algorithm: 'sha1',
    digits: DIGITS,
    period: PERIOD_SECONDS,
  });
  // The functional result type is shared with HOTP, so the step is rebuilt from delta.
  return result.valid ? Math.floor(epoch / PERIOD_SECONDS) + result.delta : undefined;
}
