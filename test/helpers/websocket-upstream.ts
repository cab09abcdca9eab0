// A WebSocket endpoint on a test upstream: every upgrade is recorded, paths starting with
// /refuse are answered 401 (with a chunked body, as frameworks do), the rest echo each message.
// Both answers carry a header that only the upstream's Connection header says is hop-by-hop
// (X-Internal) and a cookie scoped to the upstream host, to check the gateway's hygiene.

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { TestUpstream } from './upstream.js';

export interface RecordedUpgrade {
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
}

export interface WebSocketUpstream {
  readonly upgrades: RecordedUpgrade[];
  /** The upstream ends of accepted WebSockets, in order. */
  readonly sockets: WebSocket[];
  /** Close codes the upstream ends received, in the order they closed. */
  readonly closeCodes: number[];
  close(): void;
}

const REFUSAL =
  'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="ws"\r\nContent-Type: text/plain\r\n' +
  'Transfer-Encoding: chunked\r\nConnection: close, X-Internal\r\nX-Internal: secret\r\n' +
  'Set-Cookie: ws=0; Domain=127.0.0.1; Path=/\r\n\r\n9\r\nlog in fi\r\n4\r\nrst!\r\n0\r\n\r\n';

/** Adds an echoing WebSocket server to the upstream. */
export function addWebSocketEcho(upstream: TestUpstream): WebSocketUpstream {
  const wss = new WebSocketServer({ noServer: true });
  wss.on('headers', (headers) => {
    headers.push('Connection: X-Internal', 'X-Internal: secret', 'Set-Cookie: ws=1; Domain=127.0.0.1; Path=/');
  });
  const upgrades: RecordedUpgrade[] = [];
  const sockets: WebSocket[] = [];
  const closeCodes: number[] = [];
  upstream.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrades.push({ url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    if (req.url?.startsWith('/refuse')) {
      socket.end(REFUSAL);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      ws.on('close', (code) => closeCodes.push(code));
    });
  });
  return {
    upgrades,
    sockets,
    closeCodes,
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
