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
  optionalString,
  printJson,
  readInputBytes,
  readInputText,
  requireString,
  UsageError,
  type Command,
} from '../command.js';
import { toBase64 } from '../../reference/src/_internal/bytes.js';
import { SealfoldError } from '../../reference/src/errors/index.js';
import {
  decryptLegacyMetadata,
  decryptMetadata,
  innerToJson,
  parseMetadataDocument,
  type MetadataDocumentV2,
} from '../../reference/src/metadata/index.js';
import { looksLikePem, pemDecode, PEM_LABELS } from '../../reference/src/pem/index.js';
import { verifyMetadataSignature } from '../../reference/src/signature/index.js';

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
  const bytes = readInputBytes(cwd, path, what);
  const text = Buffer.from(bytes).toString('utf8');
  return looksLikePem(text) ? pemDecode(text, label, 'KEY_MALFORMED') : bytes;
}

interface SignatureReport {
  verified: boolean;
  signer?: string;
  signingTime?: string;
  reason?: string;
}

async function verifyDocument(
  text: string,
  signaturePath: string | undefined,
  members: MetadataDocumentV2['users'],
  cwd: string,
  what: string,
): Promise<SignatureReport> {
  if (signaturePath === undefined) {
    // E2EE-META-120 (MUST, client): no signature, no reading (unless skipped explicitly).
    throw new SealfoldError(
      'SIGNATURE_MISSING',
      `the ${what} is metadata 2.x and needs its X-NC-E2EE-SIGNATURE value (pass the file, or --no-signature to skip verification)`,
    );
  }
  // The file holds the header value; a final line break is not part of it.
  const signature = readInputText(cwd, signaturePath, `the signature of the ${what}`).replace(
    /\r?\n$/,
    '',
  );
  const r = await verifyMetadataSignature({
    outer: text,
    signature,
    members,
  });
  return {
    verified: true,
    signer: r.signerUserId,
    ...(r.signingTime ? { signingTime: r.signingTime.toISOString() } : {}),
  };
}

export const command: Command = {
  name: ['metadata', 'open'],
  summary: "verify and decrypt a folder's metadata document and print its inner document",
  usage:
    '--metadata FILE (--signature FILE | --no-signature) --private-key FILE --user ID [--server-key FILE] [--parent-metadata FILE [--parent-signature FILE]]',
  help: [
    'Reads a metadata document (as stored, or the OCS response {"ocs":{"data":{"meta-data":…}}}),',
    "verifies its signature against the folder's members, checks the member certificates against",
    "the server key, decrypts it with the user's private key and prints the inner document as JSON.",
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
    '  --json                   print {ok, version, folder, signature, certificates, inner}',
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

    // Encoding and structure: every input parses before anything is verified.
    const text = unwrapOcs(readInputText(cwd, metadataPath, 'the metadata document'));
    const doc = parseMetadataDocument(text);
    const privateKey = keyFile(cwd, privateKeyPath, PEM_LABELS.privateKey, 'the private key');
    const serverKey =
      serverKeyPath === undefined
        ? undefined
        : keyFile(cwd, serverKeyPath, PEM_LABELS.publicKey, 'the server key');
    const parentText =
      parentPath === undefined
        ? undefined
        : unwrapOcs(readInputText(cwd, parentPath, 'the root folder document'));

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
      return report(io, args.values.json === true, {
        version: view.version,
        folder: 'legacy',
        signature,
        certificates,
        inner,
      });
    }

    // E2EE-META-128 (MUST, client): a sub-folder is verified against its root's members.
    const root = parentText === undefined ? doc : parseMetadataDocument(parentText);
    if (root.family !== 2) {
      throw new SealfoldError(
        'METADATA_VERSION_UNSUPPORTED',
        'the root folder document is not metadata 2.x',
      );
    }
    if (parentText !== undefined && root.users.length === 0) {
      throw new SealfoldError(
        'METADATA_MALFORMED',
        'the --parent-metadata document lists no members: it is not a root folder',
      );
    }

    // Authentication: the root's signature first (its members sign the sub-folder), then this one.
    let signature: SignatureReport = { verified: false, reason: '--no-signature' };
    if (!skipSignatures) {
      if (parentText !== undefined) {
        await verifyDocument(
          parentText,
          parentSignaturePath,
          root.users,
          cwd,
          'root folder document',
        );
      }
      signature = await verifyDocument(text, signaturePath, root.users, cwd, 'metadata document');
    }
    // E2EE-META-127 (MUST, client): the signature counts only with trusted member certificates.
    // decryptMetadata checks the root's member certificates when given the server key
    // (E2EE-META-043), in the order of spec/05-metadata.md §6.
    const certificates: { checked: boolean; reason?: string } =
      serverKey === undefined
        ? { checked: false, reason: 'no --server-key given' }
        : { checked: true };
    const opened =
      parentText === undefined
        ? decryptMetadata({ document: doc, userId, privateKey, serverPublicKey: serverKey })
        : decryptMetadata({
            document: doc,
            userId,
            rootMetadataKey: decryptMetadata({
              document: root,
              userId,
              privateKey,
              serverPublicKey: serverKey,
            }).metadataKey,
          });
    return report(io, args.values.json === true, {
      version: opened.version,
      folder: parentText === undefined ? 'root' : 'sub-folder',
      signature,
      certificates,
      inner: innerToJson(opened.inner),
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
    inner: unknown;
  },
): number {
  if (json) {
    printJson(io, { ok: true, ...r });
    return 0;
  }
  printJson(io, r.inner);
  const sig = r.signature.verified
    ? `signed by ${r.signature.signer}${r.signature.signingTime ? ` at ${r.signature.signingTime}` : ''}`
    : `signature NOT verified (${r.signature.reason})`;
  const certs = r.certificates.checked
    ? 'member certificates checked against the server key'
    : `member certificates NOT checked (${r.certificates.reason})`;
  io.stderr(`sealfold: metadata ${r.version} (${r.folder}): ${sig}; ${certs}\n`);
  return 0;
}
