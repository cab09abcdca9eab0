// Clients for tests that must send what fetch refuses: node:http for hop-by-hop and
// oddly spelled headers and raw paths, node:net for request lines node:http would not write.

import http from 'node:http';
import net from 'node:net';

export interface RawResponse {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export interface RawRequestOptions {
  method?: string;
  /** Sent as written, without normalisation. */
  path: string;
  /** A flat [name, value, …] list keeps duplicates, order and case (Host is added when it lacks one). */
  headers?: string[] | Record<string, string>;
  body?: string | Buffer;
}

/** Sends one request on a fresh connection with node:http and buffers the answer. */
export function rawRequest(baseUrl: string, options: RawRequestOptions): Promise<RawResponse> {
  const url = new URL(baseUrl);
  let headers = options.headers;
  // node:http adds Host itself only to headers given as an object.
  if (Array.isArray(headers) && !headers.some((value, i) => i % 2 === 0 && value.toLowerCase() === 'host')) {
    headers = ['Host', url.host, ...headers];
  }
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname,
      port: url.port,
      method: options.method ?? 'GET',
      path: options.path,
      headers,
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.end(options.body);
  });
}

/** Writes bytes on a fresh TCP connection and resolves with everything read until the server closes it. */
export function rawExchange(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.write(bytes);
  });
}

/** The status code of the first response in raw response text. */
export function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}
