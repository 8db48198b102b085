/** Builds the authenticator `--auth` names, wrapped in the per-IP failure throttle. */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Authenticator } from '../core/authenticator.js';
import { ipLimitKey } from '../transport/ip-key.js';
import { throttleFailures } from './failure-throttle.js';
import { createJwtAuthenticator, loadJwtKey } from './jwt.js';
import { createWebhookAuthenticator } from './webhook.js';

/** The authenticator for `config`, or `undefined` for `--auth none` (the core then accepts anyone). */
export async function authenticatorFromConfig(
  config: Config,
  logger: Logger,
): Promise<Authenticator | undefined> {
  let authenticate: Authenticator;
  switch (config.auth) {
    case 'none':
      return undefined;
    case 'jwt':
      authenticate = createJwtAuthenticator({
        key: await loadJwtKey({
          secret: config.jwtSecret,
          publicKeyFile: config.jwtPublicKeyFile,
          jwksFile: config.jwksFile,
        }),
        audience: config.jwtAudience || undefined,
        issuer: config.jwtIssuer || undefined,
        allowNoExp: config.jwtAllowNoExp,
      });
      break;
    case 'webhook':
      authenticate = createWebhookAuthenticator({
        url: config.authUrl,
        timeoutMs: config.authTimeoutMs,
        logger,
      });
      break;
  }
  logger.info({ auth: config.auth }, 'authentication enabled');
  const prefixLength = config.ipv6PrefixLength;
  return throttleFailures(authenticate, config.authFailuresPerMinute, (ip) => ipLimitKey(ip, prefixLength));
}
