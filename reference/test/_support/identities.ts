/**
 * Test identities shaped like a Nextcloud server's: a server RSA key, and user certificates with
 * issuer == subject (CN=<user id>), serial 0, basicConstraints CA:TRUE, a subjectKeyIdentifier,
 * signed by the server key with sha256WithRSAEncryption. The RSA keys come from the test-key
 * pool (`test-keys.ts`), so that a file's identities are the same in every run.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { pkiEngine, subtle } from '../../src/_internal/pkijs.js';
import { pemEncode } from '../../src/pem/index.js';
import { nextTestKey } from './test-keys.js';

export interface ServerKey {
  spkiDer: Uint8Array;
  publicKeyPem: string;
  privateKey: KeyObject;
}

export interface Identity {
  userId: string;
  certPem: string;
  certDer: Uint8Array;
  pkcs8: Uint8Array;
  keyPem: string;
}

export function makeServerKey(): ServerKey {
  const privateKey = nextTestKey();
  const spkiDer = new Uint8Array(
    createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
  );
  return { spkiDer, publicKeyPem: pemEncode('PUBLIC KEY', spkiDer), privateKey };
}

/** Issues a certificate for `userId` (the pool's next key unless `key` is given), signed by `server`. */
export async function makeIdentity(
  userId: string,
  server: ServerKey,
  opts: { key?: KeyObject; serial?: number } = {},
): Promise<Identity> {
  const key = opts.key ?? nextTestKey();
  const pkcs8 = new Uint8Array(key.export({ type: 'pkcs8', format: 'der' }));
  const spki = new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: opts.serial ?? 0 });
  const name = () =>
    new pkijs.RelativeDistinguishedNames({
      typesAndValues: [
        new pkijs.AttributeTypeAndValue({
          type: '2.5.4.3',
          value: new asn1js.Utf8String({ value: userId }),
        }),
      ],
    });
  cert.issuer = name();
  cert.subject = name();
  cert.notBefore.value = new Date('2026-01-01T00:00:00Z');
  cert.notAfter.value = new Date('2046-01-01T00:00:00Z');
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(spki);
  const ski = createHash('sha1')
    .update(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)
    .digest();
  cert.extensions = [
    new pkijs.Extension({
      extnID: '2.5.29.14',
      extnValue: new asn1js.OctetString({ valueHex: new Uint8Array(ski) }).toBER(false),
    }),
    new pkijs.Extension({
      extnID: '2.5.29.19',
      critical: true,
      extnValue: new pkijs.BasicConstraints({ cA: true }).toSchema().toBER(false),
    }),
  ];
  const serverKey = await subtle.importKey(
    'pkcs8',
    new Uint8Array(server.privateKey.export({ type: 'pkcs8', format: 'der' })),
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  await cert.sign(serverKey, 'SHA-256', pkiEngine);
  const certDer = new Uint8Array(cert.toSchema(true).toBER(false));
  return {
    userId,
    certPem: pemEncode('CERTIFICATE', certDer),
    certDer,
    pkcs8,
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** A scratch directory for openssl files; call `cleanup` in afterAll. */
export function scratch(): {
  dir: string;
  write: (name: string, data: string | Uint8Array) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'sealfold-sig-'));
  return {
    dir,
    write: (name, data) => {
      const p = join(dir, name);
      writeFileSync(p, data);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs `openssl cms -sign` over `content` as `id` with extra flags; returns base64 DER. */
export function opensslSign(id: Identity, content: Uint8Array, flags: string[] = []): string {
  const s = scratch();
  try {
    const args = [
      'cms',
      '-sign',
      '-binary',
      '-md',
      'sha256',
      '-signer',
      s.write('cert.pem', id.certPem),
      '-inkey',
      s.write('key.pem', id.keyPem),
      '-outform',
      'DER',
      '-in',
      s.write('content.txt', content),
      '-out',
      join(s.dir, 'sig.der'),
      ...flags,
    ];
    execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return readFileSync(join(s.dir, 'sig.der')).toString('base64');
  } finally {
    s.cleanup();
  }
}

/** Runs `openssl cms -verify -binary -noverify` on a detached signature; true when it verifies. */
export function opensslVerifies(signatureBase64: string, content: Uint8Array): boolean {
  const s = scratch();
  try {
    execFileSync(
      'openssl',
      [
        'cms',
        '-verify',
        '-binary',
        '-noverify',
        '-inform',
        'DER',
        '-in',
        s.write('sig.der', Buffer.from(signatureBase64, 'base64')),
        '-content',
        s.write('content.txt', content),
        '-out',
        join(s.dir, 'out.txt'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return true;
  } catch {
    return false;
  } finally {
    s.cleanup();
  }
}

/** A plausible 2.0 outer document for `users`, with an optional filedrop. */
export function sampleOuter(
  users: Identity[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    metadata: {
      ciphertext: 'q0ZSfd5J4RQ3zH4b0q1J8wQ=|3k2N3FpK8a1D4GqS',
      nonce: '3k2N3FpK8a1D4GqS',
      authenticationTag: 'xkVxj0NbQEXIEMlulYZJgg==',
    },
    users: users.map((u) => ({
      userId: u.userId,
      certificate: u.certPem,
      encryptedMetadataKey: 'coawvmhMoAl3iL5okD7K4a4au0Jt0SqUXp6pHP8WD1Y=',
    })),
    version: '2.0',
    ...extra,
  };
}

export function membersOf(users: Identity[]): { userId: string; certificate: string }[] {
  return users.map((u) => ({ userId: u.userId, certificate: u.certPem }));
}
