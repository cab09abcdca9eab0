// The seeded user accounts and scrypt-based password verification.
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

export type Role = 'admin' | 'staff';

export interface User {
  readonly name: string;
  readonly role: Role;
}

export interface SeedUser extends User {
  readonly password: string;
}

interface Credentials {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

export const SEED_USERS: readonly SeedUser[] = [
  { name: 'alice', role: 'admin', password: 'alice-password' },
  { name: 'bob', role: 'staff', password: 'bob-password' },
  { name: 'carol', role: 'staff', password: 'carol-password' },
];

const KEY_LENGTH = 32;

function deriveKey(password: string, salt: Buffer, cost: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, cost, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

async function hashPassword(password: string, cost: ScryptOptions): Promise<Credentials> {
  const salt = randomBytes(16);
  return { salt, hash: await deriveKey(password, salt, cost) };
}

/** The domain a lenient app adds to a short login name: `bob` signs in as `bob@corp.example`. */
export const LENIENT_DOMAIN = 'corp.example';

/** The seeded accounts as a lenient app names them: e-mail addresses. */
export const LENIENT_SEED_USERS: readonly SeedUser[] = SEED_USERS.map((seed) => ({
  ...seed,
  name: `${seed.name}@${LENIENT_DOMAIN}`,
}));

export class UserStore {
  readonly #users = new Map<string, User>();
  readonly #aliasDomain: string | undefined;
  // Hashing is slow on purpose, so it runs in the background and verify() waits for it.
  readonly #credentials: Promise<Map<string, Credentials>>;
  // Unknown names are checked against this so response times do not reveal which accounts exist.
  readonly #decoy: Promise<Credentials>;
  readonly #cost: ScryptOptions;

  /**
   * aliasDomain: a name typed without "@" is the account of that name at this domain (a lenient
   * app). cost: scrypt's (node's default, 16 MiB, when absent).
   */
  constructor(seeds: readonly SeedUser[] = SEED_USERS, aliasDomain?: string, cost: ScryptOptions = {}) {
    this.#aliasDomain = aliasDomain;
    this.#cost = cost;
    for (const { name, role } of seeds) this.#users.set(name, { name, role });
    this.#credentials = Promise.all(
      seeds.map(async (seed) => [seed.name, await hashPassword(seed.password, cost)] as const),
    ).then((entries) => new Map(entries));
    this.#decoy = hashPassword(randomBytes(16).toString('hex'), cost);
  }

  /** Exact, case-sensitive lookup by user name. */
  find(name: string): User | undefined {
    return this.#users.get(name);
  }

  async verify(typed: string, password: string): Promise<User | undefined> {
    const name = this.#aliasDomain && !typed.includes('@') ? `${typed}@${this.#aliasDomain}` : typed;
    const stored = (await this.#credentials).get(name);
    const expected = stored ?? (await this.#decoy);
    const actual = await deriveKey(password, expected.salt, this.#cost);
    const matches = timingSafeEqual(actual, expected.hash);
    return stored && matches ? this.#users.get(name) : undefined;
  }
}
