// Owns the bench's Node ceiling (issue 17): the least a Node reverse proxy does per request, a
// plain node:http server handing each request to an undici Pool with pool.stream(), with no
// logging and no security layer. It does the forwarding work nginx does (hop-by-hop headers
// dropped both ways, X-Forwarded-* added, bodies streamed), so that the gap between it and the
// gateway's passthrough is the gateway's own overhead.
//
// Usage: node --import tsx bench/servers/undici-proxy.ts UPSTREAM_URL   (prints {"port":N})

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Dispatcher, Pool } from 'undici';

/** RFC 9110 7.6.1's hop-by-hop fields, and Host, which the pool sets for the upstream. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function forwardable(headers: http.IncomingHttpHeaders | Record<string, string | string[] | undefined>) {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

const pool = new Pool(process.argv[2] as string, { connections: 128 });

const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const headers = forwardable(req.headers);
  delete headers.host;
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-host'] = req.headers.host ?? '';
  const method = req.method as Dispatcher.HttpMethod;
  const body = method === 'GET' || method === 'HEAD' ? null : req;
  pool.stream(
    { path: req.url ?? '/', method, headers, body },
    ({ statusCode, headers: answer }) => res.writeHead(statusCode, forwardable(answer)),
    (error) => {
      if (!error) return;
      if (res.headersSent) res.destroy(error);
      else res.writeHead(502, { 'content-length': 0 }).end();
    },
  );
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.close();
  process.exit(0);
});
