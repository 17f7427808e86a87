import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCsr, csrToPem, parseCsr, verifyCsr } from '../../src/certs/index.js';
import { privateKeyToPem, type UserKeyPair } from '../../src/keys/index.js';
import { code, codeAsync } from '../_support/codes.js';
import { scratchDir, userKeyPairs } from '../_support/setup.js';
import { fakeRsaSpki } from './_ca.js';

let a: UserKeyPair;
let b: UserKeyPair;
let csrA: Uint8Array;
const dir = scratchDir('sealfold-csr-');
beforeAll(async () => {
  [a, b] = await userKeyPairs(2);
  csrA = await createCsr(a.pkcs8, 'alice');
});

function openssl(args: string[], input?: string) {
  return spawnSync('openssl', args, { encoding: 'utf8', input });
}

describe('createCsr', () => {
  it('E2EE-CERT-001: PKCS#10 v0, subject exactly CN=<userId>, the key, no attributes, sha256WithRSAEncryption', () => {
    const csr = parseCsr(csrA);
    expect(csr.subject).toBe('CN=alice');
    expect(csr.subjectCn).toBe('alice');
    expect(csr.spki).toEqual(a.spki);
    expect(csr.signatureAlgorithm).toBe('sha256WithRSAEncryption');
    expect(csr.signatureValid).toBe(true);
    const raw = pkijs.CertificationRequest.fromBER(new Uint8Array(csrA));
    expect(raw.version).toBe(0);
    expect(raw.attributes ?? []).toEqual([]);
    expect(raw.subject.typesAndValues).toHaveLength(1);
    expect(raw.subject.typesAndValues[0]!.value).toBeInstanceOf(asn1js.Utf8String);
  });

  it('E2EE-CERT-001: openssl req -verify accepts the CSR and reads the same subject (independent check)', () => {
    const file = join(dir(), 'alice.csr');
    writeFileSync(file, csrToPem(csrA));
    const r = openssl(['req', '-in', file, '-verify', '-noout', '-subject', '-nameopt', 'RFC2253']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('subject=CN=alice');
    expect(r.stderr + r.stdout).toMatch(/verify OK/i);
    const text = openssl(['req', '-in', file, '-noout', '-text']).stdout;
    expect(text).toContain('sha256WithRSAEncryption');
    expect(text).toMatch(/Public-Key: \(2048 bit\)/);
    expect(text).toContain('65537');
  });

  it('E2EE-CERT-002: link-share and non-ASCII user ids are carried verbatim in the CN', async () => {
    for (const id of ['s:AbCdEf123456789', 'jürgen', 'user@example.com', 'a b']) {
      const der = await createCsr(a.pkcs8, id);
      expect(verifyCsr(der).subjectCn).toBe(id);
      const file = join(dir(), 'id.csr');
      writeFileSync(file, csrToPem(der));
      const r = openssl([
        'req',
        '-in',
        file,
        '-verify',
        '-noout',
        '-subject',
        '-nameopt',
        'utf8,sep_comma_plus',
      ]);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(`subject=CN=${id}`);
    }
  });

  it('E2EE-CERT-002: an empty user id or one with control characters is INPUT_MALFORMED', async () => {
    for (const id of ['', 'a\nb', 'a\u0000', '\u007f']) {
      expect(await codeAsync(() => createCsr(a.pkcs8, id))).toBe('INPUT_MALFORMED');
    }
    await expect(createCsr(a.pkcs8, 42 as any)).rejects.toThrow(TypeError);
  });

  it('E2EE-KEY-004: a key outside the policy cannot request a certificate', async () => {
    expect(await codeAsync(() => createCsr(new Uint8Array([1, 2, 3]), 'alice'))).toBe(
      'KEY_MALFORMED',
    );
    expect(await codeAsync(() => createCsr(a.spki, 'alice'))).toBe('KEY_MALFORMED');
  });
});

describe('parseCsr / verifyCsr', () => {
  it('E2EE-CERT-005: reads PEM and DER, and a desktop-style CSR made by openssl', () => {
    expect(parseCsr(csrToPem(csrA)).der).toEqual(csrA);
    const keyFile = join(dir(), 'b.key');
    writeFileSync(keyFile, privateKeyToPem(b.pkcs8));
    const r = openssl([
      'req',
      '-new',
      '-key',
      keyFile,
      '-sha256',
      '-subj',
      '/C=DE/ST=Baden-Wuerttemberg/L=Stuttgart/O=Nextcloud/CN=bob',
    ]);
    expect(r.status).toBe(0);
    const csr = verifyCsr(r.stdout);
    expect(csr.subject).toBe('C=DE, ST=Baden-Wuerttemberg, L=Stuttgart, O=Nextcloud, CN=bob');
    expect(csr.subjectCn).toBe('bob');
    expect(csr.spki).toEqual(b.spki);
  });

  it('E2EE-CERT-005: a CSR signed by another key is CSR_INVALID (signatureValid false)', () => {
    const raw = pkijs.CertificationRequest.fromBER(new Uint8Array(csrA));
    raw.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(new Uint8Array(b.spki));
    raw.tbsView = new Uint8Array((raw as any).encodeTBS().toBER());
    const forged = new Uint8Array(raw.toSchema(false).toBER());
    expect(parseCsr(forged).signatureValid).toBe(false);
    expect(code(() => verifyCsr(forged))).toBe('CSR_INVALID');
  });

  it('E2EE-CERT-005: a subject without a CN, or with two, is CSR_INVALID', async () => {
    const keyFile = join(dir(), 'a.key');
    writeFileSync(keyFile, privateKeyToPem(a.pkcs8));
    for (const subj of ['/O=Nextcloud', '/CN=alice/CN=bob']) {
      const r = openssl(['req', '-new', '-key', keyFile, '-sha256', '-subj', subj]);
      expect(r.status).toBe(0);
      expect(code(() => parseCsr(r.stdout))).toBe('CSR_INVALID');
    }
  });

  it('E2EE-CERT-005: garbage, a certificate, trailing bytes and truncation are CSR_MALFORMED', () => {
    expect(code(() => parseCsr(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])))).toBe(
      'CSR_MALFORMED',
    );
    expect(code(() => parseCsr(new Uint8Array([...csrA, 0])))).toBe('CSR_MALFORMED');
    expect(code(() => parseCsr(csrA.subarray(0, 100)))).toBe('CSR_MALFORMED');
    expect(code(() => parseCsr(a.spki))).toBe('CSR_MALFORMED');
    expect(
      code(() => parseCsr('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')),
    ).toBe('PEM_MALFORMED');
  });

  it("E2EE-CERT-005: a CSR for a non-RSA or weak key parses; policy is the issuer's decision", () => {
    // parseCsr reports what is there; the key policy (E2EE-KEY-004) is applied by whoever issues.
    const raw = pkijs.CertificationRequest.fromBER(new Uint8Array(csrA));
    raw.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(new Uint8Array(fakeRsaSpki(1024)));
    raw.tbsView = new Uint8Array((raw as any).encodeTBS().toBER());
    const csr = parseCsr(new Uint8Array(raw.toSchema(false).toBER()));
    expect(csr.signatureValid).toBe(false);
  });

  it('E2EE-SEC-001: random corruption of CSR bytes gives CSR_MALFORMED, CSR_INVALID or a CSR that fails its signature (property)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (pos, x) => {
        const bad = new Uint8Array(csrA);
        bad[pos % bad.length]! ^= x;
        const c = code(() => verifyCsr(bad));
        expect(['CSR_MALFORMED', 'CSR_INVALID']).toContain(c);
      }),
      { numRuns: 150 },
    );
  });
});
