// Owns the large-body client, run as its own process:
//   node --import tsx bench/load/bulk-client.ts upload|download URL BYTES
// streams BYTES up (POST /upload, the upstream answers the count it received) or down
// (GET /download?bytes=BYTES), checks that every byte arrived, prints one JSON line.

import http from 'node:http';
import { performance } from 'node:perf_hooks';

const [mode, base, bytesText] = process.argv.slice(2);
const bytes = Number(bytesText);
if ((mode !== 'upload' && mode !== 'download') || !base || !Number.isSafeInteger(bytes)) {
  process.stderr.write('usage: bulk-client.ts upload|download URL BYTES\n');
  process.exit(2);
}
/** One 64 KiB buffer written over and over: the client allocates nothing per chunk. */
const CHUNK = Buffer.alloc(64 * 1024, 'u');

function upload(): Promise<{ status: number; received: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-length': bytes },
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (part: string) => {
        text += part;
      });
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, received: (JSON.parse(text) as { bytes: number }).bytes });
        } catch {
          resolve({ status: res.statusCode ?? 0, received: -1 });
        }
      });
    });
    let left = bytes;
    const pump = () => {
      while (left > 0) {
        const size = Math.min(left, CHUNK.length);
        left -= size;
        if (!req.write(size === CHUNK.length ? CHUNK : CHUNK.subarray(0, size))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

function download(): Promise<{ status: number; received: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/download?bytes=${bytes}`, { agent: false }, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, received }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const startedAt = performance.now();
const result = await (mode === 'upload' ? upload() : download());
const ms = performance.now() - startedAt;
process.stdout.write(
  `${JSON.stringify({ mode, bytes, ms, ...result, ok: result.status === 200 && result.received === bytes })}\n`,
);
