// The /ws endpoint: authenticates the upgrade by session cookie, greets the user and echoes messages.
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { currentUser } from './guards.js';
import { requestUrl } from './router.js';
import type { AppServices } from './services.js';
import type { User } from './users.js';

const WEBSOCKET_PATH = '/ws';
const ECHO_PREFIX = Buffer.from('echo:');
const SHUTDOWN_GRACE_MS = 1000;

function rejectUpgrade(socket: Duplex, status: number): void {
  const reason = STATUS_CODES[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(reason) + 1}\r\n\r\n${reason}\n`,
  );
}

function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/**
 * ws is imported at the first upgrade, not with the app: every test file that starts the app
 * would otherwise pay about 0.1 s of CPU for it, and few of them open a WebSocket.
 */
async function createWebSocketServer(): Promise<WebSocketServer> {
  const { WebSocketServer } = await import('ws');
  return new WebSocketServer({ noServer: true });
}

export class EchoSocketServer {
  #wss: Promise<WebSocketServer> | undefined;
  readonly #services: AppServices;

  constructor(services: AppServices) {
    this.#services = services;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A peer can reset the connection while we answer; unhandled, that error would crash the process.
    socket.on('error', () => socket.destroy());
    let pathname: string;
    try {
      pathname = requestUrl(req).pathname;
    } catch {
      rejectUpgrade(socket, 400);
      return;
    }
    if (pathname !== WEBSOCKET_PATH) {
      rejectUpgrade(socket, 404);
      return;
    }
    const signedIn = currentUser(this.#services, req);
    if (!signedIn) {
      rejectUpgrade(socket, 401);
      return;
    }
    // The socket stays paused (no data listener) until ws takes it over.
    this.#wss ??= createWebSocketServer();
    this.#wss.then(
      (wss) => wss.handleUpgrade(req, socket, head, (ws) => this.#greetAndEcho(ws, signedIn.user)),
      () => rejectUpgrade(socket, 500),
    );
  }

  /** Asks every client to leave, then cuts off any that do not finish the closing handshake in time. */
  async close(): Promise<void> {
    if (!this.#wss) return;
    const wss = await this.#wss;
    const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
    for (const client of wss.clients) client.close(1001, 'server shutting down');
    const timer = setTimeout(() => {
      for (const client of wss.clients) client.terminate();
    }, SHUTDOWN_GRACE_MS);
    await closed;
    clearTimeout(timer);
  }

  #greetAndEcho(ws: WebSocket, user: User): void {
    ws.on('error', (error) => this.#services.logger.warn(`invoice-app: websocket error: ${error.message}`));
    ws.on('message', (data, isBinary) => {
      ws.send(Buffer.concat([ECHO_PREFIX, toBuffer(data)]), { binary: isBinary });
    });
    ws.send(JSON.stringify({ type: 'hello', user: user.name }));
  }
}
