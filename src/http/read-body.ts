// Owns reading a request body the gateway must see whole (a login, a gateway form), with a
// bound: a body over it is refused (413) without reading further.

import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/** The client went away before its body arrived whole: its doing, not a failure of the gateway. */
export class ClientAbortedError extends Error {
  override name = 'ClientAbortedError';
}

/** Reads the whole body, rejecting with BodyTooLargeError past maxBytes (checked on Content-Length first). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) return Promise.reject(new BodyTooLargeError(`body of ${declared} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.pause();
        reject(new BodyTooLargeError(`body over ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', (error) => reject(new ClientAbortedError(`client closed mid-request (${error.message})`)));
  });
}

/** Reads a small form-encoded body into its fields (first value of each name). */
export async function readForm(req: IncomingMessage, maxBytes: number): Promise<URLSearchParams> {
  return new URLSearchParams((await readBody(req, maxBytes)).toString('utf8'));
}
