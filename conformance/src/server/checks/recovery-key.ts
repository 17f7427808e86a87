/**
 * Checks of the recovery-key extension's server side (spec/20-recovery-key.md §3.1, profile
 * `server-recovery-key`): the statement served byte-exact with its signed policy, audit records
 * of enable/change/disable, refusal of private keys, and metadata documents carrying a recovery
 * wrap kept as they are. Enabling is an administrator action; the suite does it through the
 * mock's management interface, so the publication checks need the feature `management`.
 *
 * Each check makes its own throw-away recovery key and policy signing key: the suite never holds
 * a real recovery key, and a statement it stores is disabled again before the check ends.
 *
 * @module
 */
import { createPrivateKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { sha256Hex, toBase64 } from '../../../../reference/src/bytes/index.js';
import { signStatement } from '../../../../reference/src/recovery-key/index.js';
import { RECOVERY_MEMBER } from '../../../../reference/src/recovery-key/index.js';
import { CheckFailure, type CheckContext, type ServerCheck } from '../check.js';
import {
  committedFolder,
  e2eePath,
  expectStatus,
  ocsData,
  readMetadata,
  seen,
} from './_support.js';

const MANAGEMENT_PATH = '/__sealfold/recovery-key';
const CAPABILITY = 'sealfold-recovery-key';

/**
 * Key generation without blocking the event loop: the embedded mock shares this process, and a
 * synchronous RSA-3072 generation that outlasted the keep-alive timeout made the next request
 * reuse a socket the mock was closing ("fetch failed" under load).
 */
const generate = promisify(generateKeyPair);
const newRsa = () => generate('rsa', { modulusLength: 3072 });
const newSigner = async () => (await generate('ed25519')).privateKey;

/** A fresh, validly signed statement and the facts a check compares against. */
async function freshStatement(
  serial = 1,
  purpose = 'conformance check',
): Promise<{
  text: string;
  recoveryKeySha256: string;
  pkcs8: Uint8Array;
}> {
  const rsa = await newRsa();
  const spki = new Uint8Array(rsa.publicKey.export({ format: 'der', type: 'spki' }));
  const text = signStatement(
    {
      issuer: 'sealfold certify',
      notBefore: '2026-01-01T00:00:00Z',
      purpose,
      recoveryKey: spki,
      recoveryKeySha256: sha256Hex(spki),
      scopeUsers: ['*'],
      serial,
      status: 'active',
    },
    await newSigner(),
  );
  return {
    text,
    recoveryKeySha256: sha256Hex(spki),
    pkcs8: new Uint8Array(rsa.privateKey.export({ format: 'der', type: 'pkcs8' })),
  };
}

function manage(ctx: CheckContext, method: 'PUT' | 'DELETE', statement?: string) {
  return ctx.request(null, method, MANAGEMENT_PATH, {
    bare: true,
    headers: { 'content-type': 'application/json' },
    ...(statement === undefined ? {} : { body: JSON.stringify({ statement }) }),
  });
}

/** Runs `fn` and disables the recovery key afterwards, whatever happened. */
async function withCleanup(ctx: CheckContext, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } finally {
    await manage(ctx, 'DELETE');
  }
}

async function served(ctx: CheckContext, actor: 'alice' | 'bob') {
  return ctx.request(actor, 'GET', e2eePath('/recovery-key'));
}

const capabilityAdvertised: ServerCheck = {
  id: 'recovery-key/capability-advertised',
  title: 'The capability advertises the recovery-key extension, version 1',
  requirements: ['E2EE-RKEY-040'],
  level: 'MUST',
  importance: 'medium',
  profiles: ['server-recovery-key'],
  async run(ctx) {
    const r = await ctx.request('alice', 'GET', '/ocs/v2.php/cloud/capabilities?format=json');
    expectStatus(r, 200, 'GET capabilities');
    const caps = (ocsData(r) as { capabilities?: Record<string, Record<string, unknown>> })
      ?.capabilities;
    const ext = caps?.['end-to-end-encryption']?.[CAPABILITY];
    if (JSON.stringify(ext) !== '{"version":1}')
      throw new CheckFailure('the capability does not advertise the extension', {
        expected: { [CAPABILITY]: { version: 1 } },
        actual: ext ?? 'absent',
      });
  },
};

const statementByteExact: ServerCheck = {
  id: 'recovery-key/statement-byte-exact',
  title: 'The enabled statement is served byte-exact to every user; 404 once disabled',
  requirements: ['E2EE-RKEY-040'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-recovery-key'],
  needs: ['management'],
  async run(ctx) {
    // Whitespace outside the signed policy bytes: a normalising server changes it.
    const st = await freshStatement();
    const text = st.text.replace('{', '{ ').replace(',"signature"', ' , "signature"');
    await withCleanup(ctx, async () => {
      expectStatus(await manage(ctx, 'PUT', text), 200, 'management: enable the recovery key');
      for (const actor of ['alice', 'bob'] as const) {
        const r = await served(ctx, actor);
        expectStatus(r, 200, `GET /recovery-key as ${actor}`);
        const got = (ocsData(r) as { statement?: unknown })?.statement;
        if (got !== text)
          throw new CheckFailure(`the statement served to ${actor} is not the stored bytes`, {
            expected: text,
            actual: got,
          });
      }
      expectStatus(await manage(ctx, 'DELETE'), 200, 'management: disable');
      const gone = await served(ctx, 'alice');
      if (gone.status !== 404)
        throw new CheckFailure('a disabled recovery key is still served', {
          expected: 404,
          actual: seen(gone),
        });
    });
  },
};

const privateKeyRefused: ServerCheck = {
  id: 'recovery-key/private-key-refused',
  title: 'A statement carrying a private key (PEM or PKCS#8 base64) is refused and not served',
  requirements: ['E2EE-RKEY-041'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-recovery-key'],
  needs: ['management'],
  async run(ctx) {
    const st = await freshStatement();
    const pem = createPrivateKey({ key: Buffer.from(st.pkcs8), format: 'der', type: 'pkcs8' })
      .export({ format: 'pem', type: 'pkcs8' })
      .toString();
    ctx.plantSecret(toBase64(st.pkcs8));
    // Validly signed statements of the right form: only a private-key scan refuses them.
    const signer = await newSigner();
    const rsa = await newRsa();
    const spki = new Uint8Array(rsa.publicKey.export({ format: 'der', type: 'spki' }));
    const base = {
      notBefore: '2026-01-01T00:00:00Z',
      recoveryKey: spki,
      recoveryKeySha256: sha256Hex(spki),
      scopeUsers: ['*'],
      serial: 1,
      status: 'active' as const,
    };
    const attempts = [
      signStatement({ ...base, issuer: 'admin', purpose: pem }, signer),
      signStatement({ ...base, issuer: toBase64(st.pkcs8), purpose: 'escrow' }, signer),
    ];
    await withCleanup(ctx, async () => {
      for (const [i, bad] of attempts.entries()) {
        const r = await manage(ctx, 'PUT', bad);
        if (r.status !== 400)
          throw new CheckFailure(`statement ${i + 1} with a private key was not refused`, {
            expected: 400,
            actual: r.status,
          });
        const after = await served(ctx, 'alice');
        if (after.status !== 404)
          throw new CheckFailure('a refused statement is served', {
            expected: 404,
            actual: seen(after),
          });
      }
    });
  },
};

const auditRecords: ServerCheck = {
  id: 'recovery-key/audit-records',
  title: 'Enable, change and disable each leave an audit record with fingerprint and serial',
  requirements: ['E2EE-RKEY-042'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-recovery-key'],
  needs: ['management'],
  async run(ctx) {
    const first = await freshStatement(1);
    const second = await freshStatement(2);
    const before = await ctx.request(null, 'GET', '/__sealfold/audit?object=recovery-key', {
      bare: true,
    });
    expectStatus(before, 200, 'management: audit log');
    const since = ((before.json() as { entries: unknown[] }).entries ?? []).length;
    await withCleanup(ctx, async () => {
      expectStatus(await manage(ctx, 'PUT', first.text), 200, 'enable');
      expectStatus(await manage(ctx, 'PUT', second.text), 200, 'change');
      expectStatus(await manage(ctx, 'DELETE'), 200, 'disable');
    });
    const r = await ctx.request(null, 'GET', '/__sealfold/audit?object=recovery-key', {
      bare: true,
    });
    const entries = (
      r.json() as {
        entries: { action: string; details?: Record<string, unknown> }[];
      }
    ).entries.slice(since);
    const want = [
      ['recovery-key.enable', first.recoveryKeySha256, 1],
      ['recovery-key.change', second.recoveryKeySha256, 2],
      ['recovery-key.disable', second.recoveryKeySha256, 2],
    ] as const;
    const got = entries.map((e) => [e.action, e.details?.recoveryKeySha256, e.details?.serial]);
    if (JSON.stringify(got) !== JSON.stringify(want))
      throw new CheckFailure('the audit records do not match the three changes', {
        expected: want,
        actual: got,
      });
    if (r.text().includes(JSON.parse(first.text).signature as string))
      throw new CheckFailure('the audit log holds statement bytes');
  },
};

const wrapKept: ServerCheck = {
  id: 'recovery-key/metadata-wrap-kept',
  title: 'A metadata document with a recovery wrap is stored and returned unchanged',
  requirements: ['E2EE-RKEY-043'],
  level: 'MUST',
  importance: 'medium',
  profiles: ['server-recovery-key'],
  async run(ctx) {
    const member = {
      encryptedMetadataKey: toBase64(new Uint8Array(384).fill(7)),
      policySha256: 'a'.repeat(64),
      recoveryKeySha256: 'b'.repeat(64),
    };
    const doc = JSON.stringify({
      metadata: { authenticationTag: 'x', ciphertext: 'y', nonce: 'z' },
      [RECOVERY_MEMBER]: member,
      version: '2.0',
    });
    const f = await committedFolder(ctx, 'alice', 'rkey-wrap', doc);
    const back = await readMetadata(ctx, 'alice', f.id);
    if (back.doc !== doc)
      throw new CheckFailure('the document with a recovery wrap came back changed', {
        expected: doc,
        actual: back.doc,
      });
  },
};

export const RECOVERY_KEY_CHECKS: readonly ServerCheck[] = [
  capabilityAdvertised,
  statementByteExact,
  privateKeyRefused,
  auditRecords,
  wrapKept,
];
