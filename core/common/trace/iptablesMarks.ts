import type { IptablesDump, IptChain, IptRule } from '../model/iptables';
import { applyMark } from './tracePath';

// The MARK target (`--set-xmark`, `--or-mark`, ...; iptables-save prints kube-proxy's `--or-mark
// 0x4000` as `--set-xmark 0x4000/0x4000`) and the recognition of mark-only chains such as
// KUBE-MARK-MASQ, whose conditional use is kept as a "maybe" mark instead of a fork.

export function markTarget(rule: IptRule, mark: number): number {
  const num = (s: string | undefined) => Number(s ?? '0') >>> 0;
  const split = (v: string | undefined): [number, number] => {
    const [a, b] = (v ?? '0').split('/');
    return [num(a), b === undefined ? 0xffffffff : num(b)];
  };
  for (const o of rule.targetOptions) {
    const v = o.values[0];
    if (o.name === '--set-xmark') return applyMark(mark, 'xset', ...split(v));
    if (o.name === '--set-mark') {
      const [value, mask] = split(v);
      return applyMark(mark, 'xset', value, mask);
    }
    if (o.name === '--or-mark') return applyMark(mark, 'or', num(v));
    if (o.name === '--and-mark') return applyMark(mark, 'and', num(v));
    if (o.name === '--xor-mark') return applyMark(mark, 'xor', num(v));
  }
  return mark;
}

/** Bits OR-ed into the mark by `rule`'s target when that is all it does (MARK, or a chain of only such rules). */
export function markOnlyBits(dump: IptablesDump, cache: Map<IptChain, number | null>, table: string, rule: IptRule): number | null {
  const orBits = (r: IptRule): number | null => {
    if (r.target !== 'MARK') return null;
    const after = markTarget(r, 0);
    const allOnes = markTarget(r, 0xffffffff);
    // An OR-mark: from 0 it sets `after`, and it never clears a bit.
    return after !== 0 && allOnes === 0xffffffff ? after : null;
  };
  if (rule.target === 'MARK') return orBits(rule);
  const chain = rule.target !== undefined ? dump.tables.get(table)?.chains.get(rule.target) : undefined;
  if (!chain || chain.policy !== null) return null;
  if (cache.has(chain)) return cache.get(chain) ?? null;
  let bits: number | null = 0;
  for (const r of chain.rules) {
    const plain = !r.source && !r.destination && !r.protocol && !r.inInterface && !r.outInterface && r.matches.every((m) => m.module === 'comment');
    const b = plain ? orBits(r) : null;
    if (b === null) {
      bits = null;
      break;
    }
    bits |= b;
  }
  const result = bits === 0 ? null : bits;
  cache.set(chain, result);
  return result;
}
