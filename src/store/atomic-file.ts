// Owns crash-safe replacement of a file: once writeFileAtomic resolves, the new content is on
// disk under the file's name and survives a crash or a power cut; until then the old content
// is there, never a mix of both or an empty file.

import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Who owns a replaced file, when it must stay theirs (a root process editing a file the gateway's user owns). */
export interface FileOwner {
  readonly uid: number;
  readonly gid: number;
}

/** Replaces the file at `path` with `data`: temp file in the same folder, fsync, rename over it, fsync the folder. */
export async function writeFileAtomic(path: string, data: string, mode = 0o600, owner?: FileOwner): Promise<void> {
  // Same folder, so that the rename is atomic (rename(2) does not cross file systems).
  const temp = `${path}.tmp`;
  // A temp file left by a crash is replaced; 'wx' (O_EXCL) then creates a fresh one with our mode
  // and refuses to follow a symlink planted in its place.
  await rm(temp, { force: true });
  const file = await open(temp, 'wx', mode);
  try {
    // open() applies the umask to `mode`: the replacement gets exactly the mode asked for.
    await file.chmod(mode);
    if (owner) await file.chown(owner.uid, owner.gid);
    await file.writeFile(data);
    // The data must be on disk before the rename publishes it: otherwise a crash can leave the
    // new name pointing at an empty file (delayed allocation on ext4, XFS).
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  await syncFolder(dirname(path));
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
