// Builds the demo web app into dist/demo (served at / by the server).
import { cpSync, mkdirSync, rmSync } from 'node:fs';

rmSync('dist/demo', { recursive: true, force: true });
mkdirSync('dist/demo', { recursive: true });
cpSync('demo/index.html', 'dist/demo/index.html');
