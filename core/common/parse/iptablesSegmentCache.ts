// Lossy, direct-mapped cache of parsed rule segments, keyed by their exact text in the dump.
//
// Why not a Map: a big dump needs ~4 lookups per rule, and Map.get on a freshly sliced key costs
// ~150-200 ns here (it hashes every character of the key). This cache hashes a few sampled
// characters and verifies a hit by comparing the characters of the dump at the key's position
// with those of the new segment: no key string is ever sliced. (Comparing a fresh slice with a
// stored slice goes through V8's runtime String::SlowEquals, which took ~10% of a parse.)
// A collision only evicts the older entry, so a repeated segment may be parsed twice; results
// are always exact. kube-proxy writes a Service's rules next to each other, so most repeats hit.

export interface SegmentCache<T> {
  /** The text the key positions refer to; a cache used with another text starts over. */
  text: string;
  /** Key of each slot: text[keyStarts[i], keyStarts[i] + keyLengths[i]); length -1 = empty. */
  keyStarts: Int32Array;
  keyLengths: Int32Array;
  values: (T | undefined)[];
}

const BITS = 15;
const SIZE = 1 << BITS;
const MASK = SIZE - 1;
/** Slots per cache (parallel arrays indexed by slot have this length). */
export const SEGMENT_CACHE_SIZE = SIZE;

export function newSegmentCache<T>(): SegmentCache<T> {
  return { text: '', keyStarts: new Int32Array(SIZE), keyLengths: new Int32Array(SIZE).fill(-1), values: new Array<T | undefined>(SIZE).fill(undefined) };
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
  const len = e - s;
  if (cache.keyLengths[slot] !== len || cache.text !== text) return undefined;
  // From the end: segments of one kind differ mostly in their tails (addresses, comments).
  const d = cache.keyStarts[slot] - s;
  for (let i = e - 1; i >= s; i--) if (text.charCodeAt(i) !== text.charCodeAt(i + d)) return undefined;
  return cache.values[slot];
}

export function segmentSet<T>(cache: SegmentCache<T>, slot: number, text: string, s: number, e: number, value: T): void {
  if (cache.text !== text) {
    if (cache.text !== '') {
      cache.keyLengths.fill(-1);
      cache.values.fill(undefined);
    }
    cache.text = text;
  }
  cache.keyStarts[slot] = s;
  cache.keyLengths[slot] = e - s;
  cache.values[slot] = value;
}
