// Per-IP limits count an IPv6 client per prefix, an IPv4-mapped address as IPv4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipLimitKey } from '../../src/transport/ip-key.js';

test('IPv4 addresses are their own key', () => {
  assert.equal(ipLimitKey('203.0.113.7', 64), '203.0.113.7');
  assert.notEqual(ipLimitKey('203.0.113.7', 64), ipLimitKey('203.0.113.8', 64));
});

test('IPv6 addresses of one /64 share a key, whatever their spelling; another /64 does not', () => {
  const key = ipLimitKey('2001:db8:0:7::1', 64);
  assert.equal(key, '2001:db8:0:7:0:0:0:0/64');
  for (const same of [
    '2001:db8:0:7:a:b:c:d',
    '2001:0DB8:0000:0007:ffff:ffff:ffff:ffff',
    '2001:db8::7:1:2:3:4',
    '2001:db8:0:7::1%eth0',
    '2001:db8:0:7::1.2.3.4',
  ]) {
    assert.equal(ipLimitKey(same, 64), key, same);
  }
  assert.notEqual(ipLimitKey('2001:db8:0:8::1', 64), key);
  assert.notEqual(ipLimitKey('2001:db9:0:7::1', 64), key);
});

test('the prefix length is configurable: /48 joins /64s, /128 is one address', () => {
  assert.equal(ipLimitKey('2001:db8:1:2::1', 48), ipLimitKey('2001:db8:1:ffff::9', 48));
  assert.notEqual(ipLimitKey('2001:db8:1:2::1', 48), ipLimitKey('2001:db8:2:2::1', 48));
  assert.equal(ipLimitKey('2001:db8:1:2::1', 56), ipLimitKey('2001:db8:1:ff::1', 56));
  assert.notEqual(ipLimitKey('2001:db8:1:2::1', 56), ipLimitKey('2001:db8:1:100::1', 56));
  assert.notEqual(ipLimitKey('2001:db8::1', 128), ipLimitKey('2001:db8::2', 128));
  assert.equal(ipLimitKey('2001:db8::1', 128), ipLimitKey('2001:db8:0:0:0:0:0:1', 128));
  assert.equal(ipLimitKey('::1', 64), '0:0:0:0:0:0:0:0/64');
});

test('IPv4-mapped IPv6 addresses count as their IPv4 address', () => {
  assert.equal(ipLimitKey('::ffff:203.0.113.7', 64), '203.0.113.7');
  assert.equal(ipLimitKey('::ffff:cb00:7107', 64), '203.0.113.7');
  assert.equal(ipLimitKey('0:0:0:0:0:ffff:203.0.113.7', 128), '203.0.113.7');
});

test('anything that is not an address is its own key', () => {
  for (const odd of ['unknown', '', 'not:an:address', '1:2:3:4:5:6:7:8:9']) {
    assert.equal(ipLimitKey(odd, 64), odd);
  }
});
