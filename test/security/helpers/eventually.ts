/** Retry a check until it holds: for state the server updates after an event the test cannot see. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  what: string,
  safetyMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + safetyMs;
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen within ${safetyMs} ms: ${String(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
