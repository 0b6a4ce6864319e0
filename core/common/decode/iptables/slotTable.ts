import type { ChainRole } from './chainShape';

// Name -> index table for the decoder's chain slots (decodeState.ts). Why not a Map: a big dump
// has ~60k per-service / per-endpoint chains; filling a Map grows and rehashes it ~16 times, and
// every Map.get on a jump target freshly sliced from its rule hashes all of its characters and
// then compares it with the stored name, both far apart in the dump text (cache misses).
// Here a kube-proxy-shaped name (prefix + 16 base32 characters, pkg/proxy/iptables/proxier.go)
// is packed exactly into three numbers: role and 80 bits of hash, which are random, so they are
// also the bucket index, and equal numbers mean equal names: a lookup reads one bucket of one
// typed array and no stored string. Other names use a sampled hash and compare the strings.
// Open addressing with linear probing, buckets of 4 ints: ref (index + 1, 0 = empty), w0, w1, w2.

export interface SlotTable {
  buckets: Int32Array;
  mask: number;
  size: number;
}

const SHAPED = 1 << 24;
const ROLE_CODE: Record<ChainRole, number> = { svc: 1, svl: 2, ext: 3, fw: 4, xlb: 5, sep: 6 };

// The packed form of the last name given to packName (module scratch: no object per lookup).
let w0 = 0;
let w1 = 0;
let w2 = 0;

function base32Value(c: number): number {
  if (c >= 65 && c <= 90) return c - 65; // A-Z
  if (c >= 50 && c <= 55) return c - 24; // 2-7 -> 26-31
  return -1;
}

/**
 * Packs `name` (of role `role`, known from its prefix) into w0/w1/w2: exactly, when it is
 * kube-proxy-shaped; else a sampled hash of it, flagged as not exact (w2 = 0).
 */
function packName(name: string, role: ChainRole): void {
  const from = role === 'fw' ? 8 : 9;
  if (name.length === from + 16) {
    let a = 0;
    let b = 0;
    let c = 0;
    let ok = true;
    for (let i = 0; i < 6; i++) {
      const v = base32Value(name.charCodeAt(from + i));
      a = a * 32 + v;
      if (v < 0) ok = false;
    }
    for (let i = 6; i < 12; i++) {
      const v = base32Value(name.charCodeAt(from + i));
      b = b * 32 + v;
      if (v < 0) ok = false;
    }
    for (let i = 12; i < 16; i++) {
      const v = base32Value(name.charCodeAt(from + i));
      c = c * 32 + v;
      if (v < 0) ok = false;
    }
    if (ok) {
      w0 = a;
      w1 = b;
      w2 = c | (ROLE_CODE[role] << 20) | SHAPED;
      return;
    }
  }
  const n = name.length;
  let h = Math.imul(n, 0x9e3779b1);
  for (let i = 5; i < n; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  w0 = h ^ (h >>> 15);
  w1 = 0;
  w2 = 0;
}

/**
 * Whether the name last packed (by tableFind or tableAdd) is exactly kube-proxy-shaped: what
 * chainShape.isShaped says of it, known without reading its characters again.
 */
export function packedShaped(): boolean {
  return (w2 & SHAPED) !== 0;
}

function bucketOf(mask: number): number {
  return ((w0 ^ Math.imul(w1, 0x9e3779b1)) & mask) << 2;
}

export function newSlotTable(expected: number): SlotTable {
  let cap = 16;
  while (cap < expected * 2) cap *= 2;
  return { buckets: new Int32Array(cap * 4), mask: cap - 1, size: 0 };
}

/** Index of the entry of `list` named `name` (of role `role`), or -1. Leaves `name` packed for tableAdd. */
export function tableFind<T extends { name: string }>(t: SlotTable, list: readonly T[], name: string, role: ChainRole): number {
  packName(name, role);
  const b = t.buckets;
  const end = b.length;
  const exact = w2 !== 0;
  for (let i = bucketOf(t.mask); ; ) {
    const ref = b[i];
    if (ref === 0) return -1;
    if (b[i + 1] === w0 && b[i + 2] === w1 && b[i + 3] === w2 && (exact || list[ref - 1].name === name)) return ref - 1;
    i += 4;
    if (i === end) i = 0;
  }
}

function place(t: SlotTable, ref: number, a: number, c: number, d: number): void {
  const b = t.buckets;
  const end = b.length;
  let i = ((a ^ Math.imul(c, 0x9e3779b1)) & t.mask) << 2;
  while (b[i] !== 0) {
    i += 4;
    if (i === end) i = 0;
  }
  b[i] = ref;
  b[i + 1] = a;
  b[i + 2] = c;
  b[i + 3] = d;
}

/**
 * Adds entry `index`, named `name` (of role `role`, not in the table yet). After a tableFind of
 * the same name, pass `packed` true to reuse its packing.
 */
export function tableAdd(t: SlotTable, index: number, name: string, role: ChainRole, packed = false): void {
  if (!packed) packName(name, role);
  if ((t.size + 1) * 2 > t.mask + 1) {
    const old = t.buckets;
    t.buckets = new Int32Array(old.length * 2);
    t.mask = t.mask * 2 + 1;
    for (let i = 0; i < old.length; i += 4) if (old[i] !== 0) place(t, old[i], old[i + 1], old[i + 2], old[i + 3]);
  }
  place(t, index + 1, w0, w1, w2);
  t.size++;
}
