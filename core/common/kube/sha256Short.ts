import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { base32Encode } from './base32';

// SHA-256 of short ASCII strings, the inputs of every kube-proxy chain-name hash
// (`ns/name:port` + proto [+ `ip:port`], all ASCII by API validation).
// Why not @noble/hashes alone: its per-call overhead (hasher object, TextEncoder) is ~2.5 µs
// for a 40-byte input, and the name table hashes every Service port twice (both unnamed-port
// forms); this single-purpose loop with preallocated state is ~4x faster. Non-ASCII input
// (never valid in Kubernetes names) falls back to @noble/hashes, which also serves as the
// oracle in the tests.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W = new Int32Array(64);
const H = new Int32Array(8);
let block = new Uint8Array(256);

/** Pads `input` into `block` as SHA-256 message blocks; returns the padded length, or -1 if not ASCII. */
function padAscii(input: string): number {
  const n = input.length;
  const total = ((n + 9 + 63) >> 6) << 6;
  if (block.length < total) block = new Uint8Array(total * 2);
  for (let i = 0; i < n; i++) {
    const c = input.charCodeAt(i);
    if (c > 0x7f) return -1;
    block[i] = c;
  }
  block[n] = 0x80;
  block.fill(0, n + 1, total);
  // Message length in bits, big-endian; inputs here are far below 2^29 bytes.
  const bits = n * 8;
  block[total - 4] = bits >>> 24;
  block[total - 3] = bits >>> 16;
  block[total - 2] = bits >>> 8;
  block[total - 1] = bits;
  return total;
}

function compress(buf: Uint8Array, total: number): void {
  H[0] = 0x6a09e667; H[1] = 0xbb67ae85; H[2] = 0x3c6ef372; H[3] = 0xa54ff53a;
  H[4] = 0x510e527f; H[5] = 0x9b05688c; H[6] = 0x1f83d9ab; H[7] = 0x5be0cd19;
  for (let off = 0; off < total; off += 64) {
    for (let t = 0; t < 16; t++) {
      const j = off + t * 4;
      W[t] = (buf[j] << 24) | (buf[j + 1] << 16) | (buf[j + 2] << 8) | buf[j + 3];
    }
    for (let t = 16; t < 64; t++) {
      const w15 = W[t - 15];
      const w2 = W[t - 2];
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
    }
    let a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
    for (let t = 0; t < 64; t++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + s1 + ch + K[t] + W[t]) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      h = g; g = f; f = e; e = (d + t1) | 0;
      d = c; c = b; b = a; a = (t1 + s0 + maj) | 0;
    }
    H[0] = (H[0] + a) | 0; H[1] = (H[1] + b) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0;
    H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
  }
}

/** SHA-256 digest (32 bytes) of the UTF-8 encoding of `input`. */
export function sha256String(input: string): Uint8Array {
  const total = padAscii(input);
  if (total < 0) return sha256(utf8ToBytes(input));
  compress(block, total);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const w = H[i];
    out[i * 4] = w >>> 24;
    out[i * 4 + 1] = w >>> 16;
    out[i * 4 + 2] = w >>> 8;
    out[i * 4 + 3] = w;
  }
  return out;
}

const ALPHABET_CODES = Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', (c) => c.charCodeAt(0));
const codes: number[] = [];

/** First `chars` characters of base32(sha256(input)): kube-proxy's chain-name hash. */
export function hashPrefix(input: string, chars: number): string {
  const total = padAscii(input);
  if (total < 0 || chars > 48) return base32Encode(sha256String(input), chars);
  compress(block, total);
  // Read 5-bit groups straight from the state words (big-endian bit order), no byte copy, and
  // build a flat string at once (a += chain makes a rope that every Map lookup must flatten).
  codes.length = chars;
  for (let i = 0; i < chars; i++) {
    const bit = i * 5;
    const word = bit >>> 5;
    const off = bit & 31;
    let v = (H[word] << off) >>> 27;
    if (off > 27) v |= H[word + 1] >>> (59 - off);
    codes[i] = ALPHABET_CODES[v & 31];
  }
  return String.fromCharCode.apply(null, codes);
}

// Incremental form for comparisons: the message is written piece by piece straight into the
// padded block and the hash is compared with a name in place, so checking that a chain is named
// as expected builds no string at all (one such check per endpoint of a node).
let msgLen = 0;
let msgAscii = true;

/** Room for `more` message bytes plus the padding of the last block. */
function reserve(more: number): void {
  if (block.length >= msgLen + more + 72) return;
  const bigger = new Uint8Array((msgLen + more + 72) * 2);
  bigger.set(block.subarray(0, msgLen));
  block = bigger;
}

/** Starts a message for hashPut / hashPrefixIs. */
export function hashReset(): void {
  msgLen = 0;
  msgAscii = true;
}

/** Appends `s` to the message (flagged unusable if not ASCII: hashPrefixIs then returns null). */
export function hashPut(s: string): void {
  const n = s.length;
  reserve(n);
  let at = msgLen;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) msgAscii = false;
    block[at++] = c;
  }
  msgLen = at;
}

/** Appends the decimal digits of a non-negative integer (as String(n) prints it). */
export function hashPutInt(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    hashPut(String(n));
    return;
  }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  reserve(digits);
  for (let i = msgLen + digits - 1, x = n; i >= msgLen; i--, x = Math.floor(x / 10)) block[i] = 48 + (x % 10);
  msgLen += digits;
}

/**
 * Whether the first `chars` characters of base32(sha256(message)) are `name[from, from + chars)`.
 * Null when the message is not ASCII (the caller then compares strings built the slow way).
 */
export function hashPrefixIs(name: string, from: number, chars: number): boolean | null {
  if (!msgAscii || chars > 48) return null;
  if (name.length < from + chars) return false;
  const n = msgLen;
  const total = ((n + 9 + 63) >> 6) << 6;
  block[n] = 0x80;
  block.fill(0, n + 1, total);
  const bits = n * 8;
  block[total - 4] = bits >>> 24;
  block[total - 3] = bits >>> 16;
  block[total - 2] = bits >>> 8;
  block[total - 1] = bits;
  compress(block, total);
  for (let i = 0; i < chars; i++) {
    const bit = i * 5;
    const word = bit >>> 5;
    const off = bit & 31;
    let v = (H[word] << off) >>> 27;
    if (off > 27) v |= H[word + 1] >>> (59 - off);
    if (name.charCodeAt(from + i) !== ALPHABET_CODES[v & 31]) return false;
  }
  return true;
}
