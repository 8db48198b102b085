#!/usr/bin/env node
/**
 * Process entry. The Node.js version is checked before the server's modules are loaded, so the
 * warning shows even if one of them fails on an old Node.js; then cli-main.ts does the rest.
 */
import { unsupportedNodeWarning } from './node-support.js';

const warning = unsupportedNodeWarning();
if (warning) process.stderr.write(warning);

import('./cli-main.js')
  .then(({ main }) => main(process.argv.slice(2)))
  .catch((err: unknown) => {
    process.stderr.write(`signalroom: failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  });
