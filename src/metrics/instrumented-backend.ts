/**
 * Backend latency and failures, for any backend: a Proxy that times every call returning a promise
 * and counts its rejections, labelled by method name. Synchronous methods (relay, announceJoin,
 * isReady) are passed through untouched, so the relay hot path pays one property lookup.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Backend } from '../backend/backend.js';

/** Methods that never return a promise; not worth a wrapper. */
const SYNCHRONOUS = new Set<PropertyKey>([
  'relay',
  'announceJoin',
  'isReady',
  'health',
  'addBearer',
  'dropBearer',
]);

/** Wrap `backend` so its calls feed `signalroom_backend_*` in `registry`. */
export function instrumentBackend(backend: Backend, registry: Registry): Backend {
  const registers = [registry];
  const seconds = new Histogram({
    name: 'signalroom_backend_seconds',
    help: 'Time of backend operations (label operation: the Backend method), failed ones included',
    labelNames: ['operation'],
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
    registers,
  });
  const failures = new Counter({
    name: 'signalroom_backend_failures_total',
    help: 'Backend operations that failed (Redis unreachable, timeouts), by operation',
    labelNames: ['operation'],
    registers,
  });
  new Gauge({
    name: 'signalroom_backend_up',
    help: '1 when the backend can serve (what /readyz reports for it), else 0',
    labelNames: ['backend'],
    registers,
    collect() {
      this.set({ backend: backend.kind }, backend.isReady() ? 1 : 0);
    },
  });

  new Gauge({
    name: 'signalroom_backend_heartbeat_seconds',
    help: 'Round trip of the last heartbeat to the shared store (Redis); no sample for the memory backend',
    registers,
    collect() {
      const { latencyMs } = backend.health();
      // No sample, not 0, when there is no heartbeat (memory backend, or none yet): 0 would read as
      // "fast", and NaN is printed by prom-client as `Nan`, which strict parsers refuse.
      if (latencyMs === null) this.remove();
      else this.set(latencyMs / 1000);
    },
  });
  new Gauge({
    name: 'signalroom_backend_degraded_seconds',
    help: 'How long the backend has been unable to serve (0 while healthy)',
    registers,
    collect() {
      const { degradedSince } = backend.health();
      this.set(degradedSince === null ? 0 : Math.max(0, (Date.now() - degradedSince) / 1000));
    },
  });
  new Counter({
    name: 'signalroom_backend_cluster_messages_total',
    help: 'Messages between nodes (label event: published, received, publish_errors (not delivered, senders told), dropped (no local peer left), expired (relays past their deadline, senders told), lost (never arrived), unacknowledged (relays their node never confirmed: it crashed or hung; senders told))',
    labelNames: ['event'],
    registers,
    collect() {
      // The backend keeps the counts; the counter mirrors them at scrape time.
      const health = backend.health();
      this.reset();
      this.inc({ event: 'published' }, health.published);
      this.inc({ event: 'received' }, health.received);
      this.inc({ event: 'publish_errors' }, health.publishErrors);
      this.inc({ event: 'dropped' }, health.dropped);
      this.inc({ event: 'expired' }, health.expired);
      this.inc({ event: 'lost' }, health.lost);
      this.inc({ event: 'unacknowledged' }, health.unacknowledged ?? 0);
    },
  });

  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(backend, {
    get(target, property) {
      const cached = wrapped.get(property);
      if (cached !== undefined) return cached;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      let fn: unknown;
      if (SYNCHRONOUS.has(property)) fn = method.bind(target);
      else {
        const operation = String(property);
        const timer = seconds.labels(operation);
        const failed = failures.labels(operation);
        fn = (...args: unknown[]) => {
          const result = method.apply(target, args);
          if (!(result instanceof Promise)) return result;
          const started = performance.now();
          return result.then(
            (ok: unknown) => {
              timer.observe((performance.now() - started) / 1000);
              return ok;
            },
            (err: unknown) => {
              timer.observe((performance.now() - started) / 1000);
              failed.inc();
              throw err;
            },
          );
        };
      }
      wrapped.set(property, fn);
      return fn;
    },
  });
}
