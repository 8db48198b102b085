import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SCHEMA_FILE, buildSchema, renderSchema } from '../../scripts/gen-schema.js';
import { CLIENT_MESSAGES, SERVER_MESSAGES } from '../../protocol/messages.js';

test('docs/schema/signalroom-v1.schema.json is the one generated from the TypeBox schemas (run `npm run schema`)', async () => {
  assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), await renderSchema());
});

test('the published schema has every client and server message, each fixing its type', () => {
  const schema = buildSchema() as {
    $defs: Record<string, { oneOf?: { $ref: string }[] } & Record<string, unknown>>;
  };
  const resolve = (ref: string) => schema.$defs[ref.replace('#/$defs/', '')] as Record<string, unknown>;
  const typesOf = (group: string) =>
    (schema.$defs[group]?.oneOf ?? []).map((r) => {
      const def = resolve(r.$ref) as { properties: { type: { const: string } } };
      return def.properties.type.const;
    });
  assert.deepEqual(typesOf('ClientMessage').sort(), Object.keys(CLIENT_MESSAGES).sort());
  assert.deepEqual(typesOf('ServerMessage').sort(), Object.keys(SERVER_MESSAGES).sort());
});

test('the published schema has no nested $id (refs resolve against the one document)', () => {
  const text = JSON.stringify(buildSchema().$defs);
  assert.ok(!text.includes('"$id"'));
});
