/**
 * Turns one text frame into a validated client message, or into the error the sender gets back.
 * Each frame is parsed once and checked by a validator compiled from the schema at start-up.
 */
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { CLIENT_MESSAGES, type ClientMessage, type ClientMessageType } from './messages.js';
import type { ErrorCode } from './error-codes.js';
import { LIMITS } from './limits.js';

const validators = new Map<string, TypeCheck<TSchema>>(
  Object.entries(CLIENT_MESSAGES).map(([type, schema]) => [type, TypeCompiler.Compile(schema as TSchema)]),
);

/** The result of decoding a frame. */
export type Decoded =
  { ok: true; message: ClientMessage } | { ok: false; code: ErrorCode; message: string; ref?: string };

/** Parse and validate one text frame. Never throws. */
export function decodeClientFrame(text: string): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: 'BAD_JSON', message: 'The frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'BAD_MESSAGE', message: 'A message must be a JSON object with a "type"' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return { ok: false, code: 'BAD_MESSAGE', message: 'A message must have a string "type"' };
  }
  const check = Object.hasOwn(CLIENT_MESSAGES, type) ? validators.get(type) : undefined;
  if (!check) {
    return {
      ok: false,
      code: 'UNKNOWN_TYPE',
      message: `Unknown message type '${clip(type)}'`,
      ref: clip(type),
    };
  }
  if (!check.Check(value)) {
    if (type === 'IDENTIFY' && isOverlongUsername(value)) {
      // A username rule, not a shape error: refused like any other bad username (AUTH_ERROR, close).
      return {
        ok: false,
        code: 'INVALID_USERNAME',
        message: `Username must be at most ${LIMITS.usernameMaxChars} characters`,
        ref: type,
      };
    }
    const first = check.Errors(value).First();
    const where = first?.path ? `${first.path}: ` : '';
    return {
      ok: false,
      code: 'BAD_MESSAGE',
      message: `Invalid ${type}: ${where}${first?.message ?? 'does not match the schema'}`,
      ref: type,
    };
  }
  return { ok: true, message: value as ClientMessage };
}

/** The type of a client message, for callers that only need to dispatch. */
export type { ClientMessageType };

function isOverlongUsername(value: object): boolean {
  const username = (value as { username?: unknown }).username;
  return typeof username === 'string' && username.length > LIMITS.usernameMaxUnits;
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
