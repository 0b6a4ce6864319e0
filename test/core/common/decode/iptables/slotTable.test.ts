import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainRole, isShaped } from '../../../../../core/common/decode/iptables/chainShape';
import { newSlotTable, packedShaped, tableAdd, tableFind } from '../../../../../core/common/decode/iptables/slotTable';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Table over `names` (deduplicated, in order), with the names' indices as a Map would give them. */
function build(names: string[], expected = names.length): { find: (n: string) => number; list: { name: string }[] } {
  const t = newSlotTable(expected);
  const list: { name: string }[] = [];
  for (const name of names) {
    const role = chainRole(name);
    if (role === null || tableFind(t, list, name, role) >= 0) continue;
    tableAdd(t, list.length, name, role, true);
    list.push({ name });
  }
  return {
    list,
    find: (n) => {
      const role = chainRole(n);
      return role === null ? -1 : tableFind(t, list, n, role);
    },
  };
}

describe('slotTable', () => {
  const cases: { name: string; names: string[]; lookup: string; found: boolean }[] = [
    { name: 'finds a kube-proxy-shaped name', names: ['KUBE-SEP-ABCDEFGHIJKLMNOP'], lookup: 'KUBE-SEP-ABCDEFGHIJKLMNOP', found: true },
    { name: 'tells roles with one hash suffix apart', names: ['KUBE-SVC-ABCDEFGHIJKLMNOP'], lookup: 'KUBE-SVL-ABCDEFGHIJKLMNOP', found: false },
    { name: 'tells KUBE-FW- from the 9-character prefixes apart', names: ['KUBE-FW-ABCDEFGHIJKLMNOP'], lookup: 'KUBE-FW-ABCDEFGHIJKLMNOP', found: true },
    { name: 'misses a name differing in its last character', names: ['KUBE-SEP-ABCDEFGHIJKLMNOP'], lookup: 'KUBE-SEP-ABCDEFGHIJKLMNOQ', found: false },
    { name: 'finds an unshaped name (lower case hash)', names: ['KUBE-SEP-abcdefghijklmnop'], lookup: 'KUBE-SEP-abcdefghijklmnop', found: true },
    { name: 'finds an unshaped name (too long)', names: ['KUBE-SVC-ABCDEFGHIJKLMNOPQ'], lookup: 'KUBE-SVC-ABCDEFGHIJKLMNOPQ', found: true },
    { name: 'does not match an unshaped name with a shaped one', names: ['KUBE-SVC-ABCDEFGHIJKLMNO1'], lookup: 'KUBE-SVC-ABCDEFGHIJKLMNOA', found: false },
    { name: 'finds nothing in an empty table', names: [], lookup: 'KUBE-SVC-ABCDEFGHIJKLMNOP', found: false },
  ];
  it.each(cases)('$name', ({ names, lookup, found }) => {
    const t = build(names);
    const i = t.find(lookup);
    expect(i >= 0).toBe(found);
    if (found) expect(t.list[i].name).toBe(lookup);
  });

  const hash = fc.string({ unit: fc.constantFrom(...BASE32, 'a', '1', '-'), minLength: 14, maxLength: 18 });
  const name = fc.tuple(fc.constantFrom('KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-XLB-', 'KUBE-SEP-'), hash).map(([p, h]) => p + h);

  it('finds exactly what a Map of the same names finds, also after growing from a small size', () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 200 }), fc.array(name, { maxLength: 50 }), fc.boolean(), (names, probes, small) => {
        const t = build(names, small ? 1 : names.length);
        const map = new Map<string, number>();
        for (const n of names) if (!map.has(n)) map.set(n, map.size);
        for (const n of [...names, ...probes]) expect(t.find(n)).toBe(map.get(n) ?? -1);
      }),
    );
  });

  it('says a name is shaped after packing it exactly when chainShape.isShaped does', () => {
    fc.assert(
      fc.property(name, fc.boolean(), (n, viaAdd) => {
        const role = chainRole(n);
        if (role === null) return;
        const t = newSlotTable(4);
        if (viaAdd) tableAdd(t, 0, n, role);
        else tableFind(t, [], n, role);
        expect(packedShaped()).toBe(isShaped(n, role));
      }),
    );
  });
});
