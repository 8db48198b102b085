/**
 * One option table: every option's flag, environment variable, type, default and description.
 * Parsing (flags > env > defaults), validation, `--help` and the README's configuration table all
 * come from it (test/unit/config.test.ts checks the README).
 */
import { nearestName } from './did-you-mean.js';

/** How one option is parsed, checked and documented. */
export type OptionSpec =
  | { type: 'integer'; default: number; min: number; max: number; description: string }
  | { type: 'string'; default: string; description: string; pattern?: RegExp }
  | { type: 'enum'; default: string; values: readonly string[]; description: string }
  | { type: 'boolean'; default: boolean; description: string }
  | { type: 'list'; default: readonly string[]; description: string };

/** Every option, keyed by its flag name without the leading `--`. */
export const OPTIONS = {
  port: {
    type: 'integer',
    default: 8080,
    min: 0,
    max: 65535,
    description: 'TCP port for HTTP and WebSocket',
  },
  host: { type: 'string', default: '0.0.0.0', description: 'Address to listen on' },
  'log-level': {
    type: 'enum',
    default: 'info',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    description: 'pino log level',
  },
  'log-format': {
    type: 'enum',
    default: 'json',
    values: ['json', 'pretty'],
    description: 'json: one JSON object a line (for log collectors); pretty: readable lines (development)',
  },
  'ws-path': { type: 'string', default: '/ws', pattern: /^\/\S*$/, description: 'WebSocket endpoint path' },
  'identify-timeout-ms': {
    type: 'integer',
    default: 5000,
    min: 100,
    max: 600_000,
    description: 'Close (4001) a connection that has not sent IDENTIFY within this time',
  },
  'max-peers-per-room': {
    type: 'integer',
    default: 50,
    min: 1,
    max: 100_000,
    description: 'Peers one room may hold; more get ROOM_FULL',
  },
  'max-payload-bytes': {
    type: 'integer',
    default: 65536,
    min: 1024,
    max: 16 * 1024 * 1024,
    description: 'Largest accepted frame; a larger one closes the connection with 1009',
  },
  'max-buffered-bytes': {
    type: 'integer',
    default: 1024 * 1024,
    min: 16 * 1024,
    max: 1024 * 1024 * 1024,
    description: 'Close (4002) a client whose unsent output exceeds this (slow consumer)',
  },
  'output-stall-timeout-ms': {
    type: 'integer',
    default: 60_000,
    min: 0,
    max: 3_600_000,
    description:
      'Close (4002) a client whose output has not drained for this long, even if it answers pings (checked at each heartbeat); 0: off',
  },
  'heartbeat-interval-ms': {
    type: 'integer',
    default: 25_000,
    min: 100,
    max: 3_600_000,
    description: 'Interval between WebSocket pings from the server',
  },
  'heartbeat-timeout-ms': {
    type: 'integer',
    default: 20_000,
    min: 50,
    max: 3_600_000,
    description: 'Terminate a connection that has not answered a ping within this time',
  },
  'drain-timeout-ms': {
    type: 'integer',
    default: 10_000,
    min: 0,
    max: 600_000,
    description: 'On SIGINT/SIGTERM, exit at the latest after this long',
  },
  // ---- reliability: session resume (docs/reliability.md) ----
  'resume-grace-ms': {
    type: 'integer',
    default: 30_000,
    min: 0,
    max: 3_600_000,
    description:
      'Hold a peer whose connection dropped (no close frame) this long for resume; 0 turns resume off',
  },
  'resume-queue-messages': {
    type: 'integer',
    default: 256,
    min: 1,
    max: 100_000,
    description:
      'Messages queued for a held peer; beyond it the oldest is dropped and its sender gets QUEUE_OVERFLOW',
  },
  'resume-queue-bytes': {
    type: 'integer',
    default: 256 * 1024,
    min: 1024,
    max: 64 * 1024 * 1024,
    description: 'Bytes queued for a held peer; beyond it the oldest message is dropped (QUEUE_OVERFLOW)',
  },
  'resume-replay-frames': {
    type: 'integer',
    default: 64,
    min: 1,
    max: 10_000,
    description: 'Recent frames kept per client to replay those lost in flight when it resumes',
  },
  'resume-replay-bytes': {
    type: 'integer',
    default: 128 * 1024,
    min: 1024,
    max: 64 * 1024 * 1024,
    description: 'Bytes of recent frames kept per client for replay on resume',
  },
  'resume-max-held': {
    type: 'integer',
    default: 10_000,
    min: 1,
    max: 10_000_000,
    description:
      'Peers this node holds for resume (as many as --max-connections: a blip of the whole node is held); a new hold ends the oldest',
  },
  'resume-max-held-per-ip': {
    type: 'integer',
    default: 1000,
    min: 1,
    max: 10_000_000,
    description:
      'Held peers from one IP (room for a Wi-Fi blip of 500+ users behind one NAT); a new hold ends its oldest',
  },
  'resume-memory-bytes': {
    type: 'integer',
    default: 64 * 1024 * 1024,
    min: 64 * 1024,
    max: 1024 * 1024 * 1024 * 1024,
    description:
      'Bytes of replay logs and queues of all held peers (idle ones keep ~3 KiB); over it the oldest frames go (QUEUE_OVERFLOW), then holds',
  },
  'on-duplicate-username': {
    type: 'enum',
    default: 'reject',
    values: ['reject', 'replace'],
    description:
      'A plain IDENTIFY with a username in use: reject (USERNAME_TAKEN) or replace (old closed 4003)',
  },
  'static-dir': {
    type: 'string',
    default: '',
    description: 'Directory of the web app served at / (default: the built demo)',
  },
  // ---- security (docs/security.md)
  'allowed-origins': {
    type: 'list',
    default: [],
    description:
      "Browser origins allowed to connect and to call /api/ice-servers (CORS), besides the server's own: https://app.example.com, https://*.example.com, or * (any)",
  },
  'require-origin': {
    type: 'boolean',
    default: false,
    description: 'Refuse WebSocket upgrades without an Origin header (non-browser clients)',
  },
  auth: {
    type: 'enum',
    default: 'none',
    values: ['none', 'jwt', 'webhook'],
    description:
      'How IDENTIFY is authenticated: none (any free username), jwt (token), webhook (ask --auth-url)',
  },
  'jwt-secret': {
    type: 'string',
    default: '',
    description: 'HS256 secret (32+ characters) for --auth jwt; prefer the environment variable',
  },
  'jwt-public-key-file': {
    type: 'string',
    default: '',
    description: 'PEM public key file (RSA, EC or Ed25519) for --auth jwt',
  },
  'jwks-file': { type: 'string', default: '', description: 'JWKS (JSON Web Key Set) file for --auth jwt' },
  'jwt-audience': { type: 'string', default: '', description: 'Required aud claim of tokens, when set' },
  'jwt-issuer': { type: 'string', default: '', description: 'Required iss claim of tokens, when set' },
  'jwt-allow-no-exp': {
    type: 'boolean',
    default: false,
    description:
      'Accept JWTs without an exp claim (never expiring); off by default, so a leaked token does not work for good',
  },
  'auth-url': {
    type: 'string',
    default: '',
    description: 'http(s) URL the server POSTs {username, ip, origin, token} to for --auth webhook',
  },
  'auth-timeout-ms': {
    type: 'integer',
    default: 3000,
    min: 100,
    max: 60_000,
    description: 'Refuse (UNAUTHORIZED) when the auth webhook has not answered within this time',
  },
  'auth-failures-per-minute': {
    type: 'integer',
    default: 10,
    min: 1,
    max: 1_000_000,
    description: 'Failed identifies one IP may make per minute; beyond it IDENTIFY gets RATE_LIMITED',
  },
  'tls-cert': {
    type: 'string',
    default: '',
    description: 'PEM certificate (chain) file: serve https and wss directly (with --tls-key)',
  },
  'tls-key': { type: 'string', default: '', description: 'PEM private key file for --tls-cert' },
  'trust-proxy': {
    type: 'list',
    default: [],
    description:
      'Reverse proxies (IPs or CIDR subnets) whose X-Forwarded-For/-Proto are believed for client addresses and limits',
  },
  'max-connections': {
    type: 'integer',
    default: 10_000,
    min: 1,
    max: 10_000_000,
    description:
      'Open TCP connections (HTTP and WebSocket) on this node; more are answered HTTP 503 and closed',
  },
  'max-connections-per-ip': {
    type: 'integer',
    default: 2000,
    min: 1,
    max: 10_000_000,
    description:
      'Open TCP connections (HTTP and WebSocket) from one client IP; more get HTTP 429 (500+ users behind one NAT fit)',
  },
  'max-connection-attempts-per-ip': {
    type: 'integer',
    default: 50,
    min: 1,
    max: 10_000_000,
    description:
      'Upgrade attempts one client IP may keep making per second after its burst; more get HTTP 429',
  },
  'connection-attempt-burst': {
    type: 'integer',
    default: 200,
    min: 1,
    max: 10_000_000,
    description:
      'Upgrade attempts one client IP may make at once (twice 100 users behind one NAT opening the page together)',
  },
  'ipv6-prefix-length': {
    type: 'integer',
    default: 64,
    min: 32,
    max: 128,
    description:
      'Per-IP limits and the failed-identify throttle count IPv6 clients per prefix of this length (one /64 is one client)',
  },
  'http-headers-timeout-ms': {
    type: 'integer',
    default: 10_000,
    min: 1000,
    max: 600_000,
    description: 'Close (408) an HTTP connection whose request headers have not all arrived within this time',
  },
  'http-request-timeout-ms': {
    type: 'integer',
    default: 30_000,
    min: 1000,
    max: 3_600_000,
    description:
      'Close (408) an HTTP connection whose whole request (headers and body) has not arrived within this time',
  },
  'max-messages-per-second': {
    type: 'integer',
    default: 50,
    min: 1,
    max: 10_000_000,
    description: 'Messages per second one connection may keep sending (token bucket); more get RATE_LIMITED',
  },
  'message-burst': {
    type: 'integer',
    default: 200,
    min: 1,
    max: 10_000_000,
    description:
      'Messages one connection may send in a burst; a sender that floods past another burst is closed (1008)',
  },
  'max-room-changes-per-second': {
    type: 'integer',
    default: 2,
    min: 1,
    max: 10_000_000,
    description:
      'Room changes (JOIN_ROOM/LEAVE_ROOM, each announced to the whole room) per second and connection; more get RATE_LIMITED',
  },
  'room-change-burst': {
    type: 'integer',
    default: 10,
    min: 1,
    max: 10_000_000,
    description:
      'Room changes one connection may make at once: a join plus a few quick room switches and a rejoin fit',
  },
  'relay-burst-per-peer': {
    type: 'integer',
    default: 10,
    min: 0,
    max: 1_000_000,
    description:
      'Extra signals a connection may send at once per other member of its room (a joiner sends each ~6)',
  },
  'relays-per-second-per-peer': {
    type: 'integer',
    default: 2,
    min: 0,
    max: 1_000_000,
    description:
      'Extra signals per second and connection per other member of its room; beyond it RATE_LIMITED',
  },
  'max-invalid-messages': {
    type: 'integer',
    default: 20,
    min: 1,
    max: 10_000_000,
    description:
      'Invalid messages (bad JSON, schema, type, binary) allowed per 5 s; more close the connection (1008)',
  },
  // ---- redis (scale-out backend, docs/scaling.md)
  backend: {
    type: 'enum',
    default: 'memory',
    values: ['memory', 'redis'],
    description: 'Where shared state lives: memory (one process) or redis (several nodes)',
  },
  'redis-url': {
    type: 'string',
    default: 'redis://127.0.0.1:6379',
    pattern: /^rediss?(\+sentinel)?:\/\/\S+$/,
    description:
      'Redis to use with --backend redis: redis:// or rediss:// (may carry user:password; a cluster node is detected), or redis+sentinel://host:port,host:port/master',
  },
  'redis-sentinels': {
    type: 'list',
    default: [],
    description:
      'Sentinel addresses (host:port,…): find the primary through them (with --redis-sentinel-master)',
  },
  'redis-sentinel-master': {
    type: 'string',
    default: '',
    description: 'The master name the sentinels monitor (with --redis-sentinels)',
  },
  'redis-cluster-nodes': {
    type: 'list',
    default: [],
    description:
      'Redis Cluster seed addresses (host:port,…): use the cluster (credentials and TLS from --redis-url)',
  },
  'redis-key-prefix': {
    type: 'string',
    default: 'signalroom:',
    pattern: /^[^\s{}]{1,64}$/,
    description: 'Prefix of every Redis key and channel, so deployments can share a Redis (no braces)',
  },
  'redis-node-timeout-ms': {
    type: 'integer',
    default: 10_000,
    min: 1000,
    max: 600_000,
    description:
      'A node whose heartbeat lapses this long is dead: its peers are removed and rooms told (within about 4/3 of it)',
  },
  'redis-command-timeout-ms': {
    type: 'integer',
    default: 2000,
    min: 100,
    max: 60_000,
    description: 'A Redis call unanswered this long fails, and the client gets UNAVAILABLE',
  },
  'redis-relay-deadline-ms': {
    type: 'integer',
    default: 5000,
    min: 1000,
    max: 60_000,
    description:
      'A signal to a peer on another node not delivered within this long is dropped and its sender gets UNAVAILABLE',
  },
  'redis-batch-ms': {
    type: 'integer',
    default: 16,
    min: 1,
    max: 50,
    description:
      'Publishes to another node go out at most this often: under steady traffic a relay waits up to this long to share one (Redis CPU is per publish)',
  },
  // ---- operations (docs/deploy.md)
  metrics: {
    type: 'boolean',
    default: true,
    description: 'Serve Prometheus metrics at /metrics (--no-metrics turns them off)',
  },
  'metrics-port': {
    type: 'integer',
    default: 0,
    min: 0,
    max: 65535,
    description: 'Serve /metrics on this port (same --host) instead of the main one; 0: on the main port',
  },
  'metrics-token': {
    type: 'string',
    default: '',
    description:
      '/metrics requires "Authorization: Bearer <this>" (at least 16 characters); without it only clients on this host may read /metrics',
  },
  'admin-token': {
    type: 'string',
    default: '',
    description:
      'Enables the admin API (/api/stats, /api/rooms) for "Authorization: Bearer <this>" (at least 16 characters)',
  },
  'stun-urls': {
    type: 'list',
    default: [],
    description: 'STUN URLs sent to clients in iceServers (stun:turn.example.com:3478)',
  },
  'turn-urls': {
    type: 'list',
    default: [],
    description: 'TURN URLs sent with time-limited credentials (turn:turn.example.com:3478?transport=udp)',
  },
  'turn-secret': {
    type: 'list',
    default: [],
    description:
      "coturn's static-auth-secret; several for rotation, the first signs (prefer the TURN_SECRET variable)",
  },
  'turn-ttl': {
    type: 'integer',
    default: 21_600,
    min: 60,
    max: 7 * 24 * 3600,
    description: 'Lifetime of TURN credentials, in seconds',
  },
} as const satisfies Record<string, OptionSpec>;

type Options = typeof OPTIONS;
type ValueOf<S> = S extends { type: 'integer' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'list' }
      ? readonly string[]
      : S extends { type: 'enum'; values: readonly (infer V)[] }
        ? V
        : string;
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

/** The validated configuration, with camelCase keys (`max-peers-per-room` → `maxPeersPerRoom`). */
export type Config = { -readonly [K in keyof Options as Camel<K & string>]: ValueOf<Options[K]> };

/** A bad option value; the CLI prints the message and exits with code 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The environment variable of an option: `max-peers-per-room` → `MAX_PEERS_PER_ROOM`. */
export function envName(flag: string): string {
  return flag.toUpperCase().replace(/-/g, '_');
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Defaults for every option, overridden by `overrides`; for embedding and tests. */
export function defineConfig(overrides: Partial<Config> = {}): Config {
  const config: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(OPTIONS)) config[camel(flag)] = spec.default;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const flag = Object.keys(OPTIONS).find((f) => camel(f) === key);
    if (!flag) throw new ConfigError(`Unknown option '${key}'`);
    config[key] = checkValue(flag, OPTIONS[flag as keyof Options], value, 'option');
  }
  return config as Config;
}

/** Parse flags and environment into a validated config. Throws {@link ConfigError}. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const fromFlags = parseFlags(argv);
  const config: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(OPTIONS) as [string, OptionSpec][]) {
    const raw = fromFlags.get(flag);
    const envRaw = env[envName(flag)];
    const key = camel(flag);
    if (raw !== undefined) config[key] = parseValue(flag, spec, raw, `--${flag}`);
    else if (envRaw !== undefined && envRaw !== '')
      config[key] = parseValue(flag, spec, envRaw, envName(flag));
    else config[key] = spec.default;
  }
  return config as Config;
}

/** True when argv asks for help. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** True when argv asks for the version. */
export function wantsVersion(argv: readonly string[]): boolean {
  return argv.includes('--version') || argv.includes('-v');
}

/** "Unknown option", with the nearest known one when the flag looks like a typo of it. */
function unknownOptionMessage(flag: string): string {
  const known = [...Object.keys(OPTIONS), 'help', 'version'];
  const booleans = Object.entries(OPTIONS as Record<string, OptionSpec>).filter(
    ([, s]) => s.type === 'boolean',
  );
  known.push(...booleans.map(([name]) => `no-${name}`));
  const nearest = nearestName(flag, known);
  const hint = nearest ? `did you mean --${nearest}? ` : '';
  return `Unknown option '--${flag}' (${hint}see --help)`;
}

/** The `--help` text: every option with its variable and default. */
export function helpText(): string {
  const lines = [
    'Usage: signalroom [options]',
    '',
    'Every option can also be set by its environment variable; flags win over the environment.',
    '',
  ];
  for (const [flag, spec] of Object.entries(OPTIONS) as [string, OptionSpec][]) {
    const kind =
      spec.type === 'boolean' ? '' : ` <${spec.type === 'enum' ? spec.values.join('|') : spec.type}>`;
    lines.push(`  --${flag}${kind}`);
    lines.push(`      ${spec.description}`);
    lines.push(`      env ${envName(flag)}, default: ${formatDefault(spec)}`);
  }
  lines.push('  --help', '      Show this help', '  --version', '      Print the version and exit');
  return lines.join('\n');
}

/** The default of an option as shown in `--help` and the README. */
export function formatDefault(spec: OptionSpec): string {
  if (spec.type === 'list') return spec.default.length ? spec.default.join(',') : '(none)';
  if (spec.type === 'string') return spec.default === '' ? '(none)' : spec.default;
  return String(spec.default);
}

function parseFlags(argv: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new ConfigError(`Unexpected argument '${arg}' (options start with --)`);
    const eq = arg.indexOf('=');
    let flag = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    let spec = (OPTIONS as Record<string, OptionSpec>)[flag];
    if (!spec && flag.startsWith('no-') && value === undefined) {
      const positive = (OPTIONS as Record<string, OptionSpec>)[flag.slice(3)];
      if (positive?.type === 'boolean') {
        flag = flag.slice(3);
        spec = positive;
        value = 'false';
      }
    }
    if (!spec) throw new ConfigError(unknownOptionMessage(flag));
    if (value === undefined) {
      if (spec.type === 'boolean') value = 'true';
      else {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('--'))
          throw new ConfigError(`Option '--${flag}' needs a value`);
        value = next;
        i++;
      }
    }
    values.set(flag, value);
  }
  return values;
}

function parseValue(flag: string, spec: OptionSpec, raw: string, source: string): unknown {
  switch (spec.type) {
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${source}: '${raw}' is not a whole number`);
      return checkValue(flag, spec, Number(raw), source);
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      throw new ConfigError(`${source}: '${raw}' is not true or false`);
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    default:
      return checkValue(flag, spec, raw, source);
  }
}

function checkValue(flag: string, spec: OptionSpec, value: unknown, source: string): unknown {
  const where = source === 'option' ? `option '${flag}'` : source;
  switch (spec.type) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max)
        throw new ConfigError(
          `${where}: must be a whole number from ${spec.min} to ${spec.max}, got '${value}'`,
        );
      return value;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value))
        throw new ConfigError(`${where}: must be one of ${spec.values.join(', ')}, got '${value}'`);
      return value;
    case 'string':
      if (typeof value !== 'string') throw new ConfigError(`${where}: must be a string`);
      if (spec.pattern && !spec.pattern.test(value))
        throw new ConfigError(`${where}: '${value}' is not valid (${spec.description})`);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw new ConfigError(`${where}: must be true or false`);
      return value;
    case 'list':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
        throw new ConfigError(`${where}: must be a list of strings`);
      return value;
  }
}
