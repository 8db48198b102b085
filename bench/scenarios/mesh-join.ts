/**
 * mesh join: 50 peers join one room one after another, each joiner signalling every member (an
 * offer and 5 candidates over 500 ms) and every member answering alike (bench/load/mesh-join.ts);
 * measured from the first join until every offer, answer and candidate has been delivered, with
 * the server's default limits. Servers of the signalroom protocol with rooms take part (the naive
 * server has no limits, so it shows what the limits cost).
 */
import { ServerProcess } from '../lib/processes.js';
import type { MeshJoinResult } from '../load/mesh-join.js';
import type { Scenario } from './scenario.js';

/** Peers in the mesh. */
export const MESH_PEERS = 50;

/** The mesh-join scenario. */
export const meshJoinScenario: Scenario = {
  id: 'mesh',
  title: `Mesh join (${MESH_PEERS} peers, every signal delivered)`,
  rounds: 3,
  appliesTo: (kind) => kind.rooms && kind.protocol === 'signalroom',
  async measure(ctx, kind, round) {
    const server = await ServerProcess.start(kind, ctx);
    // One generator holds every peer, so one clock times the whole join.
    const gen = ctx.generators[0]!;
    try {
      const cpu0 = server.cpuMs();
      const r = await gen.run<MeshJoinResult>({
        cmd: 'meshJoin',
        port: server.port,
        peers: MESH_PEERS,
        prefix: `m${round}`,
        timeoutMs: 60_000,
      });
      const refused = Object.values(r.errors).reduce((n, c) => n + c, 0);
      return {
        peers: r.peers,
        meshJoinMs: r.delivered === r.expected ? r.ms : NaN,
        delivered: r.delivered,
        expected: r.expected,
        refused,
        serverCpuMs: server.cpuMs() - cpu0,
      };
    } finally {
      await server.stop();
    }
  },
};
