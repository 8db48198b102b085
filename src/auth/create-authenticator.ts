/**
 * The authenticator `--auth` names, wrapped in the per-IP failure throttle, and the check of its
 * options. The composition root (src/module-options.ts) maps the config onto {@link AuthOptions}.
 */
import type { Logger } from 'pino';
import type { Authenticator } from '../core/authenticator.js';
import { ipLimitKey } from '../transport/ip-key.js';
import { throttleFailures } from './failure-throttle.js';
import { createJwtAuthenticator, loadJwtKey, MIN_SECRET_LENGTH } from './jwt.js';
import { createWebhookAuthenticator } from './webhook.js';

/** How clients are authenticated (`--auth` and the options of each method). */
export interface AuthOptions {
  /** `none`: anyone may use any free username. */
  method: 'none' | 'jwt' | 'webhook';
  /** `--auth jwt`: exactly one key source ('' when not given), and the claims checked. */
  jwt: {
    secret: string;
    publicKeyFile: string;
    jwksFile: string;
    /** '' : any audience. */
    audience: string;
    /** '' : any issuer. */
    issuer: string;
    allowNoExp: boolean;
  };
  /** `--auth webhook`: the endpoint asked at each IDENTIFY ('' when not given). */
  webhook: { url: string; timeoutMs: number };
  /** Failed identifies per client IP and minute before its identifies are refused for a while. */
  failuresPerMinute: number;
  /** The failures of an IPv6 client count under its prefix of this length. */
  ipv6PrefixLength: number;
}

/** Throw an error naming the first option that does not fit with the others. */
export function checkAuthOptions(options: AuthOptions): void {
  const { method, jwt } = options;
  const keys = [
    ['--jwt-secret', jwt.secret],
    ['--jwt-public-key-file', jwt.publicKeyFile],
    ['--jwks-file', jwt.jwksFile],
  ].filter(([, value]) => value !== '');
  if (method === 'jwt' && keys.length !== 1) {
    throw new Error('--auth jwt: give exactly one of --jwt-secret, --jwt-public-key-file, --jwks-file');
  }
  if (method === 'jwt' && jwt.secret !== '' && jwt.secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`--jwt-secret: use at least ${MIN_SECRET_LENGTH} characters`);
  }
  if (method !== 'jwt' && keys.length > 0) {
    throw new Error(`${keys[0]?.[0]} is set but --auth is ${method}; add --auth jwt`);
  }
  if (method !== 'jwt' && jwt.allowNoExp) {
    throw new Error(`--jwt-allow-no-exp is set but --auth is ${method}; add --auth jwt`);
  }
  if (method === 'webhook' && !/^https?:\/\/\S+$/i.test(options.webhook.url)) {
    throw new Error('--auth webhook: --auth-url must be an http(s) URL');
  }
  if (method !== 'webhook' && options.webhook.url !== '') {
    throw new Error(`--auth-url is set but --auth is ${method}; add --auth webhook`);
  }
}

/** The authenticator for `options`, or `undefined` for `none` (the core then accepts anyone). */
export async function createAuthenticator(
  options: AuthOptions,
  logger: Logger,
): Promise<Authenticator | undefined> {
  let authenticate: Authenticator;
  switch (options.method) {
    case 'none':
      return undefined;
    case 'jwt':
      authenticate = createJwtAuthenticator({
        key: await loadJwtKey(options.jwt),
        audience: options.jwt.audience || undefined,
        issuer: options.jwt.issuer || undefined,
        allowNoExp: options.jwt.allowNoExp,
      });
      break;
    case 'webhook':
      authenticate = createWebhookAuthenticator({
        url: options.webhook.url,
        timeoutMs: options.webhook.timeoutMs,
        logger,
      });
      break;
  }
  logger.info({ auth: options.method }, 'authentication enabled');
  const prefixLength = options.ipv6PrefixLength;
  return throttleFailures(authenticate, options.failuresPerMinute, (ip) => ipLimitKey(ip, prefixLength));
}
