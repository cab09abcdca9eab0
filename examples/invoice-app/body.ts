// Reading small request bodies (forms, JSON) with a size limit; uploads are streamed by their route instead.
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

const SMALL_BODY_LIMIT = 64 * 1024;

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function requireMediaType(req: IncomingMessage, expected: string): void {
  if (mediaType(req) !== expected) throw new HttpError(415, `expected a ${expected} body`);
}

// Listeners rather than for-await: leaving a for-await loop early destroys the socket, and then the
// 413 answer could never reach the client.
function readSmallBody(req: IncomingMessage): Promise<Buffer> {
  if (Number(req.headers['content-length']) > SMALL_BODY_LIMIT) {
    return Promise.reject(new HttpError(413, 'request body too large'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > SMALL_BODY_LIMIT) {
        cleanup();
        req.pause();
        reject(new HttpError(413, 'request body too large'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => onError(new Error('request closed before its body was complete'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  requireMediaType(req, 'application/x-www-form-urlencoded');
  return new URLSearchParams((await readSmallBody(req)).toString('utf8'));
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  requireMediaType(req, 'application/json');
  const text = (await readSmallBody(req)).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'malformed JSON body');
  }
}

/**
 * The fields of a request as a lenient framework reads them: the query, then the body over it
 * (PHP's $_REQUEST, Flask's request.values), whatever the method; a body that looks like JSON
 * is read as JSON whatever its declared type (frameworks that sniff the body).
 */
export async function readLenientFields(req: IncomingMessage, url: URL): Promise<Map<string, string>> {
  const fields = new Map(url.searchParams);
  const text = (await readSmallBody(req)).toString('utf8');
  if (/^\s*\{/.test(text)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'malformed JSON body');
    }
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof value === 'string') fields.set(name, value);
    }
  } else {
    for (const [name, value] of new URLSearchParams(text)) fields.set(name, value);
  }
  return fields;
}
