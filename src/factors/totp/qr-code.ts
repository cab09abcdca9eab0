// Owns drawing the otpauth:// URI as a QR code: an inline SVG string, so the enrollment page
// needs no external request and no image endpoint.

// qrcode is imported at the first enrollment page, not with this module: every gateway process,
// operator command and test file loads the TOTP factor, and importing qrcode costs each of them
// about 0.1 s of CPU (through tsx) that only an enrollment uses.
const qrcode = async () => (await import('qrcode')).default;

/** The URI as a self-contained SVG (viewBox only, so the page's CSS sizes it). */
export async function qrSvg(uri: string): Promise<string> {
  // Level M survives a little glare or blur on a phone screen without making the code dense.
  return (await qrcode()).toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
}
