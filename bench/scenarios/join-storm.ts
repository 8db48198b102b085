/**
 * join storm: M identified peers send JOIN_ROOM for one room at the same moment; measured until
 * every peer knows every other (ROOM_MEMBERS plus NEW_PEER_IN_ROOM), and that nothing was lost
 * or duplicated. Only servers with rooms take part.
 */
import { ServerProcess } from '../lib/processes.js';
import type { StormResult } from '../load/sessions.js';
import type { Scenario } from './scenario.js';

/** Peers in the storm. */
export const STORM_PEERS = 500;

/** The join storm scenario. */
export const joinStormScenario: Scenario = {
  id: 'storm',
  title: `Join storm (${STORM_PEERS} peers into one room at once)`,
  rounds: 3,
  appliesTo: (kind) => kind.rooms,
  async measure(ctx, kind, round) {
    const count = ctx.quick ? 200 : STORM_PEERS;
    const server = await ServerProcess.start(kind, ctx);
    // One generator holds every peer, so one clock times the whole storm.
    const gen = ctx.generators[0]!;
    try {
      const prepared = await gen.run<{ ready: number; failed: number }>({
        cmd: 'stormPrepare',
        protocol: kind.protocol,
        port: server.port,
        count,
        prefix: `s${round}`,
      });
      const cpu0 = server.cpuMs();
      const gen0 = gen.cpuMs();
      const io0 = server.syscalls();
      const r = await gen.run<StormResult>({ cmd: 'stormGo', room: 'storm', timeoutMs: 30_000 });
      const cpu1 = server.cpuMs();
      const gen1 = gen.cpuMs();
      const io1 = server.syscalls();
      await gen.run({ cmd: 'closeAll' });
      return {
        peers: prepared.ready,
        consistentMs: r.incomplete === 0 ? r.consistentMs : NaN,
        incomplete: r.incomplete,
        anomalies: r.anomalies,
        lastMembersMs: r.lastMembersMs,
        serverCpuMs: cpu1 - cpu0,
        // The one generator reads all n² announcements: when this nears the time, it is the bound.
        generatorCpuMs: gen1 - gen0,
        serverWrites: io1.writes - io0.writes,
      };
    } finally {
      await server.stop();
    }
  },
};
