// Owns the file store, the durable embedded default: the keyspace in memory, persisted as one
// JSON file by atomic replacement with group commit. A mutating call resolves only once a
// snapshot containing its change has been renamed into place and fsynced, so an acknowledged
// write survives kill -9 and a power cut; concurrent mutations share one write. Reads see a
// change at once, before it is durable. One process owns the file (file-lock.ts refuses a
// second one): two processes on one file would overwrite each other's changes (use Redis).

import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { parseEntries, serializeEntries } from './file-format.js';
import { lockStoreFile } from './file-lock.js';
import { createGroupCommit } from './group-commit.js';
import { createKeyspace, type Entry } from './keyspace.js';
import { createKeyspaceStore } from './keyspace-store.js';
import { type Store, StoreUnavailableError } from './store.js';

export interface FileStoreOptions {
  /** The JSON file; its folder is created (mode 0700) when missing. */
  path: string;
  /** The clock TTLs are measured against (tests inject one to expire keys without sleeping). */
  now?: () => number;
}

/**
 * Opens (or starts) the store file at `path`; rejects when the file exists but is not a store
 * file, and with StoreInUseError while another process has it open.
 */
export async function createFileStore(options: FileStoreOptions): Promise<Store> {
  const path = resolve(options.path);
  const now = options.now ?? Date.now;
  // The file holds sessions and secrets (sealed, but still): only the gateway's user may read it.
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const lock = await lockStoreFile(path);
  let entries: Array<[string, Entry]>;
  try {
    entries = await load(path);
  } catch (error) {
    await lock.release();
    throw error;
  }
  const keyspace = createKeyspace(now, entries);
  const group = createGroupCommit(
    () => serializeEntries(keyspace.entries()),
    async (text) => {
      try {
        await writeFileAtomic(path, text, 0o600);
      } catch (error) {
        // A full disk or a read-only folder: callers answer 503 rather than pretend (S11).
        throw new StoreUnavailableError(`could not write the store file ${path}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
  );
  const store = createKeyspaceStore(keyspace, group);
  return {
    ...store,
    async close() {
      // Released only once the last write is on disk, so that the next owner reads it.
      await store.close();
      await lock.release();
    },
  };
}

/** The entries of the file; none when it does not exist yet. A damaged file is an error, never a silent reset. */
async function load(path: string): Promise<Array<[string, Entry]>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    return parseEntries(text);
  } catch (error) {
    throw new Error(
      `the store file ${path} cannot be read: ${(error as Error).message}. It was left untouched; ` +
        'restore it from a backup, or move it away to start with an empty store (every enrollment in it is lost).',
      { cause: error },
    );
  }
}
