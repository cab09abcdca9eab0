// Owns `gateway store`: what an operator needs to look into and back up the embedded LMDB
// store while the gateway runs (the LMDB format lmdb-js writes is data format 2, which the
// mdb_* tools of Debian's lmdb-utils, LMDB 0.9, cannot open): its size, its live keys (never
// their values: sessions and secrets are sealed, and a key says what is stored), and a
// consistent copy. Needs no keys: nothing here unseals a record.

import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfigFile } from '../config/load.js';
import { ConfigInvalidError } from '../config/source.js';
import { importJsonStore, jsonStorePathOf } from '../store/json-import.js';
import type { LmdbStore } from '../store/lmdb.js';
import { CommandError, positionals, readArgs, UsageError } from './command.js';

/** Opens the LMDB store the configuration `file` names; refused for another store type. */
async function withLmdbStore(file: string, command: (store: LmdbStore) => Promise<void>): Promise<void> {
  const result = await loadConfigFile(file);
  if (!result.ok) throw new ConfigInvalidError(resolve(file), result.errors);
  const settings = result.config.store;
  if (settings.type !== 'lmdb') {
    throw new CommandError(
      `${file} uses the ${settings.type} store: gateway store works on the embedded LMDB store` +
        (settings.type === 'redis' ? ' (inspect Redis with redis-cli, back it up with its RDB or AOF files)' : ''),
    );
  }
  let store: LmdbStore;
  try {
    // Loaded here, not with the CLI: `gateway start` with another store never loads lmdb (issue 17).
    const { createLmdbStore } = await import('../store/lmdb.js');
    store = await createLmdbStore({ path: settings.path });
    // Opened as the gateway opens it, so that a store.json waiting to be imported is not left behind.
    await importJsonStore(store, jsonStorePathOf(settings.path));
  } catch (error) {
    throw new CommandError(`cannot open the store: ${(error as Error).message}`, { cause: error });
  }
  try {
    await command(store);
  } finally {
    await store.close();
  }
}

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
const when = (ms: number | undefined) => (ms === undefined ? 'never' : new Date(ms).toISOString());

async function stats(store: LmdbStore): Promise<void> {
  const { path, records, members } = store.stats();
  const size = (await stat(path)).size;
  process.stdout.write(
    `${path}: ${records} records (expired ones not yet swept included), ${members} set members, file ${megabytes(size)}\n`,
  );
}

async function keys(store: LmdbStore, prefix: string): Promise<void> {
  for (const { key, kind, expiresAt } of store.keys(prefix)) {
    process.stdout.write(`${key}\t${kind}\texpires ${when(expiresAt)}\n`);
  }
}

async function backup(store: LmdbStore, target: string): Promise<void> {
  // Never over an existing file: it may be the previous good backup.
  if (existsSync(target)) throw new CommandError(`${target} exists: name a new file for the backup`);
  await store.backup(target);
  process.stdout.write(
    `${resolve(target)}: a consistent copy of ${store.stats().path} (${megabytes((await stat(target)).size)}); ` +
      'restore it with the gateway stopped, in place of the store file; back up data_dir/keys with it\n',
  );
}

/** Runs `gateway store SUBCOMMAND ...`. */
export async function storeCommand(argv: readonly string[]): Promise<void> {
  const [subcommand, ...rest] = argv;
  const args = readArgs(rest);
  switch (subcommand) {
    case 'stats':
      positionals(args, [], 'store stats');
      return withLmdbStore(args.config, stats);
    case 'keys': {
      if (args.positionals.length > 1) throw new UsageError('store keys takes at most a PREFIX');
      return withLmdbStore(args.config, (store) => keys(store, args.positionals[0] ?? ''));
    }
    case 'backup': {
      const [target] = positionals(args, ['FILE'], 'store backup');
      return withLmdbStore(args.config, (store) => backup(store, target as string));
    }
    default:
      throw new UsageError(
        subcommand && !subcommand.startsWith('-')
          ? `unknown command "store ${subcommand}"`
          : 'store needs a command: stats, keys or backup',
      );
  }
}
