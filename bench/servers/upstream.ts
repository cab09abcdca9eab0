// Owns the bench's upstream, run as its own process: a 2 KB page, a 1 MiB body, an upload
// sink that counts bytes, a streamed download of N bytes, and a login form handler that
// answers a session cookie (for the gateway's login layer to withhold and keep in its vault). node:http only, so that the
// floor ("bare") is the cheapest Node server and every proxy is measured against it.
//
// Usage: node --import tsx bench/servers/upstream.ts   (prints {"port":N} once listening)

import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BENCH_PASSWORD, PAGE, PAGE_TYPE } from './upstream-routes.js';

const MIB = Buffer.alloc(1024 * 1024, 'm');
/** Downloads are written in 64 KiB chunks of one shared buffer: the upstream allocates nothing per chunk. */
const CHUNK = Buffer.alloc(64 * 1024, 'd');

function sendFixed(res: http.ServerResponse, body: Buffer, type: string): void {
  res.writeHead(200, { 'content-type': type, 'content-length': body.length });
  res.end(body);
}

/** Streams `bytes` bytes with backpressure, so that a slow proxy slows the upstream instead of filling memory. */
function streamDownload(res: http.ServerResponse, bytes: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes });
  let left = bytes;
  const pump = () => {
    while (left > 0) {
      const size = Math.min(left, CHUNK.length);
      left -= size;
      const more = res.write(size === CHUNK.length ? CHUNK : CHUNK.subarray(0, size));
      if (!more) return void res.once('drain', pump);
    }
    res.end();
  };
  res.once('close', () => {
    left = 0;
  });
  pump();
}

/** Reads and counts an upload without keeping it, then answers the count. */
function countUpload(req: http.IncomingMessage, res: http.ServerResponse): void {
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    const body = JSON.stringify({ bytes });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}

/** Checks a login form and answers a new app session, as a web app's login does. */
function login(req: http.IncomingMessage, res: http.ServerResponse): void {
  let body = '';
  req.setEncoding('utf8').on('data', (text: string) => {
    body += text;
  });
  req.on('end', () => {
    const form = new URLSearchParams(body);
    // Any user with the bench password: the login storm signs many users in.
    if (!form.get('username') || form.get('password') !== BENCH_PASSWORD) {
      res.writeHead(401, { 'content-type': 'text/plain', 'content-length': 13 });
      return void res.end('Invalid login');
    }
    res.writeHead(303, {
      location: '/page',
      'set-cookie': `app_sid=${randomBytes(16).toString('hex')}; Path=/; HttpOnly`,
      'content-length': 0,
    });
    res.end();
  });
}

const server = http.createServer(
  // Longer than any proxy's idle reuse, so that neither nginx nor undici races a closing socket.
  { keepAliveTimeout: 65_000, requestTimeout: 0 },
  (req, res) => {
    const url = req.url ?? '/';
    if (url === '/page') return sendFixed(res, PAGE, PAGE_TYPE);
    if (url === '/mib') return sendFixed(res, MIB, 'application/octet-stream');
    if (url === '/upload' && req.method === 'POST') return countUpload(req, res);
    if (url === '/login' && req.method === 'POST') return login(req, res);
    const download = /^\/download\?bytes=(\d+)$/.exec(url);
    if (download) return streamDownload(res, Number(download[1]));
    res.writeHead(404, { 'content-length': 0 });
    res.end();
  },
);
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
