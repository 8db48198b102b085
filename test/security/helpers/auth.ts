/** Small helpers for authentication tests: an identify that may fail, and temp files for keys. */
import type { TestContext } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClient, type Received } from '../../helpers/test-client.js';

/** Connect, send IDENTIFY, and return the AUTH_SUCCESS or AUTH_ERROR the server answers with. */
export async function identifyOutcome(
  t: TestContext,
  url: string,
  identify: Record<string, unknown>,
): Promise<{ client: TestClient; answer: Received }> {
  const client = await TestClient.connect(t, url);
  client.send({ type: 'IDENTIFY', ...identify });
  const answer = await client.waitFor((m) => m.type === 'AUTH_SUCCESS' || m.type === 'AUTH_ERROR', 'AUTH_*');
  return { client, answer };
}

/** Expect an AUTH_ERROR with `code`, followed by a 1008 close. */
export async function expectRefused(
  t: TestContext,
  url: string,
  identify: Record<string, unknown>,
  code: string,
): Promise<Received> {
  const { client, answer } = await identifyOutcome(t, url, identify);
  if (answer.type !== 'AUTH_ERROR' || answer.code !== code) {
    throw new Error(`expected AUTH_ERROR ${code}, got ${JSON.stringify(answer)}`);
  }
  const { code: closeCode } = await client.closed;
  if (closeCode !== 1008) throw new Error(`expected close 1008, got ${closeCode}`);
  return answer;
}

/** A temp directory removed when the test ends; returns a function writing files into it. */
export function tempFiles(t: TestContext): (name: string, content: string) => string {
  const dir = mkdtempSync(join(tmpdir(), 'signalroom-sec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return (name, content) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
}
