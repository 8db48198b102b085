import { MemoryBackend } from '../../src/backend/memory.js';
import { backendContract } from './contract.js';
import { Inbox } from './inbox.js';

backendContract('memory', async (t) => {
  const backend = new MemoryBackend();
  const inbox = new Inbox();
  await backend.start(inbox);
  t.after(() => backend.close());
  return { backend, inbox };
});
