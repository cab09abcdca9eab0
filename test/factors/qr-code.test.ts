// The enrollment QR code is a self-contained SVG of exactly the otpauth URI.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import QRCode from 'qrcode';
import { qrSvg } from '../../src/factors/totp/qr-code.js';

const URI = 'otpauth://totp/Gateway:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Gateway';

test('is an inline SVG that refers to nothing outside itself', async () => {
  const svg = (await qrSvg(URI)).trim();
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.endsWith('</svg>'));
  // The xmlns is a name, not a request; no other URL, image, script or style may appear.
  assert.doesNotMatch(svg.replace('xmlns="http://www.w3.org/2000/svg"', ''), /https?:|href|<image|<script|url\(/i);
});

test('draws the QR symbol of the URI, quiet zone included', async () => {
  const size = QRCode.create(URI, { errorCorrectionLevel: 'M' }).modules.size + 2 * 4;
  assert.match(await qrSvg(URI), new RegExp(`viewBox="0 0 ${size} ${size}"`));
});

test('is the same for the same URI and differs for another', async () => {
  assert.equal(await qrSvg(URI), await qrSvg(URI));
  assert.notEqual(await qrSvg(URI), await qrSvg(URI.replace('alice', 'bob')));
});
