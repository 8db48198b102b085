/** WebSocket close codes the server uses, each with the reason text it sends. docs/protocol.md lists them. */
export const CLOSE_CODES = {
  NORMAL: { code: 1000, reason: 'Normal closure' },
  GOING_AWAY: { code: 1001, reason: 'Server shutting down' },
  POLICY: { code: 1008, reason: 'Policy violation' },
  TOO_BIG: { code: 1009, reason: 'Frame too big' },
  INTERNAL: { code: 1011, reason: 'Internal error' },
  RESTARTING: { code: 1012, reason: 'Server restarting, reconnect' },
  IDENTIFY_TIMEOUT: { code: 4001, reason: 'Identify timeout' },
  SLOW_CONSUMER: { code: 4002, reason: 'Slow consumer' },
  REPLACED: { code: 4003, reason: 'Replaced by a newer connection' },
  KICKED: { code: 4004, reason: 'Removed by an administrator' },
} as const;

/** The name of a close code in {@link CLOSE_CODES}. */
export type CloseName = keyof typeof CLOSE_CODES;
