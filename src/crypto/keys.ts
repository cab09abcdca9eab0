// Owns the gateway's key material: read from the environment or a key file named in
// gateway.yaml (never inline), or, for the embedded default, generated on first start into
// mode-0600 files under the data folder and reused after. Each purpose gets its own key
// derived with HKDF, so one secret is never used for two jobs.

import { hkdfSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';

export const secretRefSchema = z
  .union([
    z.strictObject({ env: z.string().min(1).describe('Name of an environment variable holding the keys.') }),
    z.strictObject({ file: z.string().min(1).describe('Path of a file holding the keys (mode 0600).') }),
  ])
  .meta({ type: '{env} or {file}' });

export type SecretRef = z.output<typeof secretRefSchema>;

export const keysSchema = z
  .strictObject({
    session: secretRefSchema
      .optional()
      .describe('Keys that sign session cookies, newest first (one per line or comma-separated, 32+ characters each).'),
    encryption: secretRefSchema
      .optional()
      .describe('Keys that encrypt TOTP secrets, vaults and sealed cookies, newest first.'),
  })
  .prefault({})
  .describe('Secrets. When absent, keys are generated into data_dir/keys on first start and reused.');

export interface GatewayKeys {
  /** HMAC keys for cookies, newest first. */
  readonly signing: Buffer[];
  /** AES-256-GCM keys, newest first. */
  readonly sealing: Buffer[];
  /** A stable HMAC key for digests kept at rest (recovery codes, claimed cookie values). */
  readonly digest: Buffer;
}

const MIN_SECRET_CHARS = 32;

/** Splits key material into entries: one per line or comma-separated, blanks ignored. */
export function parseKeyList(text: string, source: string): string[] {
  const entries = text
    .split(/[\n,]/)
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error(`${source} holds no key`);
  for (const entry of entries) {
    if (entry.length < MIN_SECRET_CHARS)
      throw new Error(`${source}: every key needs at least ${MIN_SECRET_CHARS} characters`);
  }
  return entries;
}

function derive(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'login-security-gateway', purpose, 32));
}

async function readRef(ref: SecretRef): Promise<string[]> {
  if ('env' in ref) {
    const value = process.env[ref.env];
    if (value === undefined) throw new Error(`environment variable ${ref.env} is not set`);
    return parseKeyList(value, `environment variable ${ref.env}`);
  }
  return parseKeyList(await readFile(ref.file, 'utf8'), ref.file);
}

/** Reads a generated key file, creating it (mode 0600, folder 0700) on first start when `create` allows. */
async function generatedKeys(dataDir: string, name: string, create: boolean): Promise<string[]> {
  const dir = join(dataDir, 'keys');
  const file = join(dir, `${name}.keys`);
  try {
    return parseKeyList(await readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (!create) {
    throw new Error(
      `there are no generated keys in ${resolve(dir)}: start the gateway once to create them, and run this ` +
        'from the folder the gateway runs in (relative paths in gateway.yaml, data_dir included, are read from there)',
    );
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' }).catch(
    (error: NodeJS.ErrnoException) => {
      // Another process created it first: read theirs.
      if (error.code !== 'EEXIST') throw error;
    },
  );
  await chmod(file, 0o600);
  return parseKeyList(await readFile(file, 'utf8'), file);
}

export interface LoadKeysOptions {
  /**
   * Whether missing generated keys are created (the gateway, at its first start). The operator
   * CLI says no: keys it created in the wrong folder would seal and sign what no gateway can read.
   */
  generate?: boolean;
}

/** Loads (or generates) the keys and derives one key per purpose. */
export async function loadKeys(
  settings: z.output<typeof keysSchema>,
  dataDir: string,
  { generate = true }: LoadKeysOptions = {},
): Promise<GatewayKeys> {
  const session = settings.session
    ? await readRef(settings.session)
    : await generatedKeys(dataDir, 'session', generate);
  const encryption = settings.encryption
    ? await readRef(settings.encryption)
    : await generatedKeys(dataDir, 'encryption', generate);
  return {
    signing: session.map((secret) => derive(secret, 'cookie-signing')),
    sealing: encryption.map((secret) => derive(secret, 'sealing')),
    // The oldest key: digests stay valid while a new key is rotated in front of it.
    digest: derive(encryption.at(-1) as string, 'digests'),
  };
}
