/**
 * The upgrade's path and `token` query parameter: read without a URL for the exact path (the fast
 * path), with the same answers a parsed URL gives for everything else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { urlToken } from '../../src/transport/ws-transport.js';

function viaUrl(raw: string, path: string): string | null {
  const url = new URL(raw, 'http://localhost');
  return url.pathname === path ? (url.searchParams.get('token') ?? '') : null;
}

test('upgrade url: the fast path answers as a parsed URL would', () => {
  const cases = [
    '/ws',
    '/ws?',
    '/ws?token=abc',
    '/ws?a=1&token=x%20y&token=second',
    '/ws?%74oken=encoded-key',
    '/ws?token=',
    '/ws?token=a#frag',
    '/wsx',
    '/ws/',
    '/other/../ws?token=t',
    '/ws/../ws?token=t',
    '/WS',
    '/ws%3Ftoken=no',
  ];
  for (const raw of cases) assert.equal(urlToken(raw, '/ws', true), viaUrl(raw, '/ws'), raw);
});

test('upgrade url: a path that a URL would rewrite is always parsed', () => {
  assert.equal(urlToken('/a b?token=t', '/a b', false), null, 'the normalised path is /a%20b');
  assert.equal(urlToken('/a%20b?token=t', '/a%20b', true), 't');
  assert.equal(urlToken(undefined, '/', true), '');
});
