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

const BITS = 15;
const MASK = (1 << BITS) - 1;

export function newSegmentCache<T>(): SegmentCache<T> {
  return { keys: new Array<string | undefined>(1 << BITS).fill(undefined), values: new Array<T | undefined>(1 << BITS).fill(undefined) };
}

/**
 * Slot for text[s, e): length, the last 16 characters and about 8 spread-out ones. The tail is
 * where segments of one kind differ (`--probability 0.25000000000` and `0.50000000000` only in
 * their 12th- and 11th-last characters: with a shorter tail those two, written alternately in
 * every KUBE-SVC chain, kept evicting each other).
 */
export function segmentSlot(text: string, s: number, e: number): number {
  const len = e - s;
  let h = Math.imul(len, 0x9e3779b1);
  const tail = e - 16 > s ? e - 16 : s;
  for (let i = e - 1; i >= tail; i--) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  if (tail > s) {
    const q = ((tail - s) >> 3) + 1;
    for (let i = s + (q >> 1); i < tail; i += q) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
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
