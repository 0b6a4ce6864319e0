import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NftRuleset, NftSet, NftTable } from '../../../../core/common/model/nft';
import { parseNftJson } from '../../../../core/common/parse/nftJson';

const corpus = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/corpus/nftables');

interface Sample {
  sourceTest: string;
  case: string;
  command: string;
  stdout: string;
}
const samples = (JSON.parse(readFileSync(join(corpus, 'knftables-nft-json-samples.json'), 'utf8')) as { samples: Sample[] }).samples;

function testing(rs: NftRuleset): NftTable {
  const t = rs.tables.find((x) => x.family === 'ip' && x.name === 'testing');
  if (!t) throw new Error('no table ip testing');
  return t;
}
function setOf(t: NftTable, name: string): NftSet {
  const s = t.maps.get(name) ?? t.sets.get(name);
  if (!s) throw new Error(`no set ${name}`);
  return s;
}

interface SampleCase {
  index: number;
  title: string;
  version: string;
  /** Chain name -> rule count. */
  chains: Record<string, number>;
  /** Set/map name -> element count. */
  sets: Record<string, number>;
}

// The 16 `nft -j` outputs of knftables' tests, in file order, with their exact contents.
const sampleCases: SampleCase[] = [
  { index: 0, title: 'empty list', version: '1.0.1', chains: {}, sets: {} },
  { index: 1, title: 'singular objType', version: '1.0.1', chains: { prerouting: 0, output: 0, postrouting: 0, 'KUBE-SERVICES': 0, testchain: 1 }, sets: { test: 0 } },
  { index: 2, title: 'no rules', version: '1.0.1', chains: { testchain: 0 }, sets: {} },
  { index: 3, title: 'normal output', version: '1.0.1', chains: { testchain: 3 }, sets: {} },
  { index: 4, title: 'all rules in table', version: '1.0.2', chains: { chain1: 1, chain2: 1 }, sets: {} },
  { index: 5, title: 'no elements (no elem key)', version: '1.0.1', chains: {}, sets: { test: 0 } },
  { index: 6, title: 'no elements (empty elem)', version: '1.0.1', chains: {}, sets: { test: 0 } },
  { index: 7, title: 'simple type', version: '1.0.1', chains: {}, sets: { test: 3 } },
  { index: 8, title: 'concatenated type', version: '1.0.1', chains: {}, sets: { test: 3 } },
  { index: 9, title: 'prefix type', version: '1.0.1', chains: {}, sets: { test: 1 } },
  { index: 10, title: 'simple map', version: '1.0.1', chains: {}, sets: { test: 2 } },
  { index: 11, title: 'verdict map, concatenated key', version: '1.0.1', chains: {}, sets: { test: 3 } },
  { index: 12, title: 'concat plus prefix (plus counter)', version: '1.1.1', chains: {}, sets: { test: 1 } },
  { index: 13, title: 'no counters', version: '1.0.6', chains: {}, sets: {} },
  { index: 14, title: 'single counter with comment', version: '1.0.6', chains: {}, sets: {} },
  { index: 15, title: 'multiple counters without comments', version: '1.0.6', chains: {}, sets: {} },
];

describe('parseNftJson on the knftables samples', () => {
  it('covers all 16 samples', () => {
    expect(samples).toHaveLength(sampleCases.length);
  });

  it.each(sampleCases)('reads sample $index ($title) completely', ({ index, version, chains, sets }) => {
    const rs = parseNftJson(samples[index].stdout);
    expect(rs.malformed).toEqual([]);
    expect(rs.syntax).toBe('json');
    expect(rs.nftVersion).toBe(version);
    const gotChains: Record<string, number> = {};
    const gotSets: Record<string, number> = {};
    for (const t of rs.tables) {
      for (const c of t.chains.values()) gotChains[c.name] = c.rules.length;
      for (const s of [...t.sets.values(), ...t.maps.values()]) gotSets[s.name] = s.elements.length;
    }
    expect(gotChains).toEqual(chains);
    expect(gotSets).toEqual(sets);
    expect(rs.lineCount).toBe((JSON.parse(samples[index].stdout) as { nftables: unknown[] }).nftables.length);
  });

  it('reads base chain specs with numeric priorities', () => {
    const t = testing(parseNftJson(samples[1].stdout));
    expect(t.chains.get('prerouting')).toMatchObject({ type: 'nat', hook: 'prerouting', priority: -100, policy: 'accept', handle: 1, line: 2 });
    expect(t.chains.get('KUBE-SERVICES')).toMatchObject({ handle: 11, hook: undefined });
    // the rule's chain has no chain object: it is created as "only referenced" (line 0)
    expect(t.chains.get('testchain')?.line).toBe(0);
    expect(t.line).toBe(0);
  });

  it('reads rule matches, verdicts and comments from expr arrays', () => {
    const c = testing(parseNftJson(samples[3].stdout)).chains.get('testchain');
    expect(c?.rules.map((r) => [r.text, r.handle, r.line])).toEqual([
      ['ct state { established, related } accept', 169, 3],
      ['ct status dnat accept comment "This rule does something"', 170, 4],
      ['meta iifname lo accept', 171, 5],
    ]);
    expect(c?.rules[0].matches[0]).toEqual({ left: 'ct state', op: '==', right: '{ established, related }', set: undefined, values: ['established', 'related'] });
    expect(c?.rules[1]).toMatchObject({ comment: 'This rule does something', verdict: { kind: 'accept' } });
    expect(c?.rules[1].matches[0]).toMatchObject({ left: 'ct status', op: '==', values: ['dnat'] });
    expect(c?.rules[0].raw).toBe(JSON.stringify((JSON.parse(samples[3].stdout) as { nftables: unknown[] }).nftables[2]));
  });

  it('reads counters of rules', () => {
    const t = testing(parseNftJson(samples[4].stdout));
    expect(t.line).toBe(2);
    expect(t.handle).toBe(3);
    expect(t.chains.get('chain1')?.rules[0]).toMatchObject({ text: 'ip daddr 8.8.8.8 counter packets 0 bytes 0', counters: { packets: 0, bytes: 0 } });
  });

  it.each([
    { index: 7, type: 'ipv4_addr', keys: [['192.168.1.1'], ['192.168.1.2'], ['192.168.1.3']], comments: [undefined, undefined, 'with a comment'] },
    {
      index: 8,
      type: 'ipv4_addr . inet_proto . inet_service',
      keys: [['192.168.1.3', 'tcp', '80'], ['192.168.1.4', 'udp', '80'], ['192.168.1.5', 'tcp', '443']],
      comments: [undefined, undefined, 'foo'],
    },
    { index: 9, type: 'ipv4_addr', keys: [['192.168.0.0/16']], comments: [undefined] },
    { index: 12, type: 'ipv4_addr . ipv4_addr', keys: [['10.0.0.1', '192.168.100.0/24']], comments: [undefined] },
  ])('reads set elements of sample $index (strings, concat, prefix, elem wrappers)', ({ index, type, keys, comments }) => {
    const s = setOf(testing(parseNftJson(samples[index].stdout)), 'test');
    expect(s.kind).toBe('set');
    expect(s.type).toBe(type);
    expect(s.elements.map((e) => e.key)).toEqual(keys);
    expect(s.elements.map((e) => e.comment)).toEqual(comments);
    for (const e of s.elements) expect(e.line).toBe(2);
  });

  it('reads a data map with values and a comment on one key', () => {
    const m = setOf(testing(parseNftJson(samples[10].stdout)), 'test');
    expect(m).toMatchObject({ kind: 'map', type: 'ipv4_addr : inet_service' });
    expect(m.elements.map((e) => [e.key, e.value, e.comment])).toEqual([
      [['10.0.0.1'], '80', undefined],
      [['10.0.0.2'], '443', 'a comment'],
    ]);
  });

  it('reads a verdict map with concatenated keys', () => {
    const m = setOf(testing(parseNftJson(samples[11].stdout)), 'test');
    expect(m.type).toBe('ipv4_addr . inet_proto : verdict');
    expect(m.elements.map((e) => [e.key.join(' . '), e.verdict, e.comment])).toEqual([
      ['192.168.1.1 . tcp', { kind: 'drop' }, undefined],
      ['192.168.1.3 . tcp', { kind: 'return' }, 'foo'],
      ['192.168.1.2 . udp', { kind: 'goto', target: 'test' }, undefined],
    ]);
    expect(m.elements[1].raw).toBe('[{"elem":{"val":{"concat":["192.168.1.3","tcp"]},"comment":"foo"}},{"return":null}]');
  });

  it('reads element counters and set flags', () => {
    const s = setOf(testing(parseNftJson(samples[12].stdout)), 'test');
    expect(s.flags).toEqual(['interval']);
    expect(s.elements[0].counters).toEqual({ packets: 0, bytes: 0 });
  });
});

describe('parseNftJson on a real kube-proxy table (nft 1.0.6)', () => {
  const rs = parseNftJson(readFileSync(join(corpus, 'derived-nft-1.0.6-j-list-ruleset-of-k8s-test-overall.json'), 'utf8'));
  const t = rs.tables[0];

  it('reads the whole table', () => {
    expect(rs.malformed).toEqual([]);
    expect(rs.nftVersion).toBe('1.0.6');
    expect([t.family, t.name, t.chains.size, t.sets.size, t.maps.size, rs.ruleCount, rs.elementCount]).toEqual(['ip', 'kube-proxy', 32, 3, 5, 57, 24]);
  });

  it('reads numgen vmaps, dnat targets and affinity updates', () => {
    const svc = t.chains.get('service-LAUZTJTB-ns4/svc4/tcp/p80')?.rules[1];
    expect(svc?.numgen).toEqual({
      mode: 'random', mod: 2, offset: 0,
      entries: [
        { index: 0, verdict: { kind: 'goto', target: 'endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80' } },
        { index: 1, verdict: { kind: 'goto', target: 'endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80' } },
      ],
    });
    expect(svc?.text).toBe('numgen random mod 2 vmap { 0 : goto endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80, 1 : goto endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 }');
    const ep = t.chains.get('endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80')?.rules;
    expect(ep?.[1].setUpdates).toEqual([{ op: 'update', set: 'affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80', key: 'ip saddr' }]);
    expect(ep?.[2].dnat).toEqual({ to: '10.180.0.3:80', addr: '10.180.0.3', port: 80 });
    expect(ep?.[2].text).toBe('meta l4proto tcp dnat to 10.180.0.3:80');
  });

  it('reads the no-endpoint map with its element comments', () => {
    const m = t.maps.get('no-endpoint-services');
    expect(m?.elements.map((e) => [e.key.join(' . '), e.comment, e.verdict])).toEqual([
      ['1.2.3.4 . tcp . 80', 'ns2/svc2:p80', { kind: 'drop' }],
      ['192.168.99.22 . tcp . 80', 'ns2/svc2:p80', { kind: 'drop' }],
      ['172.30.0.46 . tcp . 80', 'ns6/svc6:p80', { kind: 'goto', target: 'reject-chain' }],
    ]);
  });

  it('reads the affinity set timeout in seconds', () => {
    expect(t.sets.get('affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80')).toMatchObject({ timeout: 10800, size: 65535, type: 'ipv4_addr' });
  });

  it('reads IPv6 dnat targets', () => {
    const v6 = parseNftJson(readFileSync(join(corpus, 'derived-nft-1.0.6-j-list-ruleset-of-knftables-fake-test-kube-proxy-ipv6.json'), 'utf8'));
    const r = v6.tables[0].chains.get('endpoint-ZVRFLKHO-ns1/svc1/tcp/p80__fd00.10.180..1/80')?.rules[1];
    expect(r?.dnat).toEqual({ to: '[fd00:10:180::1]:80', addr: 'fd00:10:180::1', port: 80 });
  });
});

describe('parseNftJson: commands and damage', () => {
  const doc = (items: unknown[]): string => JSON.stringify({ nftables: items });
  const tbl = { family: 'ip', name: 'kube-proxy' };
  const ch = { family: 'ip', table: 'kube-proxy', name: 'c' };
  const map = { family: 'ip', table: 'kube-proxy', name: 'm', type: ['inet_proto', 'inet_service'], map: 'verdict' };
  const el = (proto: string, port: number) => [{ concat: [proto, port] }, { drop: null }];

  it('applies add, delete and flush command wrappers', () => {
    const rs = parseNftJson(
      doc([
        { add: { table: tbl } },
        { add: { chain: ch } },
        { add: { rule: { ...ch, chain: 'c', name: undefined, expr: [{ accept: null }] } } },
        { insert: { rule: { ...ch, chain: 'c', name: undefined, expr: [{ drop: null }] } } },
        { add: { map } },
        { add: { element: { ...map, elem: [el('tcp', 80), el('tcp', 81)] } } },
        { delete: { element: { ...map, elem: [{ concat: ['tcp', 80] }] } } },
        { add: { chain: { ...ch, name: 'gone' } } },
        { delete: { chain: { ...ch, name: 'gone' } } },
      ]),
    );
    expect(rs.malformed).toEqual([]);
    const t = rs.tables[0];
    expect([...t.chains.keys()]).toEqual(['c']);
    expect(t.chains.get('c')?.rules.map((r) => r.text)).toEqual(['drop', 'accept']);
    expect(t.maps.get('m')?.elements.map((e) => e.key.join(' . '))).toEqual(['tcp . 81']);
    expect(t.line).toBe(1);
  });

  it('flushes a chain and the whole ruleset', () => {
    const rule = { rule: { ...ch, chain: 'c', expr: [{ accept: null }] } };
    expect(parseNftJson(doc([{ table: tbl }, { chain: ch }, rule, { flush: { chain: ch } }])).ruleCount).toBe(0);
    expect(parseNftJson(doc([{ table: tbl }, { chain: ch }, rule, { flush: { ruleset: null } }])).tables).toEqual([]);
  });

  const damaged: { name: string; text: string; reasons: string[]; lines: number[] }[] = [
    { name: 'invalid JSON', text: '{"nftables": [', reasons: ['invalid JSON'], lines: [1] },
    { name: 'a document without nftables array', text: '{"foo": 1}', reasons: ['not an nft JSON document (no "nftables" array)'], lines: [1] },
    { name: 'a non-object entry', text: doc([{ metainfo: {} }, 5]), reasons: ['not an object'], lines: [2] },
    { name: 'an empty object', text: doc([{}]), reasons: ['empty object'], lines: [1] },
    { name: 'an unknown family', text: doc([{ table: { family: 'ipx', name: 'x' } }]), reasons: ['missing or unknown family/name'], lines: [1] },
    { name: 'a rule without chain', text: doc([{ rule: { family: 'ip', table: 't', expr: [] } }]), reasons: ['rule without chain'], lines: [1] },
    { name: 'a chain that is not an object', text: doc([{ chain: 'x' }]), reasons: ['chain: not an object'], lines: [1] },
  ];
  it.each(damaged)('reports $name in malformed', ({ text, reasons, lines }) => {
    const rs = parseNftJson(text);
    expect(rs.malformed.map((m) => m.reason.split(':')[0] === 'invalid JSON' ? 'invalid JSON' : m.reason)).toEqual(reasons);
    expect(rs.malformed.map((m) => m.line)).toEqual(lines);
  });

  it('reads odd but valid expressions without losing the rule', () => {
    const rs = parseNftJson(
      doc([
        { rule: { family: 'ip', table: 't', chain: 'c', expr: [{ xt: { type: 'match', name: 'comment' } }, { weird: null }, 'str', { jump: { target: 'x' } }] } },
        { rule: { family: 'ip', table: 't', chain: 'c', expr: [{ dnat: { addr: { map: { key: { numgen: { mode: 'random', mod: 2, offset: 0 } }, data: { set: [[0, { concat: ['10.0.0.1', 80] }], [1, { concat: ['10.0.0.2', 80] }]] } } }, family: 'ip' } }] } },
      ]),
    );
    const [a, b] = rs.tables[0].chains.get('c')?.rules ?? [];
    expect(a.verdict).toEqual({ kind: 'jump', target: 'x' });
    expect(a.text).toBe('xt match "comment" weird str jump x');
    expect(b.numgen?.entries).toEqual([{ index: 0, value: '10.0.0.1 . 80' }, { index: 1, value: '10.0.0.2 . 80' }]);
    expect(b.dnat?.family).toBe('ip');
  });

  it('never throws on arbitrary JSON in the nftables array', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 5 }), { maxLength: 10 }), (items) => {
        const rs = parseNftJson(doc(items));
        expect(rs.lineCount).toBe(items.length);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on nft-shaped objects with arbitrary fields', () => {
    const anyVal = fc.jsonValue({ maxDepth: 3 });
    const obj = fc.record({
      family: fc.oneof(fc.constantFrom('ip', 'ip6', 'inet'), anyVal),
      table: fc.oneof(fc.constant('t'), anyVal),
      name: fc.oneof(fc.constant('n'), anyVal),
      chain: fc.oneof(fc.constant('c'), anyVal),
      expr: fc.oneof(fc.array(fc.dictionary(fc.constantFrom('match', 'vmap', 'dnat', 'set', 'counter', 'goto', 'masquerade', 'reject', 'mangle'), anyVal, { maxKeys: 1 })), anyVal),
      elem: fc.oneof(fc.array(anyVal), anyVal),
      type: anyVal,
      map: anyVal,
      prio: anyVal,
    }, { requiredKeys: [] });
    const item = fc.tuple(fc.constantFrom('table', 'chain', 'rule', 'set', 'map', 'element', 'add', 'delete', 'flush'), obj).map(([k, v]) => (k === 'add' || k === 'delete' || k === 'flush' ? { [k]: { rule: v } } : { [k]: v }));
    fc.assert(
      fc.property(fc.array(item, { maxLength: 12 }), (items) => {
        const rs = parseNftJson(doc(items));
        expect(rs.malformed.every((m) => !m.reason.startsWith('internal parser error'))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        expect(parseNftJson(s).tables.length).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});
