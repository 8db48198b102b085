/**
 * Which Redis deployment to use, from the `redis-*` options: one server (`redis://`), a primary
 * found through Sentinel (`--redis-sentinels` + `--redis-sentinel-master`, or a
 * `redis+sentinel://host:port,host:port/master` URL), or a Redis Cluster (`--redis-cluster-nodes`,
 * or a `redis://` URL that turns out to point at a cluster node).
 */

/** A host and port. */
export interface HostPort {
  host: string;
  port: number;
}

/** What every topology shares: credentials, TLS and database from the URL. */
export interface RedisAuth {
  username?: string;
  password?: string;
  tls: boolean;
  db: number;
}

/** The deployment to connect to. */
export type RedisTopology =
  | { kind: 'standalone'; url: string }
  | { kind: 'sentinel'; sentinels: HostPort[]; master: string; auth: RedisAuth }
  | { kind: 'cluster'; nodes: HostPort[]; auth: RedisAuth };

/** The `redis-*` options that choose the topology. */
export interface TopologyOptions {
  url: string;
  sentinels?: readonly string[];
  sentinelMaster?: string;
  clusterNodes?: readonly string[];
}

const SENTINEL_URL = /^(rediss?)\+sentinel:\/\/(?:([^@/]*)@)?([^/?#]+)\/([^/?#]+)\/?$/;

/** The topology the options describe; throws with a message naming the option when they are wrong. */
export function parseTopology(options: TopologyOptions): RedisTopology {
  const sentinels = options.sentinels ?? [];
  const clusterNodes = options.clusterNodes ?? [];
  const sentinelUrl = SENTINEL_URL.exec(options.url);
  const chosen = [sentinels.length > 0, clusterNodes.length > 0, sentinelUrl !== null].filter(Boolean);
  if (chosen.length > 1) {
    throw new Error(
      '--redis-sentinels, --redis-cluster-nodes and a redis+sentinel:// URL exclude each other',
    );
  }
  if (sentinelUrl) {
    const [, scheme, userinfo, hosts = '', master = ''] = sentinelUrl;
    return {
      kind: 'sentinel',
      sentinels: hostList(hosts.split(','), '--redis-url', 26379),
      master: decodeURIComponent(master),
      auth: { ...credentials(userinfo), tls: scheme === 'rediss', db: 0 },
    };
  }
  if (sentinels.length > 0) {
    if (!options.sentinelMaster) throw new Error('--redis-sentinels: needs --redis-sentinel-master');
    return {
      kind: 'sentinel',
      sentinels: hostList(sentinels, '--redis-sentinels', 26379),
      master: options.sentinelMaster,
      auth: authOf(options.url),
    };
  }
  if (clusterNodes.length > 0) {
    return {
      kind: 'cluster',
      nodes: hostList(clusterNodes, '--redis-cluster-nodes', 6379),
      auth: authOf(options.url),
    };
  }
  return { kind: 'standalone', url: options.url };
}

/** Credentials, TLS and database of a `redis://` or `rediss://` URL (the host is not used). */
export function authOf(url: string): RedisAuth {
  const u = new URL(url);
  return {
    ...credentials(u.username || u.password ? `${u.username}:${u.password}` : undefined),
    tls: u.protocol === 'rediss:',
    db: Number(u.pathname.slice(1) || 0) || 0,
  };
}

/** A one-line description without secrets, for logs and errors. */
export function describeTopology(topology: RedisTopology): string {
  switch (topology.kind) {
    case 'standalone':
      return redactUrl(topology.url);
    case 'sentinel':
      return `sentinel master '${topology.master}' via ${topology.sentinels.map(address).join(',')}`;
    case 'cluster':
      return `cluster via ${topology.nodes.map(address).join(',')}`;
  }
}

/** The URL without its password, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}

/** `host:port` */
export function address(hp: HostPort): string {
  return `${hp.host}:${hp.port}`;
}

function hostList(items: readonly string[], option: string, defaultPort: number): HostPort[] {
  return items.map((item) => {
    // host, host:port, [v6 address] or [v6 address]:port
    const m = /^(?:\[([^\]\s]+)\]|([^:[\]\s]+))(?::(\d{1,5}))?$/.exec(item.trim());
    const port = Number(m?.[3] ?? defaultPort);
    if (!m || port < 1 || port > 65535) throw new Error(`${option}: '${item}' is not host:port`);
    return { host: (m[1] ?? m[2]) as string, port };
  });
}

function credentials(userinfo: string | undefined): Pick<RedisAuth, 'username' | 'password'> {
  if (!userinfo) return {};
  const colon = userinfo.indexOf(':');
  const user = decodeURIComponent(colon === -1 ? userinfo : userinfo.slice(0, colon));
  const password = colon === -1 ? '' : decodeURIComponent(userinfo.slice(colon + 1));
  return { ...(user ? { username: user } : {}), ...(password ? { password } : {}) };
}
