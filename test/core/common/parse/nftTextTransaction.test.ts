import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NftRule } from '../../../../core/common/model/nft';
import { parseNftText } from '../../../../core/common/parse/nftText';
import { chain, kp, load, set, table } from './_nftLookup';


describe('parseNftText: kube-proxy transactions', () => {
  const tx = load('k8s-test-overall-nft-transaction.nft');
  const t = kp(tx);

  it('reads inline specs of tables, chains, sets and maps', () => {
    expect(t.comment).toBe('rules for kube-proxy');
    expect(chain(t, 'filter-prerouting-pre-dnat')).toMatchObject({ type: 'filter', hook: 'prerouting', priority: -110, line: 13 });
    expect(chain(t, 'reject-chain').comment).toBe('helper for @no-endpoint-services / @no-endpoint-nodeports');
    expect(set(t, 'firewall-ips')).toMatchObject({ kind: 'map', type: 'ipv4_addr . inet_proto . inet_service : verdict', line: 6 });
    expect(set(t, 'affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80')).toMatchObject({ kind: 'set', flags: ['dynamic', 'timeout'], timeout: 10800 });
  });

  it('strips the `add rule FAMILY TABLE CHAIN` prefix from the rule text', () => {
    const r = chain(t, 'service-LAUZTJTB-ns4/svc4/tcp/p80').rules[1];
    expect(r.text).toBe('numgen random mod 2 vmap { 0 : goto endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80, 1 : goto endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 }');
    expect(r.raw.startsWith('add rule ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80 numgen')).toBe(true);
    expect(r.numgen?.entries.map((e) => e.verdict?.target)).toEqual(['endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80', 'endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80']);
  });

  it('reads the affinity pair: saddr lookup in the service chain, update in the endpoint chain', () => {
    const svc = chain(t, 'service-HVFWP5L3-ns5/svc5/tcp/p80').rules[1];
    expect(svc.matches[0]).toMatchObject({ left: 'ip saddr', set: 'affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80' });
    expect(svc.verdict).toEqual({ kind: 'goto', target: 'endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80' });
    const ep = chain(t, 'endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80').rules[1];
    expect(ep.setUpdates).toEqual([{ op: 'update', set: 'affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80', key: 'ip saddr' }]);
    expect(ep.verdict).toBeUndefined();
  });

  it('reads add element lines, with comments between key and colon', () => {
    const m = set(t, 'no-endpoint-services');
    expect(m.elements.map((e) => [e.key.join(' . '), e.comment, e.verdict?.kind, e.line])).toEqual([
      ['1.2.3.4 . tcp . 80', 'ns2/svc2:p80', 'drop', 86],
      ['192.168.99.22 . tcp . 80', 'ns2/svc2:p80', 'drop', 87],
      ['172.30.0.46 . tcp . 80', 'ns6/svc6:p80', 'goto', 148],
    ]);
    expect(m.elements[2].raw).toBe('172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain');
  });

  it('reads anonymous sets in rules as their members', () => {
    const r = chain(t, 'firewall-HVFWP5L3-ns5/svc5/tcp/p80').rules[0];
    expect(r.matches[0]).toMatchObject({ left: 'ip saddr', op: '!=', right: '{ 203.0.113.0/25 }', values: ['203.0.113.0/25'] });
    expect(r.verdict).toEqual({ kind: 'drop' });
  });

  it('reads IPv6 dnat targets in brackets', () => {
    const v6 = kp(load('knftables-fake-test-kube-proxy-ipv6-transaction.nft'));
    const r = chain(v6, 'endpoint-ZVRFLKHO-ns1/svc1/tcp/p80__fd00.10.180..1/80').rules[1];
    expect(r.dnat).toEqual({ to: '[fd00:10:180::1]:80', addr: 'fd00:10:180::1', port: 80 });
    expect(set(v6, 'nodeport-ips').elements[0]).toMatchObject({ key: ['2001:db8::1'], comment: 'test comment' });
    expect(set(v6, 'service-nodeports').elements[0]).toMatchObject({ key: ['tcp', '3001'], comment: 'test comment', verdict: { kind: 'goto', target: 'external-ULMVA6XW-ns1/svc1/tcp/p80' } });
  });

  const base = [
    'add table ip kube-proxy',
    'add chain ip kube-proxy a',
    'add chain ip kube-proxy b',
    'add rule ip kube-proxy a jump b',
    'add rule ip kube-proxy a drop',
    'add map ip kube-proxy m { type inet_proto . inet_service : verdict ; }',
    'add element ip kube-proxy m { tcp . 80 : goto a }',
    'add element ip kube-proxy m { tcp . 81 : goto b , udp . 53 : drop }',
  ];
  const txCases: { name: string; extra: string[]; chains: Record<string, string[]>; elements: string[] }[] = [
    { name: 'nothing more', extra: [], chains: { a: ['jump b', 'drop'], b: [] }, elements: ['tcp . 80', 'tcp . 81', 'udp . 53'] },
    { name: 'flush chain', extra: ['flush chain ip kube-proxy a'], chains: { a: [], b: [] }, elements: ['tcp . 80', 'tcp . 81', 'udp . 53'] },
    { name: 'delete chain', extra: ['delete chain ip kube-proxy b'], chains: { a: ['jump b', 'drop'] }, elements: ['tcp . 80', 'tcp . 81', 'udp . 53'] },
    { name: 'insert rule', extra: ['insert rule ip kube-proxy a accept'], chains: { a: ['accept', 'jump b', 'drop'], b: [] }, elements: ['tcp . 80', 'tcp . 81', 'udp . 53'] },
    { name: 'delete element', extra: ['delete element ip kube-proxy m { tcp . 81 }'], chains: { a: ['jump b', 'drop'], b: [] }, elements: ['tcp . 80', 'udp . 53'] },
    {
      name: 'delete then re-add an element',
      extra: ['delete element ip kube-proxy m { tcp . 80 , udp . 53 }', 'add element ip kube-proxy m { tcp . 80 : drop }'],
      chains: { a: ['jump b', 'drop'], b: [] },
      elements: ['tcp . 81', 'tcp . 80'],
    },
    { name: 'flush map', extra: ['flush map ip kube-proxy m'], chains: { a: ['jump b', 'drop'], b: [] }, elements: [] },
    { name: 'flush table', extra: ['flush table ip kube-proxy'], chains: { a: [], b: [] }, elements: [] },
    { name: 'default family', extra: ['add rule kube-proxy b return'], chains: { a: ['jump b', 'drop'], b: ['return'] }, elements: ['tcp . 80', 'tcp . 81', 'udp . 53'] },
    { name: 'two commands on one line', extra: ['add rule ip kube-proxy b accept ; add rule ip kube-proxy b drop'], chains: { a: ['jump b', 'drop'], b: ['accept', 'drop'] }, elements: ['tcp . 80', 'tcp . 81', 'udp . 53'] },
  ];
  it.each(txCases)('applies transaction commands: $name', ({ extra, chains, elements }) => {
    const rs = parseNftText([...base, ...extra].join('\n'));
    expect(rs.malformed).toEqual([]);
    const k = kp(rs);
    const got: Record<string, string[]> = {};
    for (const c of k.chains.values()) got[c.name] = c.rules.map((r: NftRule) => r.text);
    expect(got).toEqual(chains);
    expect(set(k, 'm').elements.map((e) => e.key.join(' . '))).toEqual(elements);
  });

  it('removes a table on delete table and everything on flush ruleset', () => {
    expect(parseNftText([...base, 'delete table ip kube-proxy'].join('\n')).tables).toEqual([]);
    expect(parseNftText([...base, 'flush ruleset'].join('\n')).tables).toEqual([]);
  });

  it('deletes and replaces rules by handle', () => {
    const listing = 'table ip t {\n\tchain c {\n\t\taccept # handle 4\n\t\tdrop # handle 5\n\t}\n}\n';
    const rs = parseNftText(`${listing}delete rule ip t c handle 4\nreplace rule ip t c handle 5 return\nadd rule ip t c handle 5 continue\n`);
    expect(rs.syntax).toBe('mixed');
    expect(chain(table(rs, 'ip', 't'), 'c').rules.map((r) => [r.text, r.handle])).toEqual([['return', 5], ['continue', undefined]]);
  });
});

describe('parseNftText: damaged input', () => {
  const cases: { name: string; text: string; reasons: string[] }[] = [
    { name: 'unknown top-level word', text: 'hello world\n', reasons: ['unrecognised statement'] },
    { name: 'stray closing brace', text: '}\n', reasons: ["unmatched '}'"] },
    { name: 'block cut off', text: 'table ip x {\n\tchain y {\n\t\tdrop\n', reasons: ['block not closed before the end of the input (truncated?)', 'block not closed before the end of the input (truncated?)'] },
    { name: 'inline brace never closed', text: 'add rule ip x y ip daddr { 1.2.3.4\nadd rule ip x y drop\n', reasons: ["unterminated '{'"] },
    { name: 'unterminated string', text: 'add table ip x { comment "oops ; }\n', reasons: ['unterminated string', 'block not closed before the end of the input (truncated?)'] },
    {
      name: 'a table block cut before the next table',
      text: 'table ip x {\n\tchain y {\n\t\tdrop\ntable ip z {\n}\n',
      reasons: ["block not closed before 'table' on line 4", "block not closed before 'table' on line 4"],
    },
    { name: 'a chain block cut before the next chain', text: 'table ip x {\n\tchain y {\n\t\tdrop\n\tchain w {\n\t}\n}\n', reasons: ["block not closed before 'chain' on line 4"] },
    { name: 'element command without braces', text: 'add element ip x s 1.2.3.4\n', reasons: ['element command without { ... }'] },
    { name: 'incomplete rule command', text: 'add rule ip\n', reasons: ["incomplete 'add rule' command"] },
    { name: 'bad priority', text: 'table ip x {\n\tchain y {\n\t\ttype filter hook input priority sideways; policy accept;\n\t}\n}\n', reasons: ["unknown chain priority 'sideways'"] },
    { name: 'rule outside a chain', text: 'table ip x {\n\tip daddr 1.2.3.4 drop\n}\n', reasons: ['unexpected statement in table block'] },
  ];
  it.each(cases)('reports $name in malformed and goes on', ({ text, reasons }) => {
    const rs = parseNftText(text);
    expect(rs.malformed.map((m) => m.reason)).toEqual(reasons);
  });

  it('keeps parsing after an unterminated inline brace when a new command starts', () => {
    const rs = parseNftText('add rule ip x y ip daddr { 1.2.3.4\nadd rule ip x y drop\n');
    expect(chain(table(rs, 'ip', 'x'), 'y').rules.map((r) => r.text)).toEqual(['drop']);
  });

  it('keeps the rules on both sides of a cut chain block', () => {
    const rs = parseNftText('table ip x {\n\tchain y {\n\t\tdrop\n\tchain w {\n\t\taccept\n\t}\n}\n');
    const x = table(rs, 'ip', 'x');
    expect(chain(x, 'y').rules.map((r) => r.text)).toEqual(['drop']);
    expect(chain(x, 'w').rules.map((r) => r.text)).toEqual(['accept']);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        const rs = parseNftText(s);
        expect(rs.lineCount).toBeGreaterThanOrEqual(0);
        expect(rs.malformed.filter((m) => m.reason.startsWith('internal parser error'))).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on arbitrary sequences of nft words', () => {
    const word = fc.constantFrom(
      'table', 'chain', 'set', 'map', 'add', 'delete', 'flush', 'insert', 'replace', 'rule', 'element', 'ip', 'ip6', 'inet', 'kube-proxy', 'c', 's',
      '{', '}', ';', ',', ':', '.', '=', 'elements', 'type', 'hook', 'priority', 'dstnat', '-', '10', 'policy', 'accept', 'drop', 'jump', 'goto',
      'vmap', 'numgen', 'random', 'mod', '2', 'dnat', 'to', '10.0.0.1:80', '[fd00::1]:80', '@s', 'update', 'ip saddr', 'comment', '"x"', '"',
      'counter', 'packets', 'bytes', 'meta', 'mark', 'set', 'and', '0x4000', '==', '!=', '#', '# handle 3', '\n', '\t', 'ct', 'state', 'fib',
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 80 }), (words) => {
        const rs = parseNftText(words.join(' '));
        expect(rs.malformed.filter((m) => m.reason.startsWith('internal parser error'))).toEqual([]);
      }),
      { numRuns: 600 },
    );
  });
});
