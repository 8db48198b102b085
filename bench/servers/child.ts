/**
 * The runner's side channel into a server process under test: announce the port, and on request
 * collect garbage and report memory. Nothing here runs while load is measured.
 */

/** A started server. */
export interface StartedServer {
  port: number;
  close(): Promise<void>;
}

/** Run `start` and serve the runner's IPC requests. */
export function serveChild(start: () => Promise<StartedServer>): void {
  start().then(
    (server) => {
      process.on('message', (msg: { id: number; cmd: 'gc' | 'stop' }) => {
        if (msg.cmd === 'gc') {
          const gc = (globalThis as { gc?: () => void }).gc;
          gc?.();
          gc?.();
          process.send?.({ id: msg.id, memory: process.memoryUsage() });
        } else if (msg.cmd === 'stop') {
          const bye = () => process.exit(0);
          setTimeout(bye, 3000).unref();
          server.close().then(bye, bye);
        }
      });
      process.send?.({ ready: true, port: server.port });
    },
    (err: Error) => {
      console.error(err);
      process.exit(1);
    },
  );
  process.on('disconnect', () => process.exit(0));
}
