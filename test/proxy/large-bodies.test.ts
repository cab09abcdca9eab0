// Bodies stream through the gateway process without being held in memory: 256 MiB up and
// 256 MiB down arrive complete and intact (byte count and SHA-256), while the gateway's
// resident memory, sampled throughout, stays within its idle RSS + 64 MiB.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { type GatewayProcess, startGatewayProcess } from '../helpers/process.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const TOTAL = 256 * 1024 * 1024;
const CHUNK = 1024 * 1024;
/** The bound this test proves: streaming may cost buffers, never the body. */
const RSS_HEADROOM = 64 * 1024 * 1024;

let upstream: TestUpstream;
let gateway: GatewayProcess;
let idleRss = 0;
/** The size of each warm-up transfer: large enough to grow every buffer a transfer uses. */
const WARM_UP = 32 * 1024 * 1024;
/** What the upstream counted and hashed of the last upload, and hashed of the last download. */
const seen = { uploadBytes: 0, uploadSha256: '', downloadSha256: '' };

/** 256 chunks of 1 MiB generated on demand, each stamped with its index so order and duplicates show. */
function generate(total: number, onChunk: (chunk: Buffer) => void): Readable {
  const pattern = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i++) pattern[i] = (i * 31 + 7) & 0xff;
  let produced = 0;
  return new Readable({
    read() {
      if (produced >= total) {
        this.push(null);
        return;
      }
      const chunk = Buffer.from(pattern.subarray(0, Math.min(CHUNK, total - produced)));
      chunk.writeUInt32BE(produced / CHUNK, 0);
      produced += chunk.length;
      onChunk(chunk);
      this.push(chunk);
    },
  });
}

before(async () => {
  upstream = await startUpstream(
    (req, res) => {
      if (req.url === '/upload') {
        const hash = createHash('sha256');
        let bytes = 0;
        req.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          hash.update(chunk);
        });
        req.on('end', () => {
          seen.uploadBytes = bytes;
          seen.uploadSha256 = hash.digest('hex');
          res.end('stored');
        });
        return;
      }
      if (req.url?.startsWith('/download')) {
        const size = Number(new URL(req.url, 'http://upstream').searchParams.get('bytes') ?? TOTAL);
        const hash = createHash('sha256');
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
        pipeline(
          generate(size, (chunk) => hash.update(chunk)),
          res,
        ).then(
          () => {
            seen.downloadSha256 = hash.digest('hex');
          },
          () => {},
        );
        return;
      }
      req.resume();
      res.end('ok');
    },
    { stream: true },
  );
  gateway = await startGatewayProcess({ upstream: { url: upstream.url } });
  // Warm up (JIT, the upstream pool, stream buffers) with a streamed body each way before
  // taking the idle baseline: the bound is about growth with the body's size, not the one-off
  // cost of the first large transfer, which differs between Node versions.
  for (let i = 0; i < 2; i++) {
    const up = await fetch(`${gateway.url}/upload`, { method: 'PUT', body: Buffer.alloc(WARM_UP) });
    await up.arrayBuffer();
    const down = await fetch(`${gateway.url}/download?bytes=${WARM_UP}`);
    await down.arrayBuffer();
  }
  for (let i = 0; i < 5; i++) idleRss = Math.max(idleRss, await gateway.rss());
});
after(async () => {
  await gateway.stop();
  await rm(dirname(gateway.configFile), { recursive: true, force: true });
  await upstream.close();
});

/** Samples the gateway's RSS until `work` settles; resolves with the work's result and the peak. */
async function sampledPeak<T>(work: Promise<T>): Promise<{ result: T; peak: number }> {
  let done = false;
  let peak = 0;
  const sampling = (async () => {
    while (!done) {
      peak = Math.max(peak, await gateway.rss());
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  try {
    return { result: await work, peak };
  } finally {
    done = true;
    await sampling;
  }
}

function assertWithinBound(peak: number): void {
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  assert.ok(
    peak <= idleRss + RSS_HEADROOM,
    `gateway RSS peaked at ${mib(peak)}, idle ${mib(idleRss)}: more than idle + ${mib(RSS_HEADROOM)}`,
  );
}

test('256 MiB upload streams through intact, RSS within idle + 64 MiB', async () => {
  const sent = createHash('sha256');
  const upload = (async () => {
    const req = http.request(`${gateway.url}/upload`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(TOTAL) },
      agent: false,
    });
    const response = once(req, 'response') as Promise<[http.IncomingMessage]>;
    await pipeline(
      generate(TOTAL, (chunk) => sent.update(chunk)),
      req,
    );
    const [res] = await response;
    let text = '';
    for await (const chunk of res) text += chunk;
    return { status: res.statusCode, text };
  })();
  const { result, peak } = await sampledPeak(upload);
  assert.equal(result.status, 200);
  assert.equal(result.text, 'stored');
  assert.equal(seen.uploadBytes, TOTAL);
  assert.equal(seen.uploadSha256, sent.digest('hex'));
  assertWithinBound(peak);
});

test('256 MiB download streams through intact, RSS within idle + 64 MiB', async () => {
  const download = (async () => {
    const req = http.get(`${gateway.url}/download`, { agent: false });
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      hash.update(chunk);
    }
    return { status: res.statusCode, length: res.headers['content-length'], bytes, sha256: hash.digest('hex') };
  })();
  const { result, peak } = await sampledPeak(download);
  assert.equal(result.status, 200);
  assert.equal(result.length, String(TOTAL));
  assert.equal(result.bytes, TOTAL);
  assert.equal(result.sha256, seen.downloadSha256);
  assertWithinBound(peak);
});
