// Owns crash-safe replacement of a file: once writeFileAtomic resolves, the new content is on
// disk under the file's name and survives a crash or a power cut; until then the old content
// is there, never a mix of both or an empty file. Writers at the same time (two processes, or
// two tasks of one) each write their own temporary file, so none can publish another's
// half-written one: the file ends as one of them wrote it whole (the last rename wins).

import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Who owns a replaced file, when it must stay theirs (a root process editing a file the gateway's user owns). */
export interface FileOwner {
  readonly uid: number;
  readonly gid: number;
}

export interface AtomicWriteOptions {
  readonly owner?: FileOwner;
  /**
   * Checked once the new content is on disk, just before the rename publishes it: false leaves
   * the file as it is (a writer that must not overwrite a change made since it read the file
   * keeps the window for one to the time between this check and the rename).
   */
  readonly beforeRename?: () => Promise<boolean>;
}

/**
 * Replaces the file at `path` with `data`: temp file in the same folder, fsync, rename over it,
 * fsync the folder. False when `beforeRename` said no (nothing written).
 */
export async function writeFileAtomic(
  path: string,
  data: string,
  mode = 0o600,
  options: AtomicWriteOptions = {},
): Promise<boolean> {
  // Same folder, so that the rename is atomic (rename(2) does not cross file systems); a name
  // of its own (pid and random), so that concurrent writers never share one. 'wx' (O_EXCL)
  // creates it fresh with our mode and refuses to follow a symlink planted in its place.
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(temp, 'wx', mode);
  let published = false;
  try {
    try {
      // open() applies the umask to `mode`: the replacement gets exactly the mode asked for.
      await file.chmod(mode);
      if (options.owner) await file.chown(options.owner.uid, options.owner.gid);
      await file.writeFile(data);
      // The data must be on disk before the rename publishes it: otherwise a crash can leave the
      // new name pointing at an empty file (delayed allocation on ext4, XFS).
      await file.sync();
    } finally {
      await file.close();
    }
    if (options.beforeRename && !(await options.beforeRename())) return false;
    await rename(temp, path);
    published = true;
  } finally {
    // A write that failed or was called off leaves no temporary file behind.
    if (!published) await rm(temp, { force: true });
  }
  await syncFolder(dirname(path));
  return true;
}

/** fsync on the folder makes the rename itself durable: the new directory entry is on disk. */
async function syncFolder(folder: string): Promise<void> {
  // Windows cannot open a folder (EISDIR); there the rename is as durable as the file system makes it.
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
