// An answer the gateway reads only in part (a login answer past its bound, the app's logout
// answer, a CSRF page) and then drops must not take the process down. undici's body, destroyed
// before its 'end' was emitted, emits an abort error; while the request is still arriving, undici
// itself listens for it, but once the whole body has arrived (paused, so 'end' waits) nobody
// does, and the error is an uncaught exception. CI saw one end a test file at the gateway's
// upstream logout of a Django session.

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { Pool } from 'undici';
import { discardRest, exchange } from '../../src/proxy/exchange.js';
import { waitFor } from '../helpers/wait.js';

// The body in two parts: the exchange stops reading at the first, and the second, with the end,
// arrives while the rest waits unread.
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.write('<p>signed out</p>');
  setTimeout(() => res.end('<p>goodbye</p>'), 20);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

after(async () => {
  await pool.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** Whether the whole body has arrived in the stream's buffer (its end pushed, not yet emitted). */
const arrived = (stream: Readable) =>
  (stream as unknown as { _readableState: { ended: boolean } })._readableState.ended;

test('a rest that has arrived whole is dropped without an uncaught error', async () => {
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', record);
  try {
    const answer = await exchange({ pool }, { method: 'GET', path: '/', headers: [], body: null }, 0);
    const rest = answer.rest;
    assert.ok(rest, 'the answer was read in part');
    await waitFor('the rest of the body to arrive', async () => arrived(rest));
    discardRest(answer);
    await new Promise((resolve) => rest.once('close', resolve));
    // The abort error is emitted after the close; give it its turns.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('uncaughtException', record);
  }
  assert.deepEqual(uncaught, []);
});
