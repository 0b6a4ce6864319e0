import { describe, expect, it } from 'vitest';
import type { IptRule } from '../../../../core/common/model/iptables';
import { anyOption, dnatDestination, dport, hasMatch, matchOption, probability, readDnatDestination, stripPrefixLength, targetOption } from '../../../../core/common/parse/iptablesRule';
import type { DnatTarget } from '../../../../core/common/parse/iptablesRule';
import { parseIptablesSave } from '../../../../core/common/parse/iptablesSave';

/** Parses one `-A` line in a nat table. */
function rule(line: string): IptRule {
  const dump = parseIptablesSave(`*nat\n${line}\nCOMMIT\n`);
  expect(dump.malformed).toEqual([]);
  const r = [...(dump.tables.get('nat')?.chains.values() ?? [])][0]?.rules[0];
  if (!r) throw new Error(`no rule parsed from ${line}`);
  return r;
}

describe('dport', () => {
  it.each([
    { name: 'kube-proxy order', line: '-A X -m comment --comment "ns/s:p cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j Y', want: 80 },
    { name: 'canonical order', line: '-A X -d 172.30.0.41/32 -p tcp -m comment --comment "ns/s:p cluster IP" -m tcp --dport 80 -j Y', want: 80 },
    { name: 'udp module', line: '-A X -p udp -m udp --dport 53 -j Y', want: 53 },
    { name: 'long form --destination-port', line: '-A X -p tcp -m tcp --destination-port 8443 -j Y', want: 8443 },
    { name: 'implicit protocol match', line: '-A X -p tcp --dport 30000 -j ACCEPT', want: 30000 },
    { name: 'negated port (matches every other port)', line: '-A X -p tcp -m tcp ! --dport 22 -j Y', want: undefined },
    { name: 'port range', line: '-A X -p tcp -m tcp --dport 80:90 -j Y', want: undefined },
    { name: 'no port', line: '-A X -p tcp -m tcp -j DNAT --to-destination 10.0.1.1:80', want: undefined },
    { name: 'out of range', line: '-A X -p tcp -m tcp --dport 70000 -j Y', want: undefined },
  ])('reads $want for $name', ({ line, want }) => {
    expect(dport(rule(line))).toBe(want);
  });
});

describe('probability', () => {
  it.each([
    { name: "kube-proxy's 10 decimals", value: '0.3333333333', want: 0.3333333333 },
    { name: "the kernel's 11 decimals", value: '0.33332999982', want: 0.33332999982 },
    { name: 'five decimals of old releases', value: '0.50000', want: 0.5 },
    { name: 'garbage', value: 'abc', want: undefined },
  ])('reads $name', ({ value, want }) => {
    expect(probability(rule(`-A X -m comment --comment "ns/s:p" -m statistic --mode random --probability ${value} -j KUBE-SEP-A`))).toBe(want);
  });

  it('is undefined for the last endpoint rule, which has no statistic match', () => {
    expect(probability(rule('-A X -m comment --comment "ns/s:p" -j KUBE-SEP-A'))).toBeUndefined();
  });
});

describe('dnatDestination', () => {
  it.each([
    { name: 'IPv4 address and port', value: '10.0.1.1:80', want: { ip: '10.0.1.1', port: 80 } },
    { name: 'bracketed IPv6 address and port', value: '[fd00:10:180::1]:8080', want: { ip: 'fd00:10:180::1', port: 8080 } },
    { name: 'IPv4 without a port', value: '10.0.1.1', want: undefined },
    { name: 'bare IPv6 without a port', value: 'fd00::1', want: undefined },
    { name: 'bracketed IPv6 without a port', value: '[fd00::1]', want: undefined },
    { name: 'a port range', value: '10.0.1.1:80-90', want: undefined },
    { name: 'an address range', value: '10.0.1.1-10.0.1.9:80', want: undefined },
  ])('reads $name', ({ value, want }) => {
    expect(dnatDestination(rule(`-A X -p tcp -m tcp -j DNAT --to-destination ${value}`))).toEqual(want);
  });

  it('is undefined for a rule that does not DNAT', () => {
    expect(dnatDestination(rule('-A X -s 10.0.1.1/32 -j KUBE-MARK-MASQ'))).toBeUndefined();
  });

  it.each(['10.0.1.1:80', '[fd00::1]:8080', '10.0.1.1', 'fd00::1', '[fd00::1]', '[fd00::1]x80', '10.0.1.1:', ':80', '[]:80', '10.0.1.1:99999', '10.0.1.1:8a', '10.0.1.1-10.0.1.9:80', 'a-b:1'])(
    'readDnatDestination agrees with dnatDestination for %s, and leaves its target alone on failure',
    (value) => {
      const want = dnatDestination(rule(`-A X -j DNAT --to-destination ${value}`));
      const out: DnatTarget = { ip: 'untouched', port: -1 };
      const ok = readDnatDestination(rule(`-A X -j DNAT --to-destination ${value}`), out);
      expect(ok).toBe(want !== undefined);
      expect(out).toEqual(want ?? { ip: 'untouched', port: -1 });
    },
  );
});

describe('stripPrefixLength', () => {
  it.each([
    ['10.0.0.1/32', '10.0.0.1'],
    ['fd00::1/128', 'fd00::1'],
    ['10.0.0.1', '10.0.0.1'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['fd00::/32', 'fd00::/32'],
    ['fd00::/64', 'fd00::/64'],
    ['10.0.0.0/128', '10.0.0.0/128'],
  ])('turns %s into %s', (addr, want) => {
    expect(stripPrefixLength(addr)).toBe(want);
  });
});

describe('option lookups', () => {
  const r = rule(
    '-A cali-POSTROUTING -o tunl0 -m comment --comment "cali:JHlpT" -m addrtype ! --src-type LOCAL --limit-iface-out -m addrtype --src-type LOCAL -j MASQUERADE --random-fully',
  );

  it('finds an option of a module that appears twice, first occurrence first', () => {
    expect(matchOption(r, 'addrtype', '--src-type')).toEqual({ name: '--src-type', negated: true, values: ['LOCAL'] });
    expect(matchOption(r, 'addrtype', '--limit-iface-out')).toEqual({ name: '--limit-iface-out', negated: false, values: [] });
  });

  it('finds an option only in the named module', () => {
    expect(matchOption(r, 'comment', '--src-type')).toBeUndefined();
    expect(matchOption(r, 'tcp', '--dport')).toBeUndefined();
  });

  it('finds an option in any module', () => {
    expect(anyOption(r, '--comment')?.values).toEqual(['cali:JHlpT']);
    expect(anyOption(r, '--dport')).toBeUndefined();
  });

  it('finds target options', () => {
    expect(targetOption(r, '--random-fully')).toEqual({ name: '--random-fully', negated: false, values: [] });
    expect(targetOption(r, '--to-destination')).toBeUndefined();
  });

  it('tells which modules a rule uses', () => {
    expect(hasMatch(r, 'addrtype')).toBe(true);
    expect(hasMatch(r, 'comment')).toBe(true);
    expect(hasMatch(r, 'statistic')).toBe(false);
  });
});
