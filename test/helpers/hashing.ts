// The argon2 runner as tests build it: a test-sized cost (1 MiB, one pass) and deadlines no busy
// machine reaches, so that no test depends on how fast the machine hashes. Tests of the bounds
// themselves set their own deadlines; the gateway's are set in its configuration (TEST_HASHING),
// and the login harness gives its gateway TEST_HASHER's cost (startGateway's hashCost).

import type { PasswordHasherOptions } from '../../src/crypto/password-hash.js';

/** Deadlines only: the production cost, for tests that check what is stored. */
export const TEST_DEADLINES = Object.freeze({ waitMs: 600_000, runMs: 600_000 }) satisfies PasswordHasherOptions;

export const TEST_HASHER = Object.freeze({
  ...TEST_DEADLINES,
  cost: Object.freeze({ memoryCost: 1024, timeCost: 1 }),
}) satisfies PasswordHasherOptions;

/**
 * The demo app's scrypt cost in tests (its default, 16 MiB, takes ~40 ms a check): the gateway's
 * tests sign in to it thousands of times, and whether a password matches does not depend on it.
 */
export const TEST_APP_PASSWORD_COST = Object.freeze({ N: 1024 });
