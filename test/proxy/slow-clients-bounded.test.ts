// Slow clients are bounded (issue 13): headers that do not arrive within headers_timeout and a
// body that does not arrive within body_timeout (plus what body_min_rate earns) get 408 and a
// closed connection; connections beyond the caps per client address and in total are closed at
// once; and a client sending at a decent rate, or anyone else, is still served meanwhile.
// Behaviour only: the limits are small, the waits generous, nothing is timed.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

let upstream: TestUpstream;
before(async () => {
  upstream = await startUpstream();
});
after(() => upstream?.close());

interface RawClient {
  socket: Socket;
  /** Everything the gateway sent so far. */
  received(): string;
  closed(): boolean;
}

async function open(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, received: () => text, closed: () => closed };
}

/** A whole GET on a new connection: its status line's code. */
async function served(port: number): Promise<number> {
  const client = await open(port);
  client.socket.write('GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await waitFor('an answer', () => client.closed());
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(client.received())?.[1] ?? 0);
}

describe('slow requests', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({
      upstream: { url: upstream.url },
      listen: { headers_timeout: '1s', body_timeout: '1s', body_min_rate: '1KB' },
    });
  });
  after(() => gateway?.close());

  test('headers that never finish get 408 and a closed connection; others are served meanwhile', async () => {
    const slow = await Promise.all([1, 2, 3].map(() => open(gateway.port)));
    for (const client of slow) client.socket.write('GET /ok HTTP/1.1\r\nHost: x\r\n');
    assert.equal(await served(gateway.port), 200);
    for (const client of slow) {
      await waitFor('the slow client closed', () => client.closed());
      assert.match(client.received(), /^HTTP\/1\.1 408 /);
    }
  });

  test('a login-sized body trickling in gets 408 and a closed connection; others are served meanwhile', async () => {
    const slow = await Promise.all([1, 2, 3].map(() => open(gateway.port)));
    for (const client of slow) {
      client.socket.write(
        'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nab',
      );
    }
    // One more byte now and then does not earn enough time.
    const trickle = setInterval(() => {
      for (const client of slow) if (!client.closed()) client.socket.write('c');
    }, 200);
    try {
      assert.equal(await served(gateway.port), 200);
      for (const client of slow) {
        await waitFor('the slow client closed', () => client.closed());
        assert.match(client.received(), /^HTTP\/1\.1 408 /);
      }
    } finally {
      clearInterval(trickle);
    }
    assert.ok(
      !upstream.requests.some((r) => r.url === '/upload' && r.body.length === 100),
      'no trickled body arrived whole',
    );
  });

  test('a large upload sent at a decent rate is not cut', async () => {
    const client = await open(gateway.port);
    const size = 4 * 1024 * 1024;
    client.socket.write(`POST /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${size}\r\n\r\n`);
    client.socket.write(Buffer.alloc(size, 1));
    await waitFor('the answer', () => client.closed(), 60_000);
    assert.match(client.received(), /^HTTP\/1\.1 200 /);
    assert.match(client.received(), /"bodyLength":4194304/);
  });
});

describe('connection caps', () => {
  test('connections beyond the cap per client address are closed at once; the others are served', async () => {
    const gateway = await startTestGateway({
      upstream: { url: upstream.url },
      listen: { max_connections_per_client: 3, headers_timeout: '60s' },
    });
    try {
      const held = await Promise.all([1, 2, 3].map(() => open(gateway.port)));
      const extra = await open(gateway.port);
      await waitFor('the connection over the cap closed', () => extra.closed());
      assert.equal(extra.received(), '');
      // A held connection still works; one closed frees a place.
      const [first] = held as [RawClient];
      first.socket.write('GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      await waitFor('an answer on a held connection', () => first.closed());
      assert.match(first.received(), /^HTTP\/1\.1 200 /);
      await waitFor('a place freed', async () => (await served(gateway.port)) === 200);
      for (const client of held) client.socket.destroy();
    } finally {
      await gateway.close();
    }
  });

  test('connections beyond the total cap are closed at once', async () => {
    const gateway = await startTestGateway({
      upstream: { url: upstream.url },
      listen: { max_connections: 4, headers_timeout: '60s' },
    });
    try {
      const held = await Promise.all([1, 2, 3, 4].map(() => open(gateway.port)));
      const extra = await open(gateway.port);
      await waitFor('the connection over the cap closed', () => extra.closed());
      assert.equal(extra.received(), '');
      (held[0] as RawClient).socket.destroy();
      await waitFor('a place freed', async () => (await served(gateway.port)) === 200);
      for (const client of held) client.socket.destroy();
    } finally {
      await gateway.close();
    }
  });
});
