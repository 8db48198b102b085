/** Machine facts the runner needs: clock ticks per second (for /proc CPU times). */
import { spawnSync } from 'node:child_process';

const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim());

/** System configuration values read once. */
export const sysconf = { clockTicks: Number.isFinite(ticks) && ticks > 0 ? ticks : 100 };
