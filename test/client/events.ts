/** Event-driven waits on SDK emitters for the client tests (a safety timeout turns a hang into a failure). */
import type { TypedEmitter } from '../../client/emitter.js';

const SAFETY_MS = 15_000;

/** The next `type` event that `accept` takes. */
export function nextEvent<E extends object, K extends keyof E>(
  emitter: TypedEmitter<E>,
  type: K,
  accept: (payload: E[K]) => boolean = () => true,
): Promise<E[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no '${String(type)}' event within ${SAFETY_MS} ms`));
    }, SAFETY_MS);
    const off = emitter.on(type, (payload) => {
      if (!accept(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Records every payload of `type`, in order. */
export function record<E extends object, K extends keyof E>(emitter: TypedEmitter<E>, type: K): E[K][] {
  const seen: E[K][] = [];
  emitter.on(type, (payload) => seen.push(payload));
  return seen;
}
