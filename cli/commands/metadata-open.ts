/**
 * `sealfold metadata open`: a reviewer's view of one folder's metadata. Reads the document (raw,
 * or in the OCS envelope `{"ocs":{"data":{"meta-data":"…"}}}` the server returns), verifies its
 * signature against the folder's members (spec/06-signature.md), checks the member certificates
 * against the server key when given, decrypts it (spec/05-metadata.md; a sub-folder through its
 * root's key) and prints the inner document.
 *
 * Safe defaults: a 2.x document is refused with SIGNATURE_MISSING unless `--signature` is given
 * or verification is skipped explicitly with `--no-signature` (then every output says so). The
 * root of a sub-folder is verified the same way (`--parent-signature`).
 *
 * @module
 */
import {
  atMostOneStdin,
  optionalString,
  printJson,
  readInputBytes,
  readInputText,
  requireString,
  UsageError,
  type Command,
} from '../command.js';
import { toBase64 } from '../../reference/src/bytes/index.js';
import { LIMITS } from '../input.js';
import { isSealfoldError, SealfoldError } from '../../reference/src/errors/index.js';
import {
  decryptLegacyFiledropEntry,
  decryptLegacyMetadata,
  parseMetadataDocument,
} from '../../reference/src/metadata/index.js';
import {
  readDocument,
  type ReadDocumentResult,
  type SkippedCheck,
} from '../../reference/src/folders/index.js';
import { looksLikePem, pemDecode, PEM_LABELS } from '../../reference/src/pem/index.js';

/** The document text: the file itself, or `ocs.data["meta-data"]` when it is an OCS envelope. */
export function unwrapOcs(text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return text; // not JSON at all: the metadata parser reports it
  }
  const ocs = (json as { ocs?: { data?: Record<string, unknown> } } | null)?.ocs;
  if (ocs === undefined) return text;
  const inner = ocs?.data?.['meta-data'];
  if (typeof inner !== 'string') {
    throw new SealfoldError(
      'SERVER_RESPONSE_MALFORMED',
      'the OCS envelope has no string ocs.data["meta-data"]',
    );
  }
  return inner;
}

/** A key file: PEM with `label`, or DER. */
function keyFile(cwd: string, path: string, label: string, what: string): Uint8Array {
  const bytes = readInputBytes(cwd, path, what, LIMITS.key);
  const text = Buffer.from(bytes).toString('utf8');
  return looksLikePem(text) ? pemDecode(text, label, 'KEY_MALFORMED') : bytes;
}

interface SignatureReport {
  verified: boolean;
  signer?: string;
  signingTime?: string;
  reason?: string;
}

/** The `X-NC-E2EE-SIGNATURE` value from a file; a final line break is not part of it. */
function signatureFile(cwd: string, path: string | undefined, what: string): string | undefined {
  if (path === undefined) return undefined;
  return readInputText(cwd, path, `the signature of the ${what}`, LIMITS.signature).replace(
    /\r?\n$/,
    '',
  );
}

/** SIGNATURE_MISSING with the hint a command-line user needs. */
function withHint(what: string) {
  return (e: unknown): never => {
    if (isSealfoldError(e, 'SIGNATURE_MISSING')) {
      // E2EE-META-120 (MUST, client): no signature, no reading (unless skipped explicitly).
      throw new SealfoldError(
        'SIGNATURE_MISSING',
        `the ${what} is metadata 2.x and needs its X-NC-E2EE-SIGNATURE value (pass the file, or --no-signature to skip verification)`,
      );
    }
    throw e;
  };
}

/** Opens a legacy 1.2 filedrop entry for the report, or says why it does not open. */
function legacyFiledrop(entries: Readonly<Record<string, unknown>>, privateKey: Uint8Array) {
  return Object.fromEntries(
    Object.entries(entries).map(([id, entry]) => {
      try {
        const e = decryptLegacyFiledropEntry(entry, privateKey, id);
        return [
          id,
          {
            filename: e.filename,
            mimetype: e.mimetype,
            key: toBase64(e.key),
            initializationVector: toBase64(e.initializationVector),
            authenticationTag: toBase64(e.authenticationTag),
          },
        ];
      } catch (err) {
        if (!isSealfoldError(err)) throw err;
        return [id, { error: err.code }];
      }
    }),
  );
}

export const command: Command = {
  name: ['metadata', 'open'],
  summary: "verify and decrypt a folder's metadata document and print its inner document",
  usage:
    '--metadata FILE (--signature FILE | --no-signature) --private-key FILE --user ID [--server-key FILE] [--parent-metadata FILE [--parent-signature FILE]]',
  help: [
    'Reads a metadata document (as stored, or the OCS response {"ocs":{"data":{"meta-data":…}}}),',
    "verifies its signature against the folder's members, checks the member certificates against",
    "the server key, decrypts it with the user's private key and prints the inner document exactly",
    'as decrypted. Legacy 1.2 filedrop entries and pending 2.x filedrop entries are reported, not',
    'merged. Checks this command cannot run (pins, freshness; certificates without --server-key)',
    'are named in the output.',
    'A sub-folder has no members: give its root folder with --parent-metadata; the root is',
    'verified and decrypted first, and its members and key are used. Legacy 1.x documents have no',
    'signature and are read as such. On any rejection nothing is printed on stdout and the command',
    'exits 1 with one line `sealfold: CODE: message`.',
    '',
    'options:',
    '  --metadata FILE          the metadata document (raw or OCS envelope)',
    '  --signature FILE         the X-NC-E2EE-SIGNATURE value (base64 text) for that document',
    '  --no-signature           do not verify signatures (2.x); the output says "verified": false',
    '  --private-key FILE       the user\'s private key, PKCS#8 (PEM "PRIVATE KEY" or DER)',
    '  --user ID                the user id (selects the wrapped key in the root folder)',
    '  --server-key FILE        the server key (PEM "PUBLIC KEY" or DER): member certificates must be',
    '                           signed by it and name their user; without it they are NOT checked',
    "  --parent-metadata FILE   the root folder's document, when FILE is a sub-folder's",
    "  --parent-signature FILE  the root folder's X-NC-E2EE-SIGNATURE value",
    '  --json                   print {ok, version, folder, signature, certificates, skipped, inner,',
    '                           filedrop?}',
    '',
    'Without --json the inner document is printed on stdout and a summary line on stderr.',
  ].join('\n'),
  options: {
    metadata: { type: 'string' },
    signature: { type: 'string' },
    'no-signature': { type: 'boolean' },
    'private-key': { type: 'string' },
    user: { type: 'string' },
    'server-key': { type: 'string' },
    'parent-metadata': { type: 'string' },
    'parent-signature': { type: 'string' },
  },
  async run(args, io) {
    const cwd = io.cwd;
    const metadataPath = requireString(args, 'metadata');
    const userId = requireString(args, 'user');
    const privateKeyPath = requireString(args, 'private-key');
    const signaturePath = optionalString(args, 'signature');
    const parentPath = optionalString(args, 'parent-metadata');
    const parentSignaturePath = optionalString(args, 'parent-signature');
    const serverKeyPath = optionalString(args, 'server-key');
    const skipSignatures = args.values['no-signature'] === true;
    if (skipSignatures && (signaturePath !== undefined || parentSignaturePath !== undefined)) {
      throw new UsageError(
        '--no-signature cannot be combined with --signature or --parent-signature',
      );
    }
    if (parentSignaturePath !== undefined && parentPath === undefined) {
      throw new UsageError('--parent-signature needs --parent-metadata');
    }

    atMostOneStdin(
      metadataPath,
      privateKeyPath,
      signaturePath,
      parentPath,
      parentSignaturePath,
      serverKeyPath,
    );
    // Encoding and structure: every input parses before anything is verified.
    const text = unwrapOcs(
      readInputText(cwd, metadataPath, 'the metadata document', LIMITS.metadata),
    );
    const doc = parseMetadataDocument(text);
    const privateKey = keyFile(cwd, privateKeyPath, PEM_LABELS.privateKey, 'the private key');
    const serverKey =
      serverKeyPath === undefined
        ? undefined
        : keyFile(cwd, serverKeyPath, PEM_LABELS.publicKey, 'the server key');
    const parentText =
      parentPath === undefined
        ? undefined
        : unwrapOcs(readInputText(cwd, parentPath, 'the root folder document', LIMITS.metadata));

    if (doc.family === 1) {
      if (signaturePath !== undefined || parentPath !== undefined) {
        throw new UsageError('a legacy 1.x document has no signature and no root folder key');
      }
      const view = decryptLegacyMetadata({ document: doc, privateKey });
      const inner = {
        entries: Object.fromEntries(
          Object.entries(view.entries).map(([id, e]) => [
            id,
            {
              filename: e.filename,
              mimetype: e.mimetype,
              key: toBase64(e.key),
              initializationVector: toBase64(e.initializationVector),
              authenticationTag: toBase64(e.authenticationTag),
            },
          ]),
        ),
      };
      const signature = { verified: false, reason: 'metadata 1.x has no signature' };
      const certificates = { checked: false, reason: 'metadata 1.x has no certificates' };
      // E2EE-META-077 (MUST, client): legacy filedrop entries are reported, never dropped silently.
      const filedrop =
        doc.filedrop === undefined ? undefined : legacyFiledrop(doc.filedrop, privateKey);
      return report(io, args.values.json === true, {
        version: view.version,
        folder: 'legacy',
        signature,
        certificates,
        skipped: ['signature', 'certificates', 'pins', 'freshness'],
        inner,
        ...(filedrop === undefined
          ? {}
          : { filedrop, filedropCount: Object.keys(filedrop).length }),
      });
    }

    // E2EE-META-078 (MUST, client): a sub-folder document without its root says what is missing.
    if (parentText === undefined && doc.users.length === 0) {
      throw new UsageError(
        'the document lists no members: it is a sub-folder document; give its root folder document with --parent-metadata (and --parent-signature)',
      );
    }
    // The one read pipeline, with the checks this command cannot run named (E2EE-META-075):
    // no pin store and no high-water marks here, no certificates without --server-key.
    const skip: SkippedCheck[] = ['pins', 'freshness'];
    if (serverKey === undefined) skip.push('certificates');
    if (skipSignatures) skip.push('signature');
    const trust = serverKey === undefined ? {} : { serverPublicKey: serverKey };
    const base = { userId, privateKey };
    let opened: ReadDocumentResult;
    if (parentText === undefined) {
      opened = await readDocument(
        {
          ...base,
          folderId: 'root',
          parsed: doc,
          fetched: { document: text, signature: signatureFile(cwd, signaturePath, 'document') },
        },
        trust,
        skip,
      ).catch(withHint('metadata document'));
    } else {
      // E2EE-META-128 (MUST, client): a sub-folder is verified against its root's members.
      const root = await readDocument(
        {
          ...base,
          folderId: 'root',
          fetched: {
            document: parentText,
            signature: signatureFile(cwd, parentSignaturePath, 'root folder document'),
          },
        },
        trust,
        skip,
      ).catch(withHint('root folder document'));
      opened = await readDocument(
        {
          ...base,
          folderId: 'sub-folder',
          parsed: doc,
          fetched: { document: text, signature: signatureFile(cwd, signaturePath, 'document') },
          root: { members: root.members, metadataKey: root.decrypted.metadataKey },
        },
        trust,
        skip,
      ).catch(withHint('metadata document'));
    }
    const signature: SignatureReport =
      opened.signer === undefined
        ? { verified: false, reason: '--no-signature' }
        : {
            verified: true,
            signer: opened.signer.signerUserId,
            ...(opened.signer.signingTime
              ? { signingTime: opened.signer.signingTime.toISOString() }
              : {}),
          };
    const certificates: { checked: boolean; reason?: string } =
      serverKey === undefined
        ? { checked: false, reason: 'no --server-key given' }
        : { checked: true };
    const pending = doc.filedrop === undefined ? 0 : Object.keys(doc.filedrop).length;
    return report(io, args.values.json === true, {
      version: opened.decrypted.version,
      folder: parentText === undefined ? 'root' : 'sub-folder',
      signature,
      certificates,
      skipped: [...opened.skipped],
      // E2EE-META-077 (MUST, client): exactly the inner document that was decrypted.
      inner: opened.decrypted.innerJson,
      ...(pending > 0
        ? { filedrop: { pending, authenticated: false }, filedropCount: pending }
        : {}),
    });
  },
};

function report(
  io: Parameters<Command['run']>[1],
  json: boolean,
  r: {
    version: string;
    folder: string;
    signature: SignatureReport;
    certificates: { checked: boolean; reason?: string };
    skipped: string[];
    inner: unknown;
    filedrop?: unknown;
    filedropCount?: number;
  },
): number {
  if (json) {
    const shown: Record<string, unknown> = { ok: true, ...r };
    delete shown.filedropCount;
    printJson(io, shown);
    return 0;
  }
  printJson(io, r.inner);
  const sig = r.signature.verified
    ? `signed by ${r.signature.signer}${r.signature.signingTime ? ` at ${r.signature.signingTime}` : ''}`
    : `signature NOT verified (${r.signature.reason})`;
  const certs = r.certificates.checked
    ? 'member certificates checked against the server key'
    : `member certificates NOT checked (${r.certificates.reason})`;
  const drops =
    r.filedropCount === undefined
      ? ''
      : `; ${r.filedropCount} filedrop entries not merged (see --json)`;
  io.stderr(
    `sealfold: metadata ${r.version} (${r.folder}): ${sig}; ${certs}; not checked: ${r.skipped.join(', ')}${drops}\n`,
  );
  return 0;
}
