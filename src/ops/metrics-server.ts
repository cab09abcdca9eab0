// Owns the metrics listener: GET /metrics in Prometheus's text format, on an address of its own
// (never the public port), optionally behind a bearer token read from a file at start-up. It
// answers nothing else, and a wrong or missing token gets 401 without a hint of the right one.

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsSettings } from './metrics-settings.js';

/** What the listener serves: one process's registry, or the sum over the workers (metrics-cluster.ts). */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsServer {
  /** "http://127.0.0.1:9464/metrics". */
  readonly url: string;
  close(): Promise<void>;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The token in `file` (surrounding white space dropped); an empty file is refused, never "no token". */
async function readToken(file: string): Promise<Buffer> {
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new Error(`metrics.token_file ${file} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (text === '') throw new Error(`metrics.token_file ${file} is empty`);
  return digest(text);
}

/** Starts the listener; resolves once it listens. */
export async function startMetricsServer(settings: MetricsSettings, registry: MetricsSource): Promise<MetricsServer> {
  const token = settings.token_file === undefined ? undefined : await readToken(settings.token_file);
  const authorized = (header: string | undefined) => {
    if (!token) return true;
    const match = /^Bearer +(\S+)\s*$/i.exec(header ?? '');
    // Digests of equal length, so that the comparison's time says nothing about the token.
    return match !== null && timingSafeEqual(digest(match[1] as string), token);
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    if (!authorized(req.headers.authorization)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('unauthorized\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? '' : text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
