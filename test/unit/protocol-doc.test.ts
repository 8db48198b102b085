// docs/protocol.md is the user-facing protocol; these checks keep it in step with the code, so a
// message type, error code or close code added to protocol/ fails here until it is documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { CLIENT_MESSAGES, SERVER_MESSAGES } from '../../protocol/messages.js';
import { ERROR_CODES } from '../../protocol/error-codes.js';
import { CLOSE_CODES } from '../../protocol/close-codes.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
const headings = doc.split('\n').filter((line) => line.startsWith('#'));
const tableRows = doc.split('\n').filter((line) => line.startsWith('|'));

/** Every JSON example in ```json blocks: a block is one object, or one object per line. */
function examples(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const match of doc.matchAll(/```json\n([\s\S]*?)```/g)) {
    const body = match[1] as string;
    try {
      out.push(JSON.parse(body) as Record<string, unknown>);
    } catch {
      for (const line of body.split('\n').filter((l) => l.trim())) {
        out.push(JSON.parse(line) as Record<string, unknown>);
      }
    }
  }
  return out;
}

function schemaFor(messages: Record<string, TSchema>, type: unknown): TSchema | undefined {
  return typeof type === 'string' && Object.hasOwn(messages, type) ? messages[type] : undefined;
}

test('every client message type has a section in docs/protocol.md', () => {
  for (const type of Object.keys(CLIENT_MESSAGES)) {
    assert.ok(
      headings.some((h) => h.includes(`\`${type}\``)),
      `client message ${type} has no heading in docs/protocol.md`,
    );
  }
});

test('every server message type has a section in docs/protocol.md', () => {
  for (const type of Object.keys(SERVER_MESSAGES)) {
    assert.ok(
      headings.some((h) => h.includes(`\`${type}\``)),
      `server message ${type} has no heading in docs/protocol.md`,
    );
  }
});

test('every error code is in the doc table with its policy', () => {
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    const row = tableRows.find((r) => r.startsWith(`| \`${code}\``));
    assert.ok(row, `error code ${code} is not in the docs/protocol.md table`);
    const policy = row.split('|')[2]?.trim();
    const expected =
      spec.policy === 'answer'
        ? 'answer'
        : spec.policy === 'auth'
          ? 'auth+close'
          : `close (${'closeCode' in spec ? spec.closeCode : '?'})`;
    assert.equal(policy, expected, `policy of ${code}`);
  }
});

test('every close code is in the doc table under its name', () => {
  for (const [name, { code }] of Object.entries(CLOSE_CODES)) {
    assert.ok(
      tableRows.some((r) => r.startsWith(`| \`${code}\` | \`${name}\``)),
      `close code ${code} (${name}) is not in the docs/protocol.md table`,
    );
  }
});

test('every example in the doc is a valid message of its type, and every type has one', () => {
  const seen = new Set<string>();
  for (const example of examples()) {
    const client = schemaFor(CLIENT_MESSAGES, example.type);
    const server = schemaFor(SERVER_MESSAGES, example.type);
    assert.ok(client || server, `example of unknown type: ${JSON.stringify(example)}`);
    // A relayed message has fromPeerId (server side); the same type without it is what a client sends.
    const [side, schema] = 'fromPeerId' in example || !client ? ['server', server] : ['client', client];
    assert.ok(schema, `no ${side} schema for ${JSON.stringify(example)}`);
    assert.ok(Value.Check(schema, example), `invalid ${side} example: ${JSON.stringify(example)}`);
    seen.add(`${side}:${example.type as string}`);
  }
  for (const type of Object.keys(CLIENT_MESSAGES))
    assert.ok(seen.has(`client:${type}`), `no example of ${type}`);
  for (const type of Object.keys(SERVER_MESSAGES))
    assert.ok(seen.has(`server:${type}`), `no example of server ${type}`);
});
