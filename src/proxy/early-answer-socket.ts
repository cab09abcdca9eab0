// Owns the upstream sockets' one departure from Node's defaults: a write that fails because
// the upstream has stopped reading (EPIPE, ECONNRESET) does not destroy the socket. An app
// that refuses an upload early (a 415, a 413) answers and closes without reading the rest of
// the body; the rest of the body then fails to write, and Node would destroy the socket before
// undici read the answer already waiting in it, turning the app's answer into a 502 (issue 13,
// as nodejs/node#54366 describes). The failed write is dropped instead and the socket stays
// readable: undici reads the answer, then the close, and fails the request only when no answer came.

import type { Socket } from 'node:net';
import { buildConnector } from 'undici';

/** Write errors that mean "the peer is not reading any more", not "this socket is broken for reading". */
const PEER_STOPPED_READING = new Set(['EPIPE', 'ECONNRESET']);

type WriteCallback = (error?: Error | null) => void;

/** Makes `socket` drop writes the peer no longer reads instead of destroying itself. */
function keepReadableAfterFailedWrites(socket: Socket): void {
  const tolerant =
    (callback: WriteCallback): WriteCallback =>
    (error) => {
      if (error && PEER_STOPPED_READING.has((error as NodeJS.ErrnoException).code ?? '')) callback();
      else callback(error);
    };
  const write = socket._write.bind(socket);
  socket._write = (chunk, encoding, callback) => write(chunk, encoding, tolerant(callback));
  const writev = socket._writev?.bind(socket);
  if (writev) socket._writev = (chunks, callback) => writev(chunks, tolerant(callback));
}

/** undici's connector with the tolerance above on every socket it opens. */
export function createUpstreamConnector(options: buildConnector.BuildOptions): buildConnector.connector {
  const connect = buildConnector(options);
  return (opts, callback) =>
    connect(opts, (error, socket) => {
      if (socket) keepReadableAfterFailedWrites(socket as Socket);
      if (error) callback(error, null);
      else callback(null, socket as Socket);
    });
}
