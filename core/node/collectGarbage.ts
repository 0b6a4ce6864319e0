import { runInNewContext } from 'node:vm';

// A full garbage collection between two nodes analysed by the same thread. A node's parsed dump,
// model and check state (~150 MB at 10k Services) are garbage once its result is out, but V8 lets
// the old generation grow to several times its live size before collecting: with two nodes per
// thread, the second node's data piled up on the first one's and a 4-node 10k snapshot peaked at
// ~1.15 GB RSS instead of ~0.9 GB. Collecting right then costs about what V8's own next full
// collection would (the live heap is the same) and keeps the peak near one node per thread.
//
// Only when the process allows it: bin/proxyscope.js turns on V8's --expose-gc before anything
// runs, so every worker's global has gc() and the main thread gets it from a fresh vm context.
// Without that flag (tests, other embedders) this is a no-op.

let gc: (() => void) | null | undefined;

function findGc(): (() => void) | null {
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as () => void;
  try {
    const fromContext: unknown = runInNewContext('typeof gc === "function" ? gc : null');
    return typeof fromContext === 'function' ? (fromContext as () => void) : null;
  } catch {
    return null;
  }
}

/** Collects garbage now if the process exposes gc (see above); otherwise does nothing. */
export function collectGarbage(): void {
  if (gc === undefined) gc = findGc();
  gc?.();
}
