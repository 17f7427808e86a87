/**
 * An independent check of the primitive and chain vectors: a second implementation that shares no
 * code with the generator or the reference (noble ciphers and hashes, node:crypto used directly,
 * the OpenSSL CLI for CMS, certificates and CSRs), reading only the committed JSON files. A
 * generator bug that also fooled the reference would show up here. Scenario verdicts are not
 * judged here: that needs a whole client state machine (marks, pins, placement), a second
 * reference rather than a check of bytes; what is checked is every accepted step's fingerprint
 * and the byte-level premise each scenario of the newer requirements rests on.
 */
import { spawnSync } from 'node:child_process';
import {
  X509Certificate,
  createPrivateKey,
  createPublicKey,
  pbkdf2Sync,
  privateDecrypt,
  constants,
} from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { gcm } from '@noble/ciphers/aes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { afterAll, describe, expect, it } from 'vitest';

const DIR = new URL('..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'sealfold-independent-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type T = { id: string; in: any; expect: any; flags: string[] };
function load(rel: string): { params: any; tests: T[] }[] {
  return JSON.parse(readFileSync(join(DIR, rel), 'utf8')).testGroups;
}
const hx = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const h256 = (b: Uint8Array | string) =>
  bytesToHex(sha256(typeof b === 'string' ? new TextEncoder().encode(b) : b));
const digest = (b: Uint8Array) => ({ length: b.length, sha256: h256(b) });
/** Strict base64: decodes, and re-encodes to the same text. */
function strictB64(s: string): Uint8Array {
  const b = Buffer.from(s, 'base64');
  if (b.toString('base64') !== s) throw new Error('non-canonical base64');
  return Uint8Array.from(b);
}
/** The DER of a PEM block read with the tolerances of E2EE-KEY-011 (OpenSSL's reader is stricter). */
function pemDer(text: string): Buffer {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('-----'));
  return Buffer.from(lines.join(''), 'base64');
}
const privateKeyOf = (pem: string) =>
  createPrivateKey({ key: pemDer(pem), format: 'der', type: 'pkcs8' });
const publicKeyOf = (pem: string) =>
  createPublicKey({ key: pemDer(pem), format: 'der', type: 'spki' });

function openssl(args: string[]): { ok: boolean; out: string } {
  try {
    // stderr is kept: `openssl req -verify` reports a failed self-signature there, with exit 0.
    const r = spawnSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    const out = `${r.stdout?.toString() ?? ''}${r.stderr?.toString() ?? ''}`;
    return { ok: r.status === 0 && !/verify failure/.test(out), out };
  } catch {
    return { ok: false, out: '' };
  }
}
let n = 0;
const tmpFile = (data: Uint8Array | string) => {
  const p = join(tmp, `f${n++}`);
  writeFileSync(p, data);
  return p;
};

describe('independent check: file-decrypt (noble AES-GCM)', () => {
  it('every verdict and plaintext hash', () => {
    for (const g of load('primitives/file-decrypt.json')) {
      for (const t of g.tests) {
        const body =
          t.in.body.hex !== undefined
            ? hx(t.in.body.hex)
            : Uint8Array.from(readFileSync(join(DIR, 'primitives', t.in.body.blob)));
        const key = hx(t.in.keyHex),
          nonce = hx(t.in.nonceHex);
        const tag = t.in.tagHex === undefined ? undefined : hx(t.in.tagHex);
        let got: any;
        if (![12, 16].includes(nonce.length) || body.length < 16 || (tag && tag.length !== 16))
          got = { result: 'invalid', error: 'CIPHERTEXT_MALFORMED' };
        else if (
          tag &&
          Buffer.compare(Buffer.from(tag), Buffer.from(body.subarray(body.length - 16))) !== 0
        )
          got = { result: 'invalid', error: 'AEAD_TAG_MISMATCH' };
        else {
          try {
            got = { result: 'valid', plaintext: digest(gcm(key, nonce).decrypt(body)) };
          } catch {
            got = { result: 'invalid', error: 'AEAD_TAG_MISMATCH' };
          }
        }
        expect(got, t.id).toEqual(t.expect);
      }
    }
  });
});

describe('independent check: key-wrap (node:crypto OAEP, OpenSSL for the MGF1-SHA-1 variants)', () => {
  it('valid wraps open under OAEP-SHA-256/MGF1-SHA-256; the SHA-1 variants are real SHA-1 wraps', () => {
    for (const g of load('primitives/key-wrap.json')) {
      const key = createPrivateKey(g.params.privateKeyPemWire);
      const keyFile = tmpFile(g.params.privateKeyPemWire);
      for (const t of g.tests) {
        let got: any;
        try {
          got = {
            result: 'valid',
            keyHex: Buffer.from(
              privateDecrypt(
                { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
                hx(t.in.wrappedHex),
              ),
            ).toString('hex'),
          };
        } catch {
          got = { result: 'invalid', error: 'KEY_UNWRAP_FAILED' };
        }
        expect(got, t.id).toEqual(t.expect);
        if (t.flags.includes('Mgf1Sha1') || t.id.endsWith('-oaep-sha1')) {
          const mgf = 'sha1';
          const md = t.flags.includes('Mgf1Sha1') ? 'sha256' : 'sha1';
          const r = openssl([
            'pkeyutl',
            '-decrypt',
            '-inkey',
            keyFile,
            '-in',
            tmpFile(hx(t.in.wrappedHex)),
            '-pkeyopt',
            'rsa_padding_mode:oaep',
            '-pkeyopt',
            `rsa_oaep_md:${md}`,
            '-pkeyopt',
            `rsa_mgf1_md:${mgf}`,
          ]);
          expect(r.ok, `${t.id}: OpenSSL opens it as OAEP-${md}/MGF1-${mgf}`).toBe(true);
        }
      }
    }
  });
});

/** E2EE-REC-003..005 written from the spec: ASCII whitespace, ASCII lowercase, 12 listed words. */
function password(m: string): string | undefined {
  const words = m
    .replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, '')
    .split(/[\t\n\v\f\r ]+/)
    .filter((w) => w !== '');
  const lower = words.map((w) => w.replace(/[A-Z]/g, (c) => c.toLowerCase()));
  return lower.length === 12 && lower.every((w) => wordlist.includes(w))
    ? lower.join('')
    : undefined;
}

describe('independent check: mnemonic-kdf (@scure/bip39 list, node PBKDF2)', () => {
  it('every password, key and rejection', { timeout: 600_000 }, () => {
    for (const g of load('primitives/mnemonic-kdf.json')) {
      for (const t of g.tests) {
        const pw = password(t.in.mnemonicWire);
        if (pw === undefined) {
          expect(t.expect, t.id).toEqual({ result: 'invalid', error: 'MNEMONIC_INVALID' });
          continue;
        }
        const want: any = { result: 'valid', password: pw };
        if (t.in.saltHex)
          want.keyHex = pbkdf2Sync(
            pw,
            hx(t.in.saltHex),
            t.in.kdf.iterations,
            32,
            t.in.kdf.prf,
          ).toString('hex');
        expect(want, t.id).toEqual(t.expect);
      }
    }
  });
});

describe('independent check: key-blob (node PBKDF2, noble AES-256-GCM)', () => {
  it(
    'valid blobs open to the recorded key under the recorded KDF; syntax rejects are rejected',
    { timeout: 600_000 },
    () => {
      for (const g of load('primitives/key-blob.json')) {
        for (const t of g.tests) {
          const blob: string = t.in.blobWire;
          const parts = blob.includes('|')
            ? blob.split('|')
            : /^(.+?)fA==(.+?)fA==(.+)$/.exec(blob)?.slice(1);
          let parsed: Uint8Array[] | undefined;
          try {
            parsed = parts?.length === 3 ? parts.map(strictB64) : undefined;
          } catch {
            parsed = undefined;
          }
          const syntaxOk =
            parsed !== undefined &&
            [12, 16].includes(parsed[1]!.length) &&
            parsed[2]!.length === 40 &&
            parsed[0]!.length > 16;
          if (t.flags.includes('BlobSyntax')) {
            expect(syntaxOk, t.id).toBe(false);
            continue;
          }
          if (t.expect.result !== 'valid') continue;
          const pw = password(t.in.mnemonicWire)!;
          const [prf, iterations] = t.expect.kdf.split('-').slice(1);
          const key = pbkdf2Sync(pw, parsed![2]!, Number(iterations), 32, prf);
          const pem = Buffer.from(
            Buffer.from(gcm(key, parsed![1]!).decrypt(parsed![0]!)).toString('ascii'),
            'base64',
          ).toString('utf8');
          const der = privateKeyOf(pem).export({ type: 'pkcs8', format: 'der' });
          expect(h256(der), t.id).toBe(t.expect.privateKeySha256);
        }
      }
    },
  );
});

describe('independent check: pem-key (node:crypto key parser)', () => {
  it('valid keys have the recorded DER, kind and size; policy rejects really violate the policy', () => {
    for (const g of load('primitives/pem-key.json')) {
      for (const t of g.tests) {
        if (g.params.operation === 'read-key' && t.expect.result === 'valid') {
          const k =
            t.in.label === 'PRIVATE KEY' ? privateKeyOf(t.in.pemWire) : publicKeyOf(t.in.pemWire);
          const der =
            t.in.label === 'PRIVATE KEY'
              ? k.export({ type: 'pkcs8', format: 'der' })
              : k.export({ type: 'spki', format: 'der' });
          expect([h256(der), k.asymmetricKeyDetails?.modulusLength], t.id).toEqual([
            t.expect.derSha256,
            t.expect.modulusBits,
          ]);
        }
        if (t.flags.includes('KeyPolicy')) {
          const k =
            t.in.label === 'PRIVATE KEY' ? privateKeyOf(t.in.pemWire) : publicKeyOf(t.in.pemWire);
          const d = k.asymmetricKeyDetails!;
          const inPolicy =
            k.asymmetricKeyType === 'rsa' &&
            d.modulusLength! >= 2048 &&
            d.modulusLength! <= 4096 &&
            d.publicExponent === 65537n;
          expect(inPolicy, t.id).toBe(false);
        }
        if (g.params.operation === 'public-key-of') {
          expect(
            createPublicKey(t.in.privateKeyPemWire)
              .export({ type: 'spki', format: 'der' })
              .toString('hex'),
            t.id,
          ).toBe(t.expect.publicKeyHex);
        }
        if (g.params.operation === 'keys-match') {
          const a = createPublicKey(t.in.privateKeyPemWire).export({ format: 'jwk' });
          const b = createPublicKey({
            key: Buffer.from(t.in.publicKeyHex, 'hex'),
            format: 'der',
            type: 'spki',
          }).export({ format: 'jwk' });
          expect(a.n === b.n && a.e === b.e, t.id).toBe(t.expect.match);
        }
      }
    }
  });
});

describe('independent check: certificate (node X509Certificate, i.e. OpenSSL)', () => {
  it('valid certificates verify under the server key and name the user; rejects fail the named check', () => {
    for (const g of load('primitives/certificate.json')) {
      for (const t of g.tests) {
        const server = createPublicKey(
          t.in.serverPublicKeyPemWire ?? g.params.serverPublicKeyPemWire,
        );
        let cert: X509Certificate;
        try {
          cert = new X509Certificate(t.in.certificateWire);
        } catch {
          expect(['CERT_MALFORMED', 'PEM_MALFORMED'], t.id).toContain(t.expect.error);
          continue;
        }
        const cns = cert.subject
          .split('\n')
          .filter((l) => l.startsWith('CN='))
          .map((l) => l.slice(3));
        if (t.expect.result === 'valid') {
          expect(cert.verify(server), t.id).toBe(true);
          expect(cns, t.id).toEqual([t.in.userId]);
          expect(cert.fingerprint256.replace(/:/g, '').toLowerCase(), t.id).toBe(
            t.expect.certificateSha256,
          );
          expect(h256(cert.publicKey.export({ type: 'spki', format: 'der' })), t.id).toBe(
            t.expect.publicKeySha256,
          );
        } else if (t.expect.error === 'CERT_UNTRUSTED') {
          let ok: boolean;
          try {
            ok =
              cert.verify(server) &&
              !/md5/i.test(
                openssl([
                  'x509',
                  '-noout',
                  '-text',
                  '-in',
                  tmpFile(t.in.certificateWire),
                ]).out.match(/Signature Algorithm: (\S+)/)?.[1] ?? '',
              );
          } catch {
            ok = false;
          }
          expect(ok, t.id).toBe(false);
        } else if (t.expect.error === 'CERT_USER_MISMATCH') {
          expect(cert.verify(server), t.id).toBe(true);
          expect(cns.length === 1 && cns[0] === t.in.userId, t.id).toBe(false);
        }
      }
    }
  });
});

describe('independent check: csr (openssl req -verify)', () => {
  it('issuable CSRs verify and carry the user as the one CN; proof-of-possession rejects do not verify', () => {
    for (const g of load('primitives/csr.json')) {
      for (const t of g.tests) {
        if (t.expect.result !== 'valid' && t.expect.error !== 'CSR_INVALID') continue;
        const file = tmpFile(t.in.csrWire);
        const r = openssl([
          'req',
          '-verify',
          '-noout',
          '-subject',
          '-nameopt',
          'multiline,utf8,-esc_msb',
          '-in',
          file,
        ]);
        // E2EE-CERT-005 admits RSA PKCS#1 v1.5 with SHA-1/256/384/512 only.
        const md5 = /md5WithRSAEncryption/.test(
          openssl(['req', '-noout', '-text', '-in', file]).out,
        );
        if (t.expect.result === 'valid') {
          expect(r.ok && !md5, t.id).toBe(true);
          expect(r.out, t.id).toContain(`commonName                = ${t.in.userId}`);
        } else expect(r.ok && !md5, t.id).toBe(false);
      }
    }
  });
});

/** The spec's canonical JSON, via JSON.stringify over sorted keys (for inputs that passed). */
function canonical(v: unknown): string {
  const sort = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sort)
      : x !== null && typeof x === 'object'
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sort((x as any)[k])]),
          )
        : x;
  return JSON.stringify(sort(v));
}

describe('independent check: canonical-json', () => {
  it('canonical outputs are whitespace-free, sorted, equal in value to the input without filedrop', () => {
    for (const g of load('primitives/canonical-json.json')) {
      for (const t of g.tests) {
        if (t.expect.result !== 'valid') continue;
        const input = JSON.parse(t.in.documentWire);
        delete input.filedrop;
        expect(JSON.parse(t.expect.canonicalJson), t.id).toEqual(input);
        expect(canonical(input), t.id).toBe(t.expect.canonicalJson);
        expect(Buffer.from(t.expect.canonicalJson, 'utf8').toString('base64'), t.id).toBe(
          t.expect.signedContentWire,
        );
      }
    }
  });
});

/** 2.x document decryption from the spec, with node OAEP and noble GCM; returns [key, inner, plain]. */
function openDocument(text: string, userId: string, privatePem?: string, rootKey?: Uint8Array) {
  const d = JSON.parse(text);
  let key = rootKey;
  if (key === undefined) {
    const own = d.users.find((u: any) => u.userId === userId);
    key = Uint8Array.from(
      privateDecrypt(
        {
          key: createPrivateKey(privatePem!),
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: 'sha256',
        },
        strictB64(own.encryptedMetadataKey),
      ),
    );
  }
  const ct = strictB64(d.metadata.ciphertext.split('|')[0]);
  const gz = gcm(key, strictB64(d.metadata.nonce)).decrypt(ct);
  return { key, gz, inner: JSON.parse(gunzipSync(gz).toString('utf8')) };
}

describe('independent check: metadata-decrypt (node OAEP, noble GCM, zlib)', () => {
  it('every valid document opens to the recorded key, counter and digest', () => {
    for (const g of load('primitives/metadata-decrypt.json')) {
      for (const t of g.tests) {
        if (t.expect.result !== 'valid') continue;
        const { key, inner } = openDocument(
          t.in.documentWire,
          t.in.userId,
          g.params.privateKeysPemWire?.[t.in.userId],
          t.in.rootMetadataKeyHex ? hx(t.in.rootMetadataKeyHex) : undefined,
        );
        expect(
          [Buffer.from(key).toString('hex'), inner.counter, h256(canonical(inner))],
          t.id,
        ).toEqual([t.expect.metadataKeyHex, t.expect.counter, t.expect.digest]);
      }
    }
  });
});

function cmsVerifies(signatureWire: string, content: string, certPems: string[]): boolean {
  const r = openssl([
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    tmpFile(Buffer.from(signatureWire, 'base64')),
    '-content',
    tmpFile(content),
    '-noverify',
    '-certfile',
    tmpFile(certPems.join('')),
    '-out',
    join(tmp, 'cms.out'),
  ]);
  return r.ok;
}

describe('independent check: metadata-signature (openssl cms -verify)', () => {
  it('valid signatures verify with OpenSSL over the signed content; forged ones do not', () => {
    for (const g of load('primitives/metadata-signature.json')) {
      for (const t of g.tests) {
        if (t.expect.result !== 'valid' && t.expect.error !== 'SIGNATURE_INVALID') continue;
        const doc = JSON.parse(t.in.documentWire);
        delete doc.filedrop;
        const content = Buffer.from(canonical(doc), 'utf8').toString('base64');
        const pems = t.in.members.map((m: any) => m.certificatePemWire);
        if (t.expect.result === 'valid')
          expect(cmsVerifies(t.in.signatureWire, content, pems), t.id).toBe(true);
        else if (!t.flags.includes('ForeignEmbedded'))
          expect(cmsVerifies(t.in.signatureWire, content, pems), t.id).toBe(false);
      }
    }
  });
});

describe('independent check: chains (every step recomputed)', () => {
  it('each intermediate value of every valid chain', { timeout: 600_000 }, () => {
    for (const g of load('chains/chain.json')) {
      for (const t of g.tests) {
        if (t.expect.result !== 'valid') continue;
        const steps = Object.fromEntries(t.expect.steps.map((s: any) => [s.op, s.out]));
        const pw = password(t.in.mnemonicWire)!;
        expect(pw, t.id).toBe(steps['mnemonic-password'].password);
        const blob: string = t.in.privateKeyBlobWire;
        const [ct, iv, salt] = (
          blob.includes('|') ? blob.split('|') : /^(.+?)fA==(.+?)fA==(.+)$/.exec(blob)!.slice(1)
        ).map(strictB64) as [Uint8Array, Uint8Array, Uint8Array];
        const [, prf, iterations] = steps['blob-key'].kdf.split('-');
        const blobKey = pbkdf2Sync(pw, salt, Number(iterations), 32, prf);
        expect(blobKey.toString('hex'), t.id).toBe(steps['blob-key'].blobKeyHex);
        const pem = Buffer.from(
          Buffer.from(gcm(blobKey, iv).decrypt(ct)).toString('ascii'),
          'base64',
        ).toString('utf8');
        expect(h256(createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' })), t.id).toBe(
          steps['private-key'].privateKeySha256,
        );
        const doc = JSON.parse(t.in.documentWire);
        const content = Buffer.from(canonical(doc), 'utf8').toString('base64');
        expect(h256(content), t.id).toBe(steps['verify-signature'].signedContentSha256);
        const signer = t.in.members.find(
          (m: any) => m.userId === steps['verify-signature'].signerUserId,
        );
        expect(cmsVerifies(t.in.signatureWire, content, [signer.certificatePemWire]), t.id).toBe(
          true,
        );
        const { key, gz, inner } = openDocument(t.in.documentWire, t.in.userId, pem);
        expect(Buffer.from(key).toString('hex'), t.id).toBe(
          steps['unwrap-metadata-key'].metadataKeyHex,
        );
        expect([h256(gz), inner.counter, h256(canonical(inner))], t.id).toEqual([
          steps['decrypt-metadata'].innerGzipSha256,
          steps['decrypt-metadata'].counter,
          steps['decrypt-metadata'].digest,
        ]);
        const f = inner.files[t.in.fileId];
        expect(
          [
            Buffer.from(strictB64(f.key)).toString('hex'),
            Buffer.from(strictB64(f.nonce)).toString('hex'),
            f.filename,
          ],
          t.id,
        ).toEqual([
          steps['file-key'].fileKeyHex,
          steps['file-key'].nonceHex,
          steps['file-key'].filename,
        ]);
        expect(
          digest(gcm(strictB64(f.key), strictB64(f.nonce)).decrypt(hx(t.in.bodyHex))),
          t.id,
        ).toEqual(steps['decrypt-file'].plaintext);
      }
    }
  });
});

const oaepOpen = (pem: string, wrapped: Uint8Array) =>
  Uint8Array.from(
    privateDecrypt(
      { key: privateKeyOf(pem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      wrapped,
    ),
  );

describe('independent check: metadata-legacy (node OAEP, noble GCM)', () => {
  it('valid documents and filedrop entries open to the recorded keys and entries', () => {
    for (const g of load('primitives/metadata-legacy.json')) {
      for (const t of g.tests) {
        if (t.expect.result !== 'valid') continue;
        const unwrapLegacy = (b64: string) =>
          strictB64(
            Buffer.from(
              strictB64(
                Buffer.from(oaepOpen(g.params.privateKeyPemWire, strictB64(b64))).toString('ascii'),
              ),
            ).toString('ascii'),
          );
        const openSealed = (key: Uint8Array, text: string) => {
          const [ct, iv] = text.includes('|')
            ? text.split('|')
            : /^(.+)fA==(.+)$/s.exec(text)!.slice(1);
          return JSON.parse(
            Buffer.from(
              Buffer.from(gcm(key, strictB64(iv!)).decrypt(strictB64(ct!))).toString('ascii'),
              'base64',
            ).toString('utf8'),
          );
        };
        const view = (o: any) => ({
          filename: o.filename,
          mimetype: o.mimetype,
          keyHex: Buffer.from(strictB64(o.key)).toString('hex'),
        });
        if (g.params.operation === 'filedrop-entry') {
          const e = JSON.parse(t.in.entryWire);
          expect(view(openSealed(unwrapLegacy(e.encryptedKey), e.encrypted)), t.id).toEqual(
            t.expect.entry,
          );
          continue;
        }
        const d = JSON.parse(t.in.documentWire);
        const wrapped =
          d.metadata.metadataKey ??
          d.metadata.metadataKeys[
            String(Math.max(...Object.keys(d.metadata.metadataKeys).map(Number)))
          ];
        const key = unwrapLegacy(wrapped);
        expect(Buffer.from(key).toString('hex'), t.id).toBe(t.expect.metadataKeyHex);
        const entries = Object.fromEntries(
          Object.entries(d.files).map(([id, e]: [string, any]) => [
            id,
            view(openSealed(key, e.encrypted)),
          ]),
        );
        expect(entries, t.id).toEqual(t.expect.entries);
        if (t.expect.checksumVerified) {
          const words = password(t.in.mnemonicWire)!;
          expect(
            h256(words + Object.keys(d.files).sort().join('') + d.metadata.metadataKey),
            t.id,
          ).toBe(d.metadata.checksum.toLowerCase());
        }
      }
    }
  });
});

describe('independent check: filedrop-entry (node OAEP, noble GCM, zlib)', () => {
  it('valid entries open to the recorded file entry', () => {
    for (const g of load('primitives/filedrop-entry.json')) {
      for (const t of g.tests) {
        if (t.expect.result !== 'valid') continue;
        const e = JSON.parse(t.in.entryWire);
        const own = e.users.find((u: any) => u.userId === t.in.userId);
        const key = oaepOpen(
          g.params.privateKeysPemWire[t.in.userId],
          strictB64(own.encryptedFiledropKey),
        );
        const f = JSON.parse(
          gunzipSync(
            gcm(key, strictB64(e.nonce)).decrypt(strictB64(e.ciphertext.split('|')[0])),
          ).toString('utf8'),
        );
        const hexOf = (s: string) => Buffer.from(strictB64(s)).toString('hex');
        expect(
          {
            result: 'valid',
            filename: f.filename,
            mimetype: f.mimetype,
            keyHex: hexOf(f.key),
            nonceHex: hexOf(f.nonce),
            tagHex: hexOf(f.authenticationTag),
          },
          t.id,
        ).toEqual(t.expect);
      }
    }
  });
});

describe('independent check: scenarios (node OAEP, noble GCM, zlib, node X509Certificate)', () => {
  type ScenarioStep = {
    root: { documentWire: string };
    subfolders: Record<string, { documentWire: string }>;
  };
  const tests = load('scenarios/scenario.json').flatMap((g) => g.tests);
  const byId = (id: string) => tests.find((t) => t.id === id)!;
  const open = (t: T, s: ScenarioStep) => {
    const root = openDocument(s.root.documentWire, t.in.userId, t.in.privateKeyPemWire);
    const subs = Object.fromEntries(
      Object.entries(s.subfolders).map(([id, d]) => [
        id,
        openDocument(d.documentWire, t.in.userId, undefined, root.key).inner,
      ]),
    );
    return { root: root.inner, subs };
  };
  const fp = (inner: any) => ({ counter: inner.counter, digest: h256(canonical(inner)) });

  it('every accepted step opens to the recorded counters and digests', () => {
    for (const t of tests) {
      t.in.steps.forEach((s: ScenarioStep, i: number) => {
        const e = t.expect.steps[i];
        if (e.result !== 'valid') return;
        const { root, subs } = open(t, s);
        const got = Object.fromEntries(Object.entries(subs).map(([id, inner]) => [id, fp(inner)]));
        expect({ root: fp(root), subfolders: got }, `${t.id} step ${i}`).toEqual({
          root: e.root,
          subfolders: e.subfolders,
        });
      });
    }
  });

  it('E2EE-META-073: the refused counters are above 2^31 - 1 or 2^20 above the accepted mark', () => {
    const max = byId('scenario/counter-above-max');
    expect(max.in.steps.map((s: ScenarioStep) => open(max, s).root.counter)).toEqual([
      2 ** 31,
      2 ** 31 - 1,
    ]);
    const jump = byId('scenario/counter-jump-above-max-step');
    const [c0, c1, c2] = jump.in.steps.map((s: ScenarioStep) => open(jump, s).root.counter);
    expect([c1 - c0, c2 - c0]).toEqual([2 ** 20 + 1, 2 ** 20]);
  });

  it('E2EE-CERT-081: the member PEM spellings are one DER each; the refused one is other DER for the same key', () => {
    const t = byId('scenario/member-certificate-pem-variants');
    const users = (i: number) =>
      JSON.parse(t.in.steps[i].root.documentWire).users as {
        userId: string;
        certificate: string;
      }[];
    const der = (pem: string) => Buffer.from(new X509Certificate(pem).raw).toString('hex');
    const first = users(0);
    for (const i of [1, 2]) {
      for (const [k, u] of users(i).entries()) {
        expect(u.certificate, `${t.id} step ${i} ${u.userId}`).not.toBe(first[k]!.certificate);
        expect(der(u.certificate), `${t.id} step ${i} ${u.userId}`).toBe(
          der(first[k]!.certificate),
        );
      }
    }
    const bob0 = first.find((u) => u.userId === 'bob')!.certificate;
    const bob3 = users(3).find((u) => u.userId === 'bob')!.certificate;
    expect(der(bob3)).not.toBe(der(bob0));
    expect(new X509Certificate(bob3).publicKey.equals(new X509Certificate(bob0).publicKey)).toBe(
      true,
    );
  });

  it('E2EE-SHARE-040: the misplaced documents share a nonce or a file id with another folder', () => {
    const nonceOf = (d: { documentWire: string }) => JSON.parse(d.documentWire).metadata.nonce;
    const twice = byId('scenario/subfolder-same-document-twice').in.steps[0] as ScenarioStep;
    expect(new Set(Object.values(twice.subfolders).map(nonceOf)).size).toBe(1);
    const mark = byId('scenario/subfolder-document-from-other-mark').in.steps as ScenarioStep[];
    const [a, b] = Object.keys(mark[0]!.subfolders);
    expect(nonceOf(mark[1]!.subfolders[b!]!)).toBe(nonceOf(mark[0]!.subfolders[a!]!));
    const dup = byId('scenario/file-listed-by-two-folders');
    const subs = Object.values(open(dup, dup.in.steps[0]).subs) as any[];
    const files = subs.flatMap((inner) => Object.keys(inner.files));
    expect(new Set(files).size).toBeLessThan(files.length);
  });
});
