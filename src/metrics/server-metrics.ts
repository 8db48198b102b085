/**
 * The Prometheus metrics of one server (prom-client, names prefixed `signalroom_`). Each server has
 * its own Registry, never the global one, so several servers can run in one process (tests,
 * embedding). docs/deploy.md lists every metric; test/unit/metrics-doc.test.ts keeps them in step.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { Backend } from '../backend/backend.js';
import type { CoreObserver } from '../core/core-observer.js';
import { ALL_ERROR_CODES, type ErrorCode } from '../../protocol/error-codes.js';
import type { OutFrame } from '../../protocol/frame.js';
import { CLIENT_MESSAGES, SERVER_MESSAGES } from '../../protocol/messages.js';
import { RoomTally } from './room-tally.js';

/** Every metric name starts with this. */
export const METRIC_PREFIX = 'signalroom_';

/** Upper bounds of `signalroom_relay_seconds`. */
export const RELAY_SECONDS_BUCKETS = [
  0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.025,
] as const;

/** Period of the event-loop delay samples of `nodejs_eventloop_lag_*` (ms). */
const EVENT_LOOP_SAMPLE_MS = 100;

/** Upper bounds of the `size` label of `signalroom_rooms_by_size` (the last bucket is open). */
const ROOM_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64] as const;

/** What the metrics read at scrape time. */
export interface MetricsSources {
  /** Open connections and identified peers on this node. */
  stats(): { connections: number; peers: number };
  backend: Backend;
}

/**
 * One series of a labelled counter, counted in a plain number on the hot path and handed to
 * prom-client when the counter is collected (at scrape time). prom-client's own `inc` on a
 * labelled child hashes and validates the labels on every call: once per frame in and out.
 */
class PendingCount {
  n = 0;
  private readonly series: { inc(value: number): void };

  constructor(counter: Counter, label: string) {
    this.series = counter.labels(label);
    // Exported as 0 from the start, so every series exists before its first event.
    this.series.inc(0);
  }

  flush(): void {
    if (this.n === 0) return;
    this.series.inc(this.n);
    this.n = 0;
  }
}

/** What a {@link pendingCounter} is: its name and help, and the name and values of its one label. */
interface PendingCounterSpec {
  name: string;
  help: string;
  labelName: string;
  labels: readonly string[];
}

/** A labelled counter whose series are {@link PendingCount}s, flushed when it is collected. */
function pendingCounter(spec: PendingCounterSpec, registers: Registry[]): Map<string, PendingCount> {
  const series = new Map<string, PendingCount>();
  const counter: Counter = new Counter({
    name: spec.name,
    help: spec.help,
    labelNames: [spec.labelName],
    registers,
    collect() {
      for (const s of series.values()) s.flush();
    },
  });
  for (const label of spec.labels) series.set(label, new PendingCount(counter, label));
  return series;
}

/** One line of a histogram's export. */
interface HistogramValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/**
 * A histogram without labels, counted in plain numbers on the hot path (one per relayed message)
 * and exported at scrape time in the text prom-client's own Histogram writes. prom-client's
 * `observe` hashes and validates the (empty) labels and looks its buckets up by key on every call:
 * a few hundred ns per relayed message. It takes the place of a prom-client metric in the registry,
 * which reads a metric through `get()` (and `reset()`).
 */
export class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds, ascending. */
    private readonly bounds: readonly number[],
    registers: Registry[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
    for (const registry of registers) registry.registerMetric(this as unknown as Metric);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }

  /** What the registry exports: cumulative buckets, then sum and count. */
  get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: HistogramValue[];
  }> {
    const values: HistogramValue[] = [];
    let cumulative = 0;
    for (let i = 0; i <= this.bounds.length; i++) {
      cumulative += this.counts[i] as number;
      const le = i < this.bounds.length ? (this.bounds[i] as number) : '+Inf';
      values.push({ labels: { le }, value: cumulative, metricName: `${this.name}_bucket` });
    }
    values.push({ labels: {}, value: this.sum, metricName: `${this.name}_sum` });
    values.push({ labels: {}, value: this.count, metricName: `${this.name}_count` });
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/** Client frames by type; `invalid`: not JSON or not a known valid message. */
const MESSAGES_IN: PendingCounterSpec = {
  name: 'signalroom_messages_in_total',
  help: 'Client frames received, by message type (invalid: not JSON or not a known valid message)',
  labelName: 'type',
  labels: [...Object.keys(CLIENT_MESSAGES), 'invalid'],
};

/** Frames sent by their type (`OutFrame.type`); `other`: a type the protocol does not list. */
const MESSAGES_OUT: PendingCounterSpec = {
  name: 'signalroom_messages_out_total',
  help: 'Frames sent to clients, by message type',
  labelName: 'type',
  labels: [...Object.keys(SERVER_MESSAGES), 'other'],
};

/** Refusals by error code. */
const ERRORS: PendingCounterSpec = {
  name: 'signalroom_errors_total',
  help: 'Refusals sent (ERROR and AUTH_ERROR), by error code',
  labelName: 'code',
  labels: ALL_ERROR_CODES,
};

/** The registry and the {@link CoreObserver} that feeds it. */
export class ServerMetrics implements CoreObserver {
  /** The registry `/metrics` serves. */
  readonly registry = new Registry();
  readonly timesRelay = true;
  private readonly connectionsTotal: Counter;
  private readonly inByType: Map<string, PendingCount>;
  private readonly inInvalid: PendingCount;
  private readonly outByType: Map<string, PendingCount>;
  private readonly outOther: PendingCount;
  private readonly errorsByCode: Map<string, PendingCount>;
  private readonly relaySeconds: FastHistogram;
  private readonly rateLimitedTotal: Counter;
  private readonly slowConsumersTotal: Counter;
  private readonly resumesTotal: Counter;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({
      register: this.registry,
      prefix: METRIC_PREFIX,
      // The event-loop delay histogram samples the loop with a timer at this period (ms).
      // prom-client's 10 ms wakes an idle server 100 times a second, ~4 ms of CPU per second on a
      // busy 2-core machine (4 µs per message at 1k msg/s); 100 ms still gives ~150 samples per
      // 15 s scrape for the delay percentiles, at a tenth of the cost.
      eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
    });
    new Gauge({
      name: 'signalroom_connections',
      help: 'Open WebSocket connections on this node',
      registers,
      collect() {
        this.set(sources.stats().connections);
      },
    });
    new Gauge({
      name: 'signalroom_peers',
      help: 'Identified peers connected to this node',
      registers,
      collect() {
        this.set(sources.stats().peers);
      },
    });
    const tally = new RoomTally(sources.backend);
    new Gauge({
      name: 'signalroom_rooms',
      help: 'Rooms with at least one member, on every node',
      registers,
      async collect() {
        this.set((await tally.read()).rooms);
      },
    });
    new Gauge({
      name: 'signalroom_rooms_by_size',
      help: 'Rooms by member count, on every node (label size: 1, 2, 3-4, 5-8, ..., 65+)',
      labelNames: ['size'],
      registers,
      async collect() {
        const counts = new Map(roomSizeLabels().map((label) => [label, 0]));
        for (const [size, n] of (await tally.read()).bySize) {
          const label = roomSizeLabel(size);
          counts.set(label, (counts.get(label) ?? 0) + n);
        }
        for (const [label, n] of counts) this.set({ size: label }, n);
      },
    });
    this.connectionsTotal = new Counter({
      name: 'signalroom_connections_total',
      help: 'WebSocket connections accepted since start',
      registers,
    });
    this.inByType = pendingCounter(MESSAGES_IN, registers);
    this.inInvalid = this.inByType.get('invalid') as PendingCount;
    this.outByType = pendingCounter(MESSAGES_OUT, registers);
    this.outOther = this.outByType.get('other') as PendingCount;
    this.errorsByCode = pendingCounter(ERRORS, registers);
    this.relaySeconds = new FastHistogram(
      'signalroom_relay_seconds',
      'Time the core spends relaying one SDP/ICE message (build the frame, hand it to the backend)',
      RELAY_SECONDS_BUCKETS,
      registers,
    );
    this.rateLimitedTotal = new Counter({
      name: 'signalroom_rate_limited_total',
      help: 'Frames or connections dropped by a rate limit',
      registers,
    });
    this.slowConsumersTotal = new Counter({
      name: 'signalroom_slow_consumers_total',
      help: 'Clients closed (4002) because they did not read their output',
      registers,
    });
    this.resumesTotal = new Counter({
      name: 'signalroom_resumes_total',
      help: 'Held sessions resumed after a dropped connection',
      registers,
    });
  }

  connectionOpened(): void {
    this.connectionsTotal.inc();
  }

  messageIn(type: string): void {
    (this.inByType.get(type) ?? this.inInvalid).n++;
  }

  messageOut(frame: OutFrame): void {
    (this.outByType.get(frame.type) ?? this.outOther).n++;
  }

  relayTime(seconds: number): void {
    this.relaySeconds.observe(seconds);
  }

  error(code: ErrorCode): void {
    const count = this.errorsByCode.get(code);
    if (count) count.n++;
  }

  rateLimited(): void {
    this.rateLimitedTotal.inc();
  }

  slowConsumer(): void {
    this.slowConsumersTotal.inc();
  }

  resumed(): void {
    this.resumesTotal.inc();
  }

  /** The exposition text and its content type, for `/metrics`. */
  async render(): Promise<{ contentType: string; body: string }> {
    // prom-client prints NaN as `Nan` (the default event-loop lag gauges do until they have a
    // sample); the text format spells it `NaN`, and strict parsers refuse anything else.
    const body = (await this.registry.metrics()).replace(/ Nan$/gm, ' NaN');
    return { contentType: this.registry.contentType, body };
  }
}

/** The label of a room size: `1`, `2`, `3-4`, `5-8`, ..., `65+`. */
export function roomSizeLabel(size: number): string {
  let lower = 1;
  for (const upper of ROOM_SIZE_BUCKETS) {
    if (size <= upper) return lower === upper ? String(upper) : `${lower}-${upper}`;
    lower = upper + 1;
  }
  return `${lower}+`;
}

/** Every size label, in order (all are exported, zero included, so dashboards see stable series). */
export function roomSizeLabels(): string[] {
  const labels = ROOM_SIZE_BUCKETS.map((upper) => roomSizeLabel(upper));
  labels.push(roomSizeLabel(Number.MAX_SAFE_INTEGER));
  return labels;
}
