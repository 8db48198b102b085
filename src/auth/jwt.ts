/**
 * `--auth jwt`: IDENTIFY (or `?token=` on the upgrade URL) carries a JWT, verified with jose against
 * an HS256 secret, a PEM public key or a local JWKS file. The token, not the client, names the user.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { Authenticator, AuthenticatedIdentity } from '../core/authenticator.js';
import { SignalError } from '../core/signal-error.js';
import { normaliseUsername } from '../../protocol/names.js';
import { usernameKey } from '../../protocol/username-key.js';

/** Where the verification key comes from: exactly one of the three. */
export type JwtKeySource = { secret: string } | { publicKeyPem: string } | { jwks: JSONWebKeySet };

/** Options of the JWT authenticator. */
export interface JwtOptions {
  key: JwtKeySource;
  /** Required `aud` (any of the token's audiences must match), when set. */
  audience?: string;
  /** Required `iss`, when set. */
  issuer?: string;
  /**
   * Accept tokens without `exp` (never expiring). Off by default: a leaked token without an expiry
   * would work for good, and a held session could be resumed with it at any time.
   */
  allowNoExp?: boolean;
}

/** Shortest accepted HS256 secret: 256 bits, as RFC 7518 asks for HMAC keys. */
export const MIN_SECRET_LENGTH = 32;

/** Seconds of clock skew tolerated on `exp` and `nbf`. */
export const CLOCK_TOLERANCE_S = 5;

/** Read the key named by the config (PEM or JWKS file); throws a readable error at start-up. */
export async function loadJwtKey(source: {
  secret: string;
  publicKeyFile: string;
  jwksFile: string;
}): Promise<JwtKeySource> {
  if (source.secret) return { secret: source.secret };
  if (source.publicKeyFile) return { publicKeyPem: await readFile(source.publicKeyFile, 'utf8') };
  const text = await readFile(source.jwksFile, 'utf8');
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch {
    throw new Error(`--jwks-file: ${source.jwksFile} is not JSON`);
  }
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) {
    throw new Error(`--jwks-file: ${source.jwksFile} has no "keys" array`);
  }
  return { jwks: jwks as JSONWebKeySet };
}

/** Build the authenticator. Throws at construction on an unusable key (short secret, bad PEM). */
export function createJwtAuthenticator(options: JwtOptions): Authenticator {
  const { key, algorithms } = verificationKey(options.key);
  return async (request) => {
    if (!request.token) throw new SignalError('UNAUTHORIZED', 'A token is required');
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(request.token, key, {
        algorithms,
        audience: options.audience || undefined,
        issuer: options.issuer || undefined,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: options.allowNoExp ? [] : ['exp'],
      });
      payload = verified.payload;
    } catch (err) {
      throw new SignalError('UNAUTHORIZED', describe(err));
    }
    return identityFrom(payload, request.username);
  };
}

/** The identity a verified token grants; `claimed` is the IDENTIFY username, which must agree. */
function identityFrom(payload: JWTPayload, claimed: string): AuthenticatedIdentity {
  const fromToken = typeof payload.username === 'string' ? payload.username : payload.sub;
  if (typeof fromToken !== 'string' || fromToken === '') {
    throw new SignalError('UNAUTHORIZED', 'The token names no user (sub or username claim)');
  }
  const tokenName = normaliseUsername(fromToken);
  if (!tokenName.ok)
    throw new SignalError('INVALID_USERNAME', `The token's username is invalid: ${tokenName.reason}`);
  if (claimed.trim() !== '') {
    const claimedName = normaliseUsername(claimed);
    if (!claimedName.ok || usernameKey(claimedName.value) !== usernameKey(tokenName.value)) {
      throw new SignalError('UNAUTHORIZED', 'The username differs from the one in the token');
    }
  }
  const identity: AuthenticatedIdentity = { username: tokenName.value };
  // Accepted until `exp` (with the same tolerance as here): a resume after that is refused.
  if (typeof payload.exp === 'number') identity.expiresAt = (payload.exp + CLOCK_TOLERANCE_S) * 1000;
  const rooms = payload.rooms;
  if (rooms === undefined) return identity;
  if (!Array.isArray(rooms) || !rooms.every((r) => typeof r === 'string')) {
    throw new SignalError('UNAUTHORIZED', 'The rooms claim must be a list of room ids');
  }
  identity.rooms = rooms;
  return identity;
}

function verificationKey(source: JwtKeySource): {
  key: Uint8Array | KeyObject | JWTVerifyGetKey;
  algorithms: string[] | undefined;
} {
  if ('secret' in source) {
    if (source.secret.length < MIN_SECRET_LENGTH) {
      throw new Error(`--jwt-secret: use at least ${MIN_SECRET_LENGTH} characters`);
    }
    return { key: new TextEncoder().encode(source.secret), algorithms: ['HS256'] };
  }
  if ('publicKeyPem' in source) {
    let key: KeyObject;
    try {
      key = createPublicKey(source.publicKeyPem);
    } catch {
      throw new Error('--jwt-public-key-file: not a PEM public key');
    }
    return { key, algorithms: algorithmsFor(key) };
  }
  // jose matches a JWKS key by `kid` and `alg`; symmetric keys in it would allow key confusion.
  if (source.jwks.keys.some((k) => k.kty === 'oct')) {
    throw new Error('--jwks-file: symmetric (oct) keys are not accepted; use --jwt-secret');
  }
  return { key: createLocalJWKSet(source.jwks), algorithms: undefined };
}

/** The signature algorithms a public key can verify; `none` and HMAC never are. */
function algorithmsFor(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return ['ES256'];
      if (curve === 'secp384r1') return ['ES384'];
      if (curve === 'secp521r1') return ['ES512'];
      throw new Error(`--jwt-public-key-file: unsupported curve ${curve ?? '(unknown)'}`);
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      throw new Error(`--jwt-public-key-file: unsupported key type ${key.asymmetricKeyType ?? '(unknown)'}`);
  }
}

/** A short reason for the client; never the token itself. */
function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'The token has expired';
  if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'exp' && err.reason === 'missing')
    return 'The token has no expiry (exp claim); this server requires one';
  if (err instanceof errors.JWTClaimValidationFailed) return `The token's ${err.claim} claim is not accepted`;
  if (err instanceof errors.JOSEAlgNotAllowed)
    return 'The token is signed with an algorithm that is not accepted';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is invalid';
  if (err instanceof errors.JWKSNoMatchingKey) return 'No key matches the token';
  return 'The token is invalid';
}
