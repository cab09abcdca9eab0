// Owns "one process per store file" (file.ts): the process that opens a store file listens on
// a Unix socket beside it, and another process (a second gateway, or `gateway users` while the
// gateway runs) that can connect to it is refused, because its writes and the owner's would
// overwrite each other. The kernel closes the socket when its process dies, kill -9 included,
// so a crash never leaves a lock behind: a socket file nobody listens on is replaced. A pid
// file could not tell a dead gateway from a live process that was given the same pid.

import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { relative } from 'node:path';

/** The store file is held by another live process. */
export class StoreInUseError extends Error {
  override name = 'StoreInUseError';
  readonly code = 'GW_STORE_IN_USE';
}

export interface FileLock {
  release(): Promise<void>;
}

// sun_path holds 104 bytes on macOS and 108 on Linux, terminator included; libuv silently
// truncates a longer path, which would put the socket somewhere else.
const MAX_SOCKET_PATH_BYTES = 103;
const PROBE_TIMEOUT_MS = 1_000;

/** Where the lock of the store file at `path` (absolute) listens. */
function socketPathOf(path: string): string {
  if (process.platform === 'win32') {
    return `\\\\?\\pipe\\login-security-gateway-${createHash('sha256').update(path.toLowerCase()).digest('hex')}`;
  }
  const beside = `${path}.lock`;
  if (Buffer.byteLength(beside) <= MAX_SOCKET_PATH_BYTES) return beside;
  // Each process resolves its own relative path to the same file, whatever its working folder.
  const fromHere = relative(process.cwd(), beside);
  if (Buffer.byteLength(fromHere) <= MAX_SOCKET_PATH_BYTES) return fromHere;
  throw new Error(
    `the store file ${path} has too long a path for its lock socket (${MAX_SOCKET_PATH_BYTES} bytes at most): choose a shorter store.path`,
  );
}

function listen(socketPath: string): Promise<Server> {
  // The holder answers every probe with its pid, so the refusal can say who holds the file.
  const server = createServer((socket) => socket.end(`${process.pid}\n`));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      // The lock must never keep a finished process alive.
      server.unref();
      resolve(server);
    });
  });
}

/** The holder's pid ('' when it said nothing) when something listens, undefined when nothing does. */
function probe(socketPath: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    let answer = '';
    let connected = false;
    const done = () => {
      socket.destroy();
      resolve(connected ? answer.trim() : undefined);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, done);
    socket.on('connect', () => {
      connected = true;
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
    });
    socket.on('end', done);
    socket.on('error', done);
  });
}

/** Takes the lock of the store file at `path` (absolute), or throws StoreInUseError naming the holder. */
export async function lockStoreFile(path: string): Promise<FileLock> {
  const socketPath = socketPathOf(path);
  for (let attempt = 1; ; attempt++) {
    try {
      const server = await listen(socketPath);
      return { release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt > 2) throw error;
    }
    const holder = await probe(socketPath);
    if (holder !== undefined) {
      throw new StoreInUseError(
        `the store file ${path} is in use by another process${holder ? ` (pid ${holder})` : ''}, most likely a running gateway: ` +
          'a file store serves one process. Stop the gateway and run this again, or use the Redis store to share state between processes',
      );
    }
    // Left by a process that died without closing it: nobody listens, so it is replaced.
    await rm(socketPath, { force: true });
  }
}
