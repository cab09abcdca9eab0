// A browser journey for passkeys: WebAuthn needs a secure context and a host name, so the
// gateway's public origin is http://localhost:<port>; and Chromium's virtual authenticators
// (the DevTools protocol's WebAuthn domain) stand in for a laptop's reader or a security key.

import type { TestContext } from 'node:test';
import type { CDPSession } from 'playwright-core';
import { type Journey, startJourney, type TestBrowser } from './browser.js';
import { freePort } from './ports.js';

export interface PasskeyJourney extends Journey {
  /** The gateway's prefix (`/_gateway`). */
  readonly prefix: string;
  /** The page's DevTools session, its WebAuthn domain enabled. */
  readonly cdp: CDPSession;
}

/** A journey on http://localhost:<port>, with WebAuthn enabled and no authenticator yet. */
export async function startPasskeyJourney(t: TestContext, browser: TestBrowser): Promise<PasskeyJourney> {
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const { harness, page } = await startJourney(t, browser, {
    harness: { overrides: { listen: { port }, upstream: { rewrite: { public_origin: origin } } } },
    context: { baseURL: origin },
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  return { harness, page, prefix: harness.config.listen.gateway_prefix, cdp };
}

/**
 * Adds a virtual authenticator that verifies its user: 'internal' is a laptop's fingerprint
 * reader, 'usb' a security key. Its id, for the credentials it holds.
 */
export async function addVirtualAuthenticator(
  cdp: CDPSession,
  transport: 'internal' | 'usb' = 'internal',
): Promise<string> {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport,
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}
