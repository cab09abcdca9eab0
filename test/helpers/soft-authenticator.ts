// A WebAuthn authenticator in software, for tests that register and use passkeys without a
// browser: a P-256 key per credential, "none" attestation, and the byte layouts of the WebAuthn
// spec (authenticator data, §6.1; attested credential data, §6.5.1). It answers the options the
// gateway made, as a browser's navigator.credentials would, and the answer is checked by the
// gateway's real @simplewebauthn verification. The browser suite covers a real authenticator.

import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

/** A software authenticator bound to one origin; it keeps the credentials it created. */
export interface SoftAuthenticator {
  /** Answers registration options as navigator.credentials.create would (JSON text, as the page posts it). */
  register(options: PublicKeyCredentialCreationOptionsJSON): string;
  /** Answers sign-in options with the first credential they allow that it holds. */
  authenticate(options: PublicKeyCredentialRequestOptionsJSON): string;
}

/** A software authenticator answering for `origin` (the gateway's public origin). */
export function createSoftAuthenticator(origin: string): SoftAuthenticator {
  const credentials = new Map<string, { key: KeyObject; counter: number }>();

  const clientData = (type: string, challenge: string) =>
    Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  const authData = (rpId: string, flags: number, counter: number, attested?: Buffer) => {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
  };

  return {
    register(options) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' });
      // COSE_Key (RFC 9053): kty EC2, alg ES256, crv P-256, x, y.
      const cose = isoCBOR.encode(
        new Map<number, number | Uint8Array>([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, Buffer.from(jwk.x as string, 'base64url')],
          [-3, Buffer.from(jwk.y as string, 'base64url')],
        ]),
      );
      const id = randomBytes(16);
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(id.length);
      const attested = Buffer.concat([Buffer.alloc(16), idLength, id, Buffer.from(cose)]);
      const data = authData(options.rp.id as string, UP | UV | AT, 0, attested);
      const attestation = isoCBOR.encode(
        new Map<string, string | Map<string, never> | Uint8Array>([
          ['fmt', 'none'],
          ['attStmt', new Map<string, never>()],
          ['authData', data],
        ]),
      );
      const credentialId = id.toString('base64url');
      credentials.set(credentialId, { key: privateKey, counter: 0 });
      const response: RegistrationResponseJSON = {
        id: credentialId,
        rawId: credentialId,
        type: 'public-key',
        clientExtensionResults: {},
        response: {
          clientDataJSON: clientData('webauthn.create', options.challenge).toString('base64url'),
          attestationObject: Buffer.from(attestation).toString('base64url'),
          transports: ['internal'],
        },
      };
      return JSON.stringify(response);
    },

    authenticate(options) {
      const allowed = (options.allowCredentials ?? []).map((credential) => credential.id);
      const id = allowed.find((candidate) => credentials.has(candidate));
      const held = id === undefined ? undefined : credentials.get(id);
      if (id === undefined || !held) throw new Error('the soft authenticator holds none of the allowed credentials');
      held.counter += 1;
      const data = authData(options.rpId as string, UP | UV, held.counter);
      const client = clientData('webauthn.get', options.challenge);
      const signature = sign('sha256', Buffer.concat([data, sha256(client)]), held.key);
      const response: AuthenticationResponseJSON = {
        id,
        rawId: id,
        type: 'public-key',
        clientExtensionResults: {},
        response: {
          clientDataJSON: client.toString('base64url'),
          authenticatorData: data.toString('base64url'),
          signature: signature.toString('base64url'),
        },
      };
      return JSON.stringify(response);
    },
  };
}

/** The options a passkey page carries in its JSON block `id` (<script type="application/json" id=...>), as its script reads them. */
export function pageOptions<T = PublicKeyCredentialRequestOptionsJSON>(html: string, id: string): T | undefined {
  const found = new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`, 's').exec(html);
  return found?.[1] === undefined ? undefined : (JSON.parse(found[1]) as T);
}
