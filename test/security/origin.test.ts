import { test } from 'node:test';
import assert from 'node:assert/strict';
import { originAllowed, parseOriginPattern, type OriginPolicy } from '../../src/transport/origin.js';

const HOST = 'signal.example.org:8080';
const base: OriginPolicy = { allowedOrigins: [], requireOrigin: false, scheme: 'http' };

/** [origin header, allowed origins, expected, why] */
const CASES: Array<[string | undefined, string[], boolean, string]> = [
  [undefined, [], true, 'no Origin header: a non-browser client'],
  ['', [], true, 'an empty Origin header counts as none'],
  ['http://signal.example.org:8080', [], true, "the server's own origin"],
  ['HTTP://Signal.Example.ORG:8080', [], true, 'own origin, other case'],
  ['https://signal.example.org:8080', [], false, 'own host, other scheme'],
  ['http://signal.example.org:8081', [], false, 'own host, other port'],
  ['http://signal.example.org', [], false, 'own host, default port'],
  ['null', [], false, '`null` (sandboxed iframe, file: page)'],
  ['null', ['null'], true, '`null` when listed literally'],
  ['http://evil.com', [], false, 'a foreign site'],
  ['http://signal.example.org:8080/', [], false, 'a trailing slash is not an origin'],
  ['http://signal.example.org:8080/path', [], false, 'a path is not an origin'],
  ['http://user@signal.example.org:8080', [], false, 'credentials are not an origin'],
  ['not a url', [], false, 'garbage'],
  ['https://app.example.com', ['https://app.example.com'], true, 'exact listed origin'],
  ['https://app.example.com:443', ['https://app.example.com'], true, 'explicit default port equals none'],
  ['https://app.example.com', ['https://app.example.com:443'], true, 'default port in the pattern'],
  ['http://app.example.com', ['https://app.example.com'], false, 'listed host, other scheme'],
  ['https://app.example.com:8443', ['https://app.example.com'], false, 'listed host, other port'],
  ['https://app.example.com.evil.com', ['https://app.example.com'], false, 'listed origin as a prefix'],
  ['https://a.example.com', ['https://*.example.com'], true, 'wildcard: one label'],
  ['https://a.b.example.com', ['https://*.example.com'], true, 'wildcard: two labels'],
  ['https://example.com', ['https://*.example.com'], false, 'wildcard never matches the apex'],
  ['https://example.com.evil.com', ['https://*.example.com'], false, 'example.com.evil.com'],
  ['https://evilexample.com', ['https://*.example.com'], false, 'suffix without the dot'],
  ['https://.example.com', ['https://*.example.com'], false, 'empty label'],
  ['http://a.example.com', ['https://*.example.com'], false, 'wildcard with scheme: other scheme'],
  ['http://a.example.com:3000', ['*.example.com'], true, 'scheme-less wildcard: any scheme and port'],
  ['https://example.com', ['example.com'], true, 'scheme-less host'],
  ['https://www.example.com', ['example.com'], false, 'scheme-less host is not a wildcard'],
  ['https://example.com:8443', ['example.com:443'], false, 'scheme-less host with port: other port'],
  ['https://example.com', ['example.com:443'], true, 'scheme-less host with port: default port'],
  ['http://anything.test', ['*'], true, '`*` allows any origin'],
  ['null', ['*'], true, '`*` allows `null` too'],
  ['chrome-extension://abcdef', [], false, 'a non-web scheme'],
  ['chrome-extension://abcdef', ['chrome-extension://abcdef'], true, 'a non-web scheme listed exactly'],
  ['http://[::1]:8080', ['http://[::1]:8080'], true, 'IPv6 literal'],
];

for (const [origin, allowedOrigins, expected, why] of CASES) {
  test(`origin ${JSON.stringify(origin)} with [${allowedOrigins.join(', ')}] → ${expected}: ${why}`, () => {
    assert.equal(originAllowed(origin, HOST, { ...base, allowedOrigins }), expected);
  });
}

test('requireOrigin refuses upgrades without an Origin header, still accepts the own origin', () => {
  const policy = { ...base, requireOrigin: true };
  assert.equal(originAllowed(undefined, HOST, policy), false);
  assert.equal(originAllowed('', HOST, policy), false);
  assert.equal(originAllowed('http://signal.example.org:8080', HOST, policy), true);
});

test('behind TLS the own origin is https', () => {
  const policy: OriginPolicy = { ...base, scheme: 'https' };
  assert.equal(originAllowed('https://signal.example.org:8080', HOST, policy), true);
  assert.equal(originAllowed('http://signal.example.org:8080', HOST, policy), false);
  assert.equal(originAllowed('https://signal.example.org', 'signal.example.org', policy), true);
});

test('without a Host header only listed origins pass', () => {
  assert.equal(originAllowed('http://signal.example.org:8080', undefined, base), false);
});

test('patterns that can never match are refused at start-up', () => {
  for (const bad of [
    'https://a.*.example.com',
    'https://example.com/path',
    'ftp://*.example.com',
    'exa mple.com',
  ]) {
    assert.throws(() => parseOriginPattern(bad), /--allowed-origins/, bad);
  }
  assert.deepEqual(parseOriginPattern('HTTPS://*.Example.com:443'), {
    kind: 'host',
    scheme: 'https',
    host: 'example.com',
    wildcard: true,
    port: null,
  });
});
