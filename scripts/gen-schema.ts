/**
 * Writes docs/schema/signalroom-v1.schema.json: a JSON Schema (2020-12) of every client and server
 * message, generated from the TypeBox schemas in protocol/messages.ts, so clients in other
 * languages can generate types and validate frames. Run `npm run schema` after changing a message;
 * test/unit/schema-file.test.ts fails while the committed file differs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import prettier from 'prettier';
import type { TSchema } from '@sinclair/typebox';
import { CLIENT_MESSAGES, SERVER_MESSAGES } from '../protocol/messages.js';

/** Where the generated schema is committed. */
export const SCHEMA_FILE = fileURLToPath(
  new URL('../docs/schema/signalroom-v1.schema.json', import.meta.url),
);

// TypeBox schemas carry `$id`s for naming; inside one document repeated `$id`s would clash, so the
// name becomes the `$defs` key and the ids are dropped. Symbol keys (TypeBox's Kind) vanish in JSON.
function plain(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(plain);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key !== '$id') out[key] = plain(value);
  }
  return out;
}

function defName(side: 'Client' | 'Server', type: string): string {
  const camel = type
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return `${side}${camel}`;
}

/** The schema document as a plain object. */
export function buildSchema(): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  const side = (name: 'Client' | 'Server', messages: Record<string, TSchema>) => {
    const refs: { $ref: string }[] = [];
    for (const [type, schema] of Object.entries(messages)) {
      const key = defName(name, type);
      defs[key] = plain(schema);
      refs.push({ $ref: `#/$defs/${key}` });
    }
    return refs;
  };
  const client = side('Client', CLIENT_MESSAGES);
  const server = side('Server', SERVER_MESSAGES);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'urn:signalroom:protocol:v1',
    title: 'signalroom wire protocol v1',
    description:
      'Every WebSocket text frame is one JSON object. ClientMessage: what a client may send; ServerMessage: what the server sends. Generated from protocol/messages.ts by `npm run schema`; see docs/protocol.md.',
    anyOf: [{ $ref: '#/$defs/ClientMessage' }, { $ref: '#/$defs/ServerMessage' }],
    $defs: {
      ClientMessage: { description: 'A client → server message, told apart by `type`.', oneOf: client },
      ServerMessage: { description: 'A server → client message, told apart by `type`.', oneOf: server },
      ...defs,
    },
  };
}

/** The schema file's text, formatted as prettier would (so `prettier --check` agrees). */
export async function renderSchema(): Promise<string> {
  const options = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {};
  return prettier.format(JSON.stringify(buildSchema(), null, 2), { ...options, parser: 'json' });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const text = await renderSchema();
  let before = '';
  try {
    before = readFileSync(SCHEMA_FILE, 'utf8');
  } catch {
    // first run
  }
  if (text !== before) writeFileSync(SCHEMA_FILE, text);
  console.log(`${SCHEMA_FILE}: ${text === before ? 'up to date' : 'written'}`);
}
