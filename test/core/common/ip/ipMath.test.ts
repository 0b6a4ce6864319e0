import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressSpecContains, canonicalIp, cidrContainsIp, cidrWithin, formatIp, parseCidr, parseIp } from '../../../../core/common/ip/ipMath';
import { consistent, knownSrcIn, simplifyClause, srcCond, clauseText, factCond } from '../../../../core/common/trace/traceConditions';

// Address arithmetic and the source-address facts the trace reasons with.

const cidr = (s: string) => {
  const c = parseCidr(s);
  if (!c) throw new Error(`bad cidr ${s}`);
  return c;
};
const ip = (s: string) => {
  const p = parseIp(s);
  if (!p) throw new Error(`bad ip ${s}`);
  return p;
};

describe('ipMath', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['FD00:0:0::1', 'fd00::1'],
    ['fd00:10:96:0::10', 'fd00:10:96::10'],
    ['::ffff:10.1.2.3', '::ffff:a01:203'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['[fd00::5]', 'fd00::5'],
  ])('writes %s canonically as %s', (input, want) => {
    expect(canonicalIp(input)).toBe(want);
  });

  it.each(['10.0.0.256', '10.0.0', '1.2.3.4.5', 'fd00:::1', '1:2:3:4:5:6:7:8:9', 'node-1', ''])('rejects %j', (s) => {
    expect(parseIp(s)).toBeNull();
  });

  it.each([
    ['10.244.0.0/16', '10.244.9.1', true],
    ['10.244.0.0/16', '10.245.0.1', false],
    ['10.0.0.0/255.0.0.0', '10.1.2.3', true],
    ['10.0.0.1', '10.0.0.1', true],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['fd00:10:244::/56', 'fd00:10:244:1::5', true],
    ['fd00:10:244::/56', 'fd00:10:245::5', false],
    ['10.0.0.0/8', 'fd00::1', false],
  ])('%s contains %s: %s', (c, a, want) => {
    expect(cidrContainsIp(cidr(c), ip(a))).toBe(want);
  });

  it.each([
    ['10.0.0.5-10.0.0.9', '10.0.0.7', true],
    ['10.0.0.5-10.0.0.9', '10.0.0.10', false],
    ['192.0.2.0/24', '192.0.2.200', true],
    ['@set', '192.0.2.200', null],
  ])('address spec %s contains %s: %s', (spec, a, want) => {
    expect(addressSpecContains(spec, ip(a))).toBe(want);
  });

  it('formats what it parses back to the same address (IPv4 and IPv6)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (s) => {
        const p = ip(s);
        expect(parseIp(formatIp(p))).toEqual(p);
      }),
    );
  });

  it('a CIDR contains every address of its own prefix and nests in shorter prefixes', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 32 }), (a, m, n) => {
        const [short, long] = m <= n ? [m, n] : [n, m];
        const inner = cidr(`${a}/${long}`);
        expect(cidrContainsIp(inner, ip(a))).toBe(true);
        expect(cidrWithin(inner, cidr(`${a}/${short}`))).toBe(true);
      }),
    );
  });
});

describe('source facts', () => {
  const inCluster = srcCond(cidr('10.244.0.0/16'), true);
  const notCluster = srcCond(cidr('10.244.0.0/16'), false);
  const pod = srcCond(cidr('10.244.1.5'), true);

  it.each([
    { name: 'a source inside a CIDR and outside it', conds: [inCluster, notCluster], ok: false },
    { name: 'a pod address outside the cluster CIDR', conds: [notCluster, pod], ok: false },
    { name: 'a pod address inside the cluster CIDR', conds: [inCluster, pod], ok: true },
    { name: 'two disjoint source CIDRs', conds: [srcCond(cidr('10.0.0.0/8'), true), srcCond(cidr('192.0.2.0/24'), true)], ok: false },
    { name: 'the same fact both ways', conds: [factCond('a', 'x', 'not x', true), factCond('a', 'x', 'not x', false)], ok: false },
  ])('finds $name consistent: $ok', ({ conds, ok }) => {
    expect(consistent(conds)).toBe(ok);
  });

  it.each([
    { facts: [pod], ask: '10.244.0.0/16', want: true },
    { facts: [notCluster], ask: '10.244.1.5', want: false },
    { facts: [inCluster], ask: '192.0.2.0/24', want: false },
    { facts: [inCluster], ask: '10.244.1.0/24', want: undefined },
  ])('derives "source in $ask" from what is assumed', ({ facts, ask, want }) => {
    expect(knownSrcIn(facts, cidr(ask))).toBe(want);
  });

  it('drops facts implied by the others when printing a condition', () => {
    expect(clauseText(simplifyClause([inCluster, pod]))).toBe('source is 10.244.1.5');
    expect(clauseText([notCluster, srcCond(cidr('10.244.0.5'), false)])).toBe('source not in 10.244.0.0/16');
  });
});
