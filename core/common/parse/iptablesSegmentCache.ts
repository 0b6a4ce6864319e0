// Lossy, direct-mapped cache of parsed rule segments, keyed by their exact text in the dump.
//
// Why not a Map: a big dump needs ~4 lookups per rule, and Map.get on a freshly sliced key costs
// ~150-200 ns here (it hashes every character of the key). This cache hashes a few sampled
// characters and verifies a hit by comparing one slice (`startsWith` with a position measured
// several times slower than slice + ===).
// A collision only evicts the older entry, so a repeated segment may be parsed twice; results
// are always exact. kube-proxy writes a Service's rules next to each other, so most repeats hit.

export interface SegmentCache<T> {
  keys: (string | undefined)[];
  values: (T | undefined)[];
}

const BITS = 12;
const MASK = (1 << BITS) - 1;

export function newSegmentCache<T>(): SegmentCache<T> {
  return { keys: new Array<string | undefined>(1 << BITS).fill(undefined), values: new Array<T | undefined>(1 << BITS).fill(undefined) };
}

/** Slot for text[s, e): length, the last 8 characters and 5 spread-out ones. */
export function segmentSlot(text: string, s: number, e: number): number {
  const len = e - s;
  let h = Math.imul(len, 0x9e3779b1);
  const stop = e - 8 > s ? e - 8 : s;
  for (let i = e - 1; i >= stop; i--) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  if (len > 8) {
    const q = len >> 3;
    for (let i = s + q; i < e - 8; i += q + 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return (h ^ (h >>> 15)) & MASK;
}

/** The cached value for text[s, e) in `slot`, or undefined. */
export function segmentGet<T>(cache: SegmentCache<T>, slot: number, text: string, s: number, e: number): T | undefined {
  const key = cache.keys[slot];
  if (key !== undefined && key.length === e - s && text.slice(s, e) === key) return cache.values[slot];
  return undefined;
}

export function segmentSet<T>(cache: SegmentCache<T>, slot: number, text: string, s: number, e: number, value: T): void {
  cache.keys[slot] = text.slice(s, e);
  cache.values[slot] = value;
}
