/**
 * The generator's cast: members with certificates issued by the server key (as Nextcloud issues
 * them), built once per context from the committed input keys.
 *
 * @module
 */
import type { GenContext, InputKey } from './context.js';
import { CN, DESKTOP_DN, issue } from './ca.js';
import { strictPem } from './pem-variants.js';

/** A user with a key and a certificate for it. */
export interface Actor {
  readonly userId: string;
  readonly key: InputKey;
  readonly certificatePem: string;
  readonly certificateDer: Uint8Array;
}

export interface World {
  readonly server: InputKey;
  readonly serverPublicKeyPem: string;
  readonly alice: Actor;
  readonly bob: Actor;
  readonly carol: Actor;
  /** A legitimate user of the server who is not a member of any folder. */
  readonly mallory: Actor;
  /** A certificate for `userId` over `key`, signed by `issuer` (default: the server). */
  certify(userId: string, key: InputKey, issuer?: InputKey): Promise<Actor>;
}

const worlds = new WeakMap<GenContext, Promise<World>>();

async function build(ctx: GenContext): Promise<World> {
  const server = ctx.key('server');
  const notBefore = new Date(ctx.now.getTime() - 90 * 86_400_000);
  const certify = async (userId: string, key: InputKey, issuer = server): Promise<Actor> => {
    const der = await issue({
      issuerPkcs8: issuer.pkcs8,
      subjectSpki: key.spki,
      subject: [...DESKTOP_DN, [CN, userId]],
      notBefore,
    });
    return { userId, key, certificatePem: strictPem('CERTIFICATE', der), certificateDer: der };
  };
  return {
    server,
    serverPublicKeyPem: strictPem('PUBLIC KEY', server.spki),
    alice: await certify('alice', ctx.key('alice')),
    bob: await certify('bob', ctx.key('bob')),
    carol: await certify('carol', ctx.key('carol')),
    mallory: await certify('mallory', ctx.key('mallory')),
    certify,
  };
}

/** The cast of `ctx` (built on first use). */
export function world(ctx: GenContext): Promise<World> {
  let w = worlds.get(ctx);
  if (w === undefined) {
    w = build(ctx);
    worlds.set(ctx, w);
  }
  return w;
}
