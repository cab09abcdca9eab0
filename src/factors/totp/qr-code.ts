// Owns drawing the otpauth:// URI as a QR code: an inline SVG string, so the enrollment page
// needs no external request and no image endpoint.

import QRCode from 'qrcode';

/** The URI as a self-contained SVG (viewBox only, so the page's CSS sizes it). */
export function qrSvg(uri: string): Promise<string> {
  // Level M survives a little glare or blur on a phone screen without making the code dense.
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
}
