/**
 * The key endpoints of the E2EE API (spec/10-server-api.md §4, E2EE-API-020..069):
 * `public-key` (GET, POST with a CSR, PUT with a certificate, DELETE), `private-key` (GET, POST,
 * DELETE) and `server-key` (GET, rate-limited for anonymous callers).
 *
 * Keys are immutable once stored (SRV-1): a second POST/PUT answers 409 and changes nothing; only
 * a DELETE with password confirmation removes a key. Every stored or deleted key is audited in the
 * same transaction. Handlers contain no crypto: issuance is `ca/issue.ts`.
 *
 * Key owners are uids, or `s:<shareToken>` for the keys of a public link share (API 2.1), which
 * only the share's owner may create or delete.
 *
 * @module
 */
import { generateKeyPairSync } from 'node:crypto';
import { Router, type Request, type RequestHandler } from 'express';
import { SealfoldError } from '../../../../reference/src/errors/index.js';
import { parseCertificate } from '../../../../reference/src/certs/index.js';
import { PEM_LABELS, pemEncode } from '../../../../reference/src/pem/index.js';
import type { Deps } from '../context.js';
import { param, requireParam, requirePasswordConfirmation, requireUser } from '../context.js';
import { sendOcs } from '../ocs/envelope.js';
import { problem, type ProblemName } from '../../problems.js';
import { issueCertificate } from '../../ca/issue.js';
import { isValidPrivateKeyFormat } from './_private-key-format.js';
import { slidingWindow } from './_rate-limit.js';
import { PROFILE_INFO } from '../../profiles.js';
import * as audit from '../../audit.js';
import type { StoreView, ShareRecord } from '../../store/index.js';

/** Header carrying a link-share token (app 1.17+); `shareToken` param on older apps. */
const SHARE_TOKEN_HEADER = 'x-nc-e2ee-share-token';

/** The link share with `token`, or undefined. */
function linkShare(view: StoreView, token: string): ShareRecord | undefined {
  return view.list('shares').find((s) => s.shareType === 3 && s.token === token);
}

/** Who owns the key a request is about, and how to name it in the audit log. */
interface KeyOwner {
  /** Store key: uid or `s:<token>`. */
  key: string;
  /** Audit object: `user:<uid>` or `share:<id>` (never the token). */
  object: string;
}

/**
 * The key owner for a write: the caller, or the link share named by `shareToken`, which the
 * caller must own (E2EE-API-025).
 */
function ownerForWrite(view: StoreView, req: Request, uid: string): KeyOwner {
  const token = param(req, 'shareToken');
  if (token === undefined || token === '') return { key: uid, object: `user:${uid}` };
  const share = linkShare(view, token);
  // E2EE-API-025 (MUST, server): only the share's owner manages its keys.
  const owned = share !== undefined && share.owner === uid;
  if (!owned && !req.sealfold.faults.on('share-token-keys-unchecked'))
    throw problem('shareNotOwned');
  return { key: `s:${token}`, object: `share:${share?.id ?? 'unknown'}` };
}

/** Maps issuance/parsing errors to problems (layer order is the CA's; see ca/issue.ts). */
function csrProblem(e: unknown): never {
  if (e instanceof SealfoldError) {
    const byCode: Partial<Record<string, ProblemName>> = {
      PEM_MALFORMED: 'csrMalformed',
      CSR_MALFORMED: 'csrMalformed',
      KEY_MALFORMED: 'csrMalformed',
      KEY_UNSUPPORTED: 'csrMalformed',
      CSR_INVALID: 'csrInvalid',
      CERT_USER_MISMATCH: 'csrCnMismatch',
    };
    const name = byCode[e.code as string];
    if (name) throw problem(name, e.message);
  }
  throw e;
}

/**
 * The `private-key-not-byte-exact` fault: a "normalisation" that breaks clients, trimming the
 * blob and dropping base64 padding from each `|` segment.
 */
function reencodeBlob(blob: string): string {
  return blob
    .trim()
    .split('|')
    .map((s) => s.replace(/=+$/, ''))
    .join('|');
}

/**
 * The `weak-server-key` fault: an RSA-1024 key with exponent 3 served as `server-key` (made once,
 * on first use, so that a clean server never spends the time).
 */
let weakSpki: Uint8Array | undefined;
function weakServerKeySpki(): Uint8Array {
  weakSpki ??= new Uint8Array(
    generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 3 }).publicKey.export({
      type: 'spki',
      format: 'der',
    }),
  );
  return weakSpki;
}

/** Nextcloud's `#[AnonRateLimit(limit: 6, period: 600)]` on `getPublicServerKey` (E2EE-API-051). */
export const SERVER_KEY_ANON_LIMIT = 6;
export const SERVER_KEY_ANON_PERIOD_MS = 600_000;

export function keysRouter(deps: Deps): Router {
  const r = Router();
  r.get('/public-key', getPublicKeys(deps));
  r.post('/public-key', postPublicKey(deps));
  r.put('/public-key', putPublicKey(deps));
  r.delete('/public-key', deletePublicKey(deps));
  r.get('/private-key', getPrivateKey(deps));
  r.post('/private-key', postPrivateKey(deps));
  r.delete('/private-key', deletePrivateKey(deps));
  r.get('/server-key', getServerKey(deps));
  return r;
}

/** GET /public-key */
function getPublicKeys({ config, store, faults }: Deps): RequestHandler {
  const anonymousAllowed = PROFILE_INFO[config.profile].anonymousPublicKeys;
  return (req, res) => {
    // E2EE-API-432 (MUST, server): nc33 (app 2.x, `#[PublicPage]`) answers anonymous lookups, which
    // link-share visitors need; there is then no current user to include.
    const anonymous = anonymousAllowed && !faults.on('anonymous-public-key-refused');
    const uid = anonymous && req.sealfold.user === null ? null : requireUser(req);
    const raw = param(req, 'users');
    let wanted: string[] = [];
    if (raw !== undefined && raw !== '') {
      // E2EE-API-021 (MUST, server): 400 when `users` is not a JSON array of strings.
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw problem('badRequest', 'users must be a JSON array of user ids');
      }
      if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string'))
        throw problem('badRequest', 'users must be a JSON array of user ids');
      wanted = parsed;
    }
    // E2EE-API-020 (MUST, server): the current user is always included.
    const ids = [...new Set(uid === null ? wanted : [...wanted, uid])];
    const out: Record<string, string> = {};
    const missing: string[] = [];
    for (const id of ids) {
      const rec = store.get('publicKeys', id);
      if (rec) out[id] = rec.certificatePem;
      // E2EE-API-021 (MUST, server): every requested user without a public key is missing.
      else if (id === uid || !faults.on('public-keys-skip-missing')) missing.push(id);
    }
    // E2EE-API-021 (MUST, server): 404 when any requested user has no public key.
    if (missing.length > 0) throw problem('publicKeysNotFound');
    sendOcs(req, res, { 'public-keys': out });
  };
}

/** POST /public-key */
function postPublicKey({ config, store, ca, clock, faults }: Deps): RequestHandler {
  return async (req, res) => {
    const uid = requireUser(req);
    const owner = ownerForWrite(store, req, uid);
    const replace = faults.on('accept-second-public-key');
    // E2EE-API-022 (MUST, server): an existing certificate is never replaced (409).
    if (store.get('publicKeys', owner.key) && !replace) throw problem('publicKeyExists');
    const csr = requireParam(req, 'csr');
    // E2EE-API-024 (MUST, server): issue per chapter 13; 400 bad CSR, 403 CN mismatch.
    const issued = await issueCertificate({
      csr,
      expectedCn: owner.key,
      signer: ca,
      now: new Date(clock.now()),
      // E2EE-CERT-053 (MUST, server): serial 0 unless the operator chose strict-serial mode.
      serial: config.strictSerial || faults.on('random-serial-by-default') ? 'random' : 'zero',
      faults,
    }).catch(csrProblem);
    // E2EE-CERT-056 (MUST, server): store and audit atomically; a lost race answers 409.
    store.transact((tx) => {
      if (tx.get('publicKeys', owner.key) && !replace) throw problem('publicKeyExists');
      const now = clock.now();
      tx.put('publicKeys', owner.key, {
        owner: owner.key,
        certificatePem: issued.pem,
        fingerprint: issued.fingerprint,
        source: 'issued',
        createdAt: now,
      });
      // E2EE-CERT-060 (MUST, server): every issuance is audited with the certificate fingerprint.
      audit.append(tx, {
        time: now,
        actor: uid,
        action: 'certificate.issue',
        object: owner.object,
        certFingerprint: issued.fingerprint,
        details: { serial: issued.serialHex, ca: ca.kind },
      });
    });
    sendOcs(req, res, { 'public-key': issued.pem });
  };
}

/** PUT /public-key */
function putPublicKey({ store, clock, faults }: Deps): RequestHandler {
  return (req, res) => {
    const uid = requireUser(req);
    const replace = faults.on('accept-second-public-key');
    // E2EE-API-022 (MUST, server): an existing certificate is never replaced (409).
    if (store.get('publicKeys', uid) && !replace) throw problem('publicKeyExists');
    const pem = requireParam(req, 'publicKey');
    let cert;
    try {
      cert = parseCertificate(pem);
    } catch (e) {
      if (e instanceof SealfoldError) throw problem('certMalformed', e.message);
      throw e;
    }
    // E2EE-API-023 (MUST, server): an uploaded certificate must name the user as its CN.
    if (cert.subjectCn !== uid && !faults.on('uploaded-certificate-any-cn'))
      throw problem('certCnMismatch');
    store.transact((tx) => {
      if (tx.get('publicKeys', uid) && !replace) throw problem('publicKeyExists');
      const now = clock.now();
      tx.put('publicKeys', uid, {
        owner: uid,
        certificatePem: pem,
        fingerprint: cert.fingerprint,
        source: 'uploaded',
        createdAt: now,
      });
      audit.append(tx, {
        time: now,
        actor: uid,
        action: 'public-key.upload',
        object: `user:${uid}`,
        certFingerprint: cert.fingerprint,
      });
    });
    sendOcs(req, res, { 'public-key': pem });
  };
}

/** DELETE /public-key */
function deletePublicKey({ config, store, clock, faults }: Deps): RequestHandler {
  return (req, res) => {
    // E2EE-API-060 (MUST, server): deleting a key requires strict password confirmation.
    const uid = requirePasswordConfirmation(req, { config, faults });
    const owner = ownerForWrite(store, req, uid);
    store.transact((tx) => {
      const rec = tx.get('publicKeys', owner.key);
      // E2EE-API-026 (MUST, server): nothing to delete is a success, like KeyStorage's silent
      // return on NotFoundException (every release).
      if (!rec) return;
      tx.del('publicKeys', owner.key);
      audit.append(tx, {
        time: clock.now(),
        actor: uid,
        action: 'public-key.delete',
        object: owner.object,
        certFingerprint: rec.fingerprint,
      });
    });
    sendOcs(req, res, []);
  };
}

/** GET /private-key */
function getPrivateKey({ store, bruteForce }: Deps): RequestHandler {
  return (req, res) => {
    const token = req.get(SHARE_TOKEN_HEADER) ?? param(req, 'shareToken');
    let key: string;
    const ignoreToken = req.sealfold.faults.on('share-token-private-key-ignored');
    if (token !== undefined && token !== '' && !ignoreToken) {
      const address = req.socket.remoteAddress ?? '';
      // E2EE-API-053 (MUST, server): share-token guessing is throttled per remote address.
      const throttled = bruteForce.shareTokenThrottled(address);
      if (throttled !== null) {
        res.set('Retry-After', String(throttled.retryAfterSeconds));
        throw problem('rateLimited', 'Too many unknown share tokens; retry later');
      }
      // E2EE-API-044 (MUST, server): a link share's private key is served to holders of its token.
      if (!linkShare(store, token)) {
        bruteForce.shareTokenFailed(address);
        throw problem('privateKeyNotFound');
      }
      key = `s:${token}`;
    } else key = requireUser(req);
    const rec = store.get('privateKeys', key);
    // E2EE-API-042 (MUST, server): 404 when there is no private key.
    if (!rec) throw problem('privateKeyNotFound');
    sendOcs(req, res, { 'private-key': rec.blob });
  };
}

/** POST /private-key */
function postPrivateKey({ config, store, clock, faults }: Deps): RequestHandler {
  const info = PROFILE_INFO[config.profile];
  return (req, res) => {
    const uid = requireUser(req);
    const owner = ownerForWrite(store, req, uid);
    const replace = faults.on('accept-second-private-key');
    // E2EE-API-811 (MUST, server): an existing private key is never replaced (409).
    if (store.get('privateKeys', owner.key) && !replace) throw problem('privateKeyExists');
    const blob = requireParam(req, 'privateKey');
    // E2EE-API-041 (MUST, server): profiles modelling app 2.x refuse a malformed blob; this also
    // refuses an unwrapped PEM private key (E2EE-API-043).
    const checksFormat = info.validatesPrivateKey && !faults.on('skip-private-key-format-check');
    if (checksFormat && !isValidPrivateKeyFormat(blob))
      // E2EE-SEC-062 (MUST NOT, server): the refusal never echoes the blob.
      throw problem(
        'privateKeyFormat',
        faults.on('leak-secret-in-error') ? `Invalid private key format: ${blob}` : undefined,
      );
    // E2EE-API-809 (MUST, server): the blob is stored verbatim.
    const stored = faults.on('private-key-not-byte-exact') ? reencodeBlob(blob) : blob;
    store.transact((tx) => {
      if (tx.get('privateKeys', owner.key) && !replace) throw problem('privateKeyExists');
      const now = clock.now();
      tx.put('privateKeys', owner.key, { owner: owner.key, blob: stored, createdAt: now });
      // E2EE-API-061 (MUST, server): every stored or deleted key is audited in the same transaction.
      audit.append(tx, {
        time: now,
        actor: uid,
        action: 'private-key.upload',
        object: owner.object,
      });
    });
    sendOcs(req, res, { 'private-key': blob });
  };
}

/** DELETE /private-key */
function deletePrivateKey({ config, store, clock, faults }: Deps): RequestHandler {
  return (req, res) => {
    const uid = requirePasswordConfirmation(req, { config, faults });
    const owner = ownerForWrite(store, req, uid);
    store.transact((tx) => {
      // E2EE-API-042 (MUST, server): nothing to delete is a success (200 `[]`), as in every release.
      if (!tx.del('privateKeys', owner.key)) {
        if (faults.on('delete-absent-private-key-404')) throw problem('privateKeyNotFound');
        return;
      }
      audit.append(tx, {
        time: clock.now(),
        actor: uid,
        action: 'private-key.delete',
        object: owner.object,
      });
    });
    sendOcs(req, res, []);
  };
}

/** GET /server-key */
function getServerKey({ ca, clock, faults }: Deps): RequestHandler {
  const anonymousServerKey = slidingWindow(SERVER_KEY_ANON_LIMIT, SERVER_KEY_ANON_PERIOD_MS, () =>
    clock.now(),
  );
  return async (req, res) => {
    // E2EE-API-051 (MUST, server): anonymous callers get 6 per 600 s per remote address.
    const address = req.socket.remoteAddress ?? '';
    if (
      req.sealfold.user === null &&
      !faults.on('no-server-key-rate-limit') &&
      !anonymousServerKey.accept(address)
    ) {
      // E2EE-API-406 (MUST, server): a 429 says when to try again.
      res.set('Retry-After', String(anonymousServerKey.retryAfterSeconds(address)));
      throw problem('rateLimited');
    }
    // E2EE-API-050 (MUST, server): the CA public key as an SPKI PEM.
    // E2EE-CERT-080 (MUST, server): that key is RSA-2048 with exponent 65537.
    const spki = faults.on('weak-server-key') ? weakServerKeySpki() : await ca.publicKeySpki();
    sendOcs(req, res, { 'public-key': pemEncode(PEM_LABELS.publicKey, spki) });
  };
}
