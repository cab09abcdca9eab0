// Invoice file transfers: per-invoice downloads, streamed uploads and large generated exports.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CSRF_FIELD, csrfHeader, requireCsrf } from '../csrf.js';
import { HttpError } from '../errors.js';
import { requireLogin } from '../guards.js';
import { invoiceAsText } from '../invoices.js';
import { acceptsHtml, sendHtml, sendJson } from '../responses.js';
import type { Router } from '../router.js';
import type { AppServices } from '../services.js';
import { uploadResultPage } from '../views.js';

const MAX_EXPORT_BYTES = 2 * 1024 ** 3;
const DEFAULT_EXPORT_BYTES = 1024 * 1024;
// Whole lines per chunk, so the export reads as repeated CSV rows however it is cut.
const EXPORT_CHUNK = Buffer.from('INV-1001;Acme Corporation;1250.00;EUR;paid\n'.repeat(1500));

function exportSize(url: URL): number {
  const raw = url.searchParams.get('size');
  if (raw === null) return DEFAULT_EXPORT_BYTES;
  const size = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(size <= MAX_EXPORT_BYTES)) {
    throw new HttpError(400, `size must be a whole number of bytes, at most ${MAX_EXPORT_BYTES}`);
  }
  return size;
}

function* exportChunks(size: number): Generator<Buffer> {
  for (let remaining = size; remaining > 0; remaining -= EXPORT_CHUNK.length) {
    yield remaining >= EXPORT_CHUNK.length ? EXPORT_CHUNK : EXPORT_CHUNK.subarray(0, remaining);
  }
}

async function streamExport(req: IncomingMessage, res: ServerResponse, size: number): Promise<void> {
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': size,
    'Content-Disposition': 'attachment; filename="invoices-export.bin"',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // pipeline() waits for the socket to drain, so even a 2 GiB export holds only a few chunks in memory.
  await pipeline(Readable.from(exportChunks(size), { objectMode: false }), res);
}

/** Counts and hashes the body chunk by chunk; nothing is kept, so memory stays flat for any size. */
async function digestBody(req: IncomingMessage): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    hash.update(chunk);
  }
  return { bytes, sha256: hash.digest('hex') };
}

export function registerFileRoutes(router: Router, services: AppServices): void {
  router.get(
    '/invoices/export',
    requireLogin(services, 'redirect', ({ req, res, url }) => streamExport(req, res, exportSize(url))),
  );

  router.get(
    '/invoices/:id/download',
    requireLogin(services, 'redirect', ({ res, params }) => {
      const invoice = services.invoices.byId(params.id ?? '');
      if (!invoice) throw new HttpError(404, 'no such invoice');
      const body = invoiceAsText(invoice);
      res.writeHead(200, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'Content-Disposition': `attachment; filename="invoice-${invoice.id}.txt"`,
      });
      res.end(body);
    }),
  );

  // The token comes from a header or the query string: a form field would mean parsing the body first.
  router.post(
    '/invoices/upload',
    requireLogin(services, 'unauthorized', async ({ req, res, url }, { session, user }) => {
      requireCsrf(session, csrfHeader(req) ?? url.searchParams.get(CSRF_FIELD));
      const result = await digestBody(req);
      services.logger.info(`invoice-app: ${user.name} uploaded ${result.bytes} bytes`);
      if (acceptsHtml(req)) sendHtml(res, 200, uploadResultPage(result));
      else sendJson(res, 200, result);
    }),
  );
}
