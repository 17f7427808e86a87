/**
 * Issuance (spec/13): the certificate profile field by field (pkijs and `openssl x509`), the
 * signature with the CA key, CSRs in the styles of real clients, strict serials, refusals.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrFor, rsaKeyPair } from '../_support/server.js';
import { openSoftwareCa } from '../../src/ca/software.js';
import { issueCertificate, VALIDITY_DAYS } from '../../src/ca/issue.js';
import type { CaSigner } from '../../src/ca/signer.js';
import { parseCertificate, verifyUserCertificate } from '../../../reference/src/certs/index.js';
import { isSealfoldError } from '../../../reference/src/errors/index.js';
import { pemDecode } from '../../../reference/src/pem/index.js';

let ca: CaSigner;
let user: ReturnType<typeof rsaKeyPair>;
let caKey: ReturnType<typeof rsaKeyPair>;
const dir = mkdtempSync(join(tmpdir(), 'sealfold-issue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  caKey = rsaKeyPair();
  user = rsaKeyPair();
  ca = await openSoftwareCa({ dataDir: null, pkcs8: caKey.pkcs8 });
});

const NOW = new Date(Date.UTC(2026, 4, 6, 7, 8, 9, 500));

/** A CSR made by the openssl CLI with `subj` (desktop/iOS style DNs, extension requests). */
function opensslCsr(subj: string, extra: string[] = []): string {
  const keyPath = join(dir, 'k.pem');
  writeFileSync(
    keyPath,
    createPrivateKey({ key: Buffer.from(user.pkcs8), format: 'der', type: 'pkcs8' }).export({
      type: 'pkcs8',
      format: 'pem',
    }),
  );
  return execFileSync(
    'openssl',
    ['req', '-new', '-key', keyPath, '-subj', subj, '-sha256', ...extra],
    { encoding: 'utf8' },
  );
}

describe('certificate issuance', () => {
  it('E2EE-CERT-050 E2EE-CERT-053: the Nextcloud profile, field by field', async () => {
    const issued = await issueCertificate({
      csr: await csrFor(user.pkcs8, 'alice'),
      expectedCn: 'alice',
      signer: ca,
      now: NOW,
    });
    const cert = pkijs.Certificate.fromBER(new Uint8Array(issued.der));
    expect(cert.version).toBe(2);
    expect(cert.serialNumber.valueBlock.valueHexView).toEqual(new Uint8Array([0]));
    expect(cert.issuer.toSchema().toBER()).toEqual(cert.subject.toSchema().toBER());
    expect(cert.notBefore.value.getTime()).toBe(Date.UTC(2026, 4, 6, 7, 8, 9));
    expect(cert.notAfter.value.getTime() - cert.notBefore.value.getTime()).toBe(
      VALIDITY_DAYS * 86_400_000,
    );
    expect(cert.signatureAlgorithm.algorithmId).toBe('1.2.840.113549.1.1.11');
    expect(cert.extensions!.map((e) => [e.extnID, e.critical])).toEqual([
      ['2.5.29.14', false],
      ['2.5.29.35', false],
      ['2.5.29.19', true],
    ]);
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], {
      input: issued.pem,
      encoding: 'utf8',
    });
    expect(text).toMatch(/Serial Number: 0 \(0x0\)/);
    expect(text).toMatch(/Issuer: CN\s?=\s?alice/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    const ski = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(text)![1];
    const aki = /Authority Key Identifier:\s+(?:keyid:)?([0-9A-F:]+)/.exec(text)![1];
    expect(aki).toBe(ski);
    expect(issued.pem.endsWith('-----END CERTIFICATE-----\n')).toBe(true);
  });

  it('E2EE-CERT-055: the signature verifies with the server key and not with the subject key', async () => {
    const issued = await issueCertificate({
      csr: await csrFor(user.pkcs8, 'alice'),
      expectedCn: 'alice',
      signer: ca,
      now: NOW,
    });
    expect(
      verifyUserCertificate({
        certificate: issued.pem,
        serverPublicKey: caKey.spki,
        userId: 'alice',
      }).fingerprint,
    ).toBe(issued.fingerprint);
    expect(() =>
      verifyUserCertificate({
        certificate: issued.pem,
        serverPublicKey: user.spki,
        userId: 'alice',
      }),
    ).toThrow(/not signed by the server key/);
    // Independent check with the openssl CLI: the TBS signature under the CA public key.
    const cert = pkijs.Certificate.fromBER(new Uint8Array(issued.der));
    writeFileSync(join(dir, 'tbs'), new Uint8Array(cert.tbsView));
    writeFileSync(join(dir, 'sig'), new Uint8Array(cert.signatureValue.valueBlock.valueHexView));
    writeFileSync(join(dir, 'ca.der'), caKey.spki);
    const out = execFileSync(
      'openssl',
      [
        'dgst',
        '-sha256',
        '-verify',
        join(dir, 'ca.der'),
        '-keyform',
        'DER',
        '-signature',
        join(dir, 'sig'),
        join(dir, 'tbs'),
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(out.trim()).toBe('Verified OK');
  });

  it('E2EE-CERT-050: CSRs in the styles of desktop, Android and iOS: subject copied, extensions not', async () => {
    for (const subj of [
      '/C=DE/ST=Baden-Wuerttemberg/L=Stuttgart/O=Nextcloud/CN=alice',
      '/CN=alice/OU=Certificate Authority/O=Nextcloud/L=Vicenza/ST=Italy/C=IT',
    ]) {
      const csr = opensslCsr(subj, [
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=digitalSignature',
      ]);
      const issued = await issueCertificate({ csr, expectedCn: 'alice', signer: ca, now: NOW });
      const c = parseCertificate(issued.pem);
      expect(c.subject).toBe(c.issuer);
      expect(c.subject).toContain('CN=alice');
      expect(pkijs.Certificate.fromBER(new Uint8Array(issued.der)).extensions).toHaveLength(3);
    }
    // Android writes the PEM body as one unwrapped line.
    const one = await csrFor(user.pkcs8, 'alice');
    const b64 = Buffer.from(pemDecode(one, 'CERTIFICATE REQUEST')).toString('base64');
    const unwrapped = `-----BEGIN CERTIFICATE REQUEST-----\n${b64}\n-----END CERTIFICATE REQUEST-----`;
    await expect(
      issueCertificate({ csr: unwrapped, expectedCn: 'alice', signer: ca, now: NOW }),
    ).resolves.toBeDefined();
  });

  it('E2EE-CERT-054: strict serials are positive, 128-bit and distinct', async () => {
    const csr = await csrFor(user.pkcs8, 'alice');
    const serials = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const c = await issueCertificate({
        csr,
        expectedCn: 'alice',
        signer: ca,
        now: NOW,
        serial: 'random',
      });
      expect(c.serialHex).toMatch(/^[4-7][0-9a-f]{31}$/);
      expect(parseCertificate(c.pem).serialHex).toBe(c.serialHex);
      serials.add(c.serialHex);
    }
    expect(serials.size).toBe(20);
  });

  it('E2EE-CERT-051 E2EE-CERT-052: refusals in layer order with typed codes', async () => {
    const good = await csrFor(user.pkcs8, 'alice');
    const der = pemDecode(good, 'CERTIFICATE REQUEST');
    const tampered = new Uint8Array(der);
    tampered[tampered.length - 5]! ^= 1;
    const tamperedPem = `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(tampered).toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const cases: [string | Uint8Array, string, string][] = [
      ['not a csr', 'alice', 'PEM_MALFORMED'],
      [
        `-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n`,
        'alice',
        'CSR_MALFORMED',
      ],
      [tamperedPem, 'alice', 'CSR_INVALID'],
      [good, 'bob', 'CERT_USER_MISMATCH'],
      [opensslCsr('/O=Nextcloud'), 'alice', 'CERT_USER_MISMATCH'],
      [opensslCsr('/CN=alice/CN=alice'), 'alice', 'CERT_USER_MISMATCH'],
    ];
    for (const [csr, cn, code] of cases) {
      const e = await issueCertificate({ csr, expectedCn: cn, signer: ca, now: NOW }).catch(
        (x: unknown) => x,
      );
      expect(isSealfoldError(e) && e.code, String(csr).slice(0, 40)).toBe(code);
    }
  });
});
