/** A description of the machine a run happened on, for the JSON and the report. */
import { cpus, loadavg, release, totalmem } from 'node:os';
import { canPin } from './processes.js';

/** What the report says about the machine. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  loadAverageAtStart: number[];
  pinned: boolean;
}

/** Describe this machine now. */
export function describeMachine(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    pinned: canPin,
  };
}
