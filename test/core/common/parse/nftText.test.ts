import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NftRuleset } from '../../../../core/common/model/nft';
import { parseNftText } from '../../../../core/common/parse/nftText';
import { chain, corpus, kp, load, set, table } from './_nftLookup';


interface CorpusCase {
  file: string;
  syntax: NftRuleset['syntax'];
  /** `family name` -> [chains, sets, maps]. */
  tables: Record<string, [number, number, number]>;
  rules: number;
  elements: number;
  malformedLines: number[];
}

// Every text file of test/fixtures/corpus/nftables with its exact counts.
const corpusCases: CorpusCase[] = [
  { file: 'k8s-test-overall-nft-transaction.nft', syntax: 'transaction', tables: { 'ip kube-proxy': [32, 3, 5] }, rules: 57, elements: 24, malformedLines: [] },
  { file: 'knftables-fake-test-kube-proxy-ipv6-transaction.nft', syntax: 'transaction', tables: { 'ip6 kube-proxy': [20, 2, 5] }, rules: 31, elements: 5, malformedLines: [] },
  { file: 'real-k3s-nft-list-table-kube-proxy.nft', syntax: 'list', tables: { 'ip kube-proxy': [43, 2, 5] }, rules: 77, elements: 20, malformedLines: [] },
  {
    file: 'real-kubeadm-nft-a-list-table-kube-proxy-excerpt.nft',
    syntax: 'list',
    tables: {
      'ip nat': [0, 0, 0], 'ip filter': [0, 0, 0], 'ip mangle': [0, 0, 0], 'ip6 mangle': [0, 0, 0], 'ip6 nat': [0, 0, 0], 'ip6 filter': [0, 0, 0],
      'ip kube-proxy': [4, 2, 5], 'ip6 kube-proxy': [0, 0, 0],
    },
    rules: 8,
    elements: 19,
    // the author's `....` cut, and the table block it leaves open
    malformedLines: [83, 11],
  },
  { file: 'real-iptables-nft-kube-services-as-nft-excerpt.txt', syntax: 'list', tables: { 'ip ': [1, 0, 0] }, rules: 10, elements: 0, malformedLines: [3, 13] },
  {
    file: 'calico-issue-8025-nft-list-ruleset-iptables-nft-excerpt.nft',
    syntax: 'list',
    tables: { 'ip ': [15, 0, 0], 'ip nat': [1, 0, 0] },
    rules: 27,
    elements: 0,
    malformedLines: [2, 11, 16, 21, 26, 31, 39, 44, 48, 51, 54, 57, 60, 63, 69, 71, 72, 73],
  },
  { file: 'derived-nft-1.0.6-a-list-ruleset-of-k8s-test-overall.nft', syntax: 'list', tables: { 'ip kube-proxy': [32, 3, 5] }, rules: 57, elements: 24, malformedLines: [] },
  {
    file: 'derived-nft-1.0.6-a-list-ruleset-of-knftables-fake-test-kube-proxy-ipv6.nft',
    syntax: 'list',
    tables: { 'ip6 kube-proxy': [20, 2, 5] },
    rules: 31,
    elements: 5,
    malformedLines: [],
  },
];

describe('parseNftText on the corpus', () => {
  it.each(corpusCases)('reads $file with exact table, rule and element counts', ({ file, syntax, tables, rules, elements, malformedLines }) => {
    const rs = load(file);
    expect(rs.syntax).toBe(syntax);
    const got: Record<string, [number, number, number]> = {};
    for (const t of rs.tables) got[`${t.family} ${t.name}`] = [t.chains.size, t.sets.size, t.maps.size];
    expect(got).toEqual(tables);
    expect(rs.ruleCount).toBe(rules);
    expect(rs.elementCount).toBe(elements);
    expect(rs.malformed.map((m) => m.line)).toEqual(malformedLines);
  });

  it.each(corpusCases)('gives every rule and element of $file its own line and raw text', ({ file }) => {
    const text = readFileSync(join(corpus, file), 'utf8');
    const lines = text.split('\n');
    const rs = parseNftText(text);
    for (const t of rs.tables) {
      for (const c of t.chains.values()) {
        for (const r of c.rules) {
          expect(r.raw).toBe(lines[r.line - 1]);
          expect(r.text).not.toContain('# handle');
          expect(r.chain).toBe(c.name);
        }
      }
      for (const s of [...t.sets.values(), ...t.maps.values()]) {
        for (const e of s.elements) expect(lines[e.line - 1]).toContain(e.raw);
      }
    }
  });
});

describe('parseNftText: nft list output', () => {
  const k3s = load('real-k3s-nft-list-table-kube-proxy.nft');
  const t = kp(k3s);

  it('joins an elements list wrapped over several lines', () => {
    const ips = set(t, 'cluster-ips');
    expect(ips.kind).toBe('set');
    expect(ips.type).toBe('ipv4_addr');
    expect(ips.comment).toBe('Active ClusterIPs');
    expect(ips.elements.map((e) => e.key.join())).toEqual(['10.43.0.1', '10.43.0.10', '10.43.10.165', '10.43.21.102', '10.43.22.243', '10.43.34.64', '10.43.195.72']);
    expect(ips.elements.map((e) => e.line)).toEqual([53, 53, 54, 54, 55, 55, 56]);
  });

  it('reads verdict map elements with concatenated keys', () => {
    const m = set(t, 'service-ips');
    expect(m.kind).toBe('map');
    expect(m.type).toBe('ipv4_addr . inet_proto . inet_service : verdict');
    expect(m.elements).toHaveLength(9);
    expect(m.elements[2]).toMatchObject({ key: ['10.43.195.72', 'tcp', '8000'], verdict: { kind: 'goto', target: 'service-P6J77WGM-riset/hellopod-np-svc/tcp/' }, line: 19 });
  });

  it('keeps the element comment that sits between key and colon', () => {
    const m = set(t, 'no-endpoint-services');
    expect(m.elements.map((e) => [e.key.join(' . '), e.comment, e.verdict])).toEqual([
      ['10.43.21.102 . tcp . 4317', 'riset/otelcol-opentelemetry-collector:otlp', { kind: 'goto', target: 'reject-chain' }],
      ['10.43.21.102 . tcp . 4318', 'riset/otelcol-opentelemetry-collector:otlp-http', { kind: 'goto', target: 'reject-chain' }],
    ]);
  });

  it('reads a 9-way numgen vmap in endpoint order', () => {
    const r = chain(t, 'service-P6J77WGM-riset/hellopod-np-svc/tcp/').rules[1];
    expect(r.numgen?.mod).toBe(9);
    expect(r.numgen?.mode).toBe('random');
    expect(r.numgen?.entries.map((e) => e.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.numgen?.entries[8].verdict).toEqual({ kind: 'goto', target: 'endpoint-ZWSL4UYY-riset/hellopod-np-svc/tcp/__10.42.5.164/8080' });
    expect(r.vmap?.key).toBe('numgen random mod 9');
    expect(r.vmap?.entries).toHaveLength(9);
    expect(r.verdict).toBeUndefined();
  });

  it.each([
    { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', priority: -100, priorityText: 'dstnat' },
    { name: 'filter-prerouting', type: 'filter', hook: 'prerouting', priority: -110, priorityText: 'dstnat - 10' },
    { name: 'filter-output-post-dnat', type: 'filter', hook: 'output', priority: -90, priorityText: '-90' },
    { name: 'nat-postrouting', type: 'nat', hook: 'postrouting', priority: 100, priorityText: 'srcnat' },
  ])('normalises the priority of base chain $name ($priorityText)', ({ name, ...want }) => {
    expect(chain(t, name)).toMatchObject({ ...want, policy: 'accept' });
  });

  it('reads the parts of a service chain rule: matches, verdict', () => {
    const r = chain(t, 'service-2QRHZV4L-default/kubernetes/tcp/https').rules[0];
    expect(r.matches.map((m) => [m.left, m.op, m.values])).toEqual([
      ['ip daddr', '==', ['10.43.0.1']],
      ['tcp dport', '==', ['443']],
      ['ip saddr', '!=', ['10.42.0.0/16']],
    ]);
    expect(r.verdict).toEqual({ kind: 'jump', target: 'mark-for-masquerade' });
  });

  it('reads the dnat target of an endpoint chain', () => {
    const r = chain(t, 'endpoint-MIBO4EMV-default/kubernetes/tcp/https__10.34.4.142/6443').rules[1];
    expect(r.dnat).toEqual({ to: '10.34.4.142:6443', addr: '10.34.4.142', port: 6443 });
    expect(r.matches[0]).toMatchObject({ left: 'meta l4proto', values: ['tcp'] });
  });

  it('reads named set lookups and vmaps, with every set reference', () => {
    const r = chain(t, 'services').rules[1];
    expect(r.matches[0]).toMatchObject({ left: 'ip daddr', set: 'nodeport-ips', values: [] });
    expect(r.vmap).toEqual({ key: 'meta l4proto . th dport', map: 'service-nodeports' });
    expect(r.setRefs).toEqual(['nodeport-ips', 'service-nodeports']);
  });

  it('spells mark expressions the same way as JSON (meta mark & 16384)', () => {
    const r = chain(t, 'masquerading').rules[0];
    expect(r.matches[0]).toMatchObject({ left: 'meta mark & 16384', op: '==', values: ['0'] });
    expect(r.verdict).toEqual({ kind: 'return' });
    expect(chain(t, 'masquerading').rules[2].masquerade).toBe(true);
  });

  it('keeps chain and rule comments apart', () => {
    const c = chain(t, 'reject-chain');
    expect(c.comment).toBe('helper for @no-endpoint-services / @no-endpoint-nodeports');
    expect(c.rules.map((r) => r.text)).toEqual(['reject']);
    expect(chain(t, 'cluster-ips-check').rules[0]).toMatchObject({ comment: 'Reject traffic to invalid ports of ClusterIPs', verdict: { kind: 'reject' } });
  });

  it('reads `# handle N` of tables, sets, chains and rules (nft -a)', () => {
    const rs = load('real-kubeadm-nft-a-list-table-kube-proxy-excerpt.nft');
    const k = table(rs, 'ip', 'kube-proxy');
    expect(k).toMatchObject({ handle: 18, line: 11, comment: 'rules for kube-proxy' });
    expect(set(k, 'cluster-ips').handle).toBe(39);
    const c = chain(k, 'service-MJTK4JPM-home/http-server/tcp/mainhttp');
    expect(c.handle).toBe(62);
    expect(c.rules.map((r) => r.handle)).toEqual([136, 138]);
    expect(c.rules[1].numgen?.entries).toHaveLength(4);
    expect(c.rules[1].text.endsWith('}')).toBe(true);
  });

  it('reads iptables-nft rules seen through nft (doubled and leading spaces, counters)', () => {
    const rs = load('calico-issue-8025-nft-list-ruleset-iptables-nft-excerpt.nft');
    const orphan = table(rs, 'ip', '');
    const svc = chain(orphan, 'KUBE-SVC-JOQCPDX2ATLAF3TL');
    expect(svc.rules[1]).toMatchObject({ text: 'counter packets 0 bytes 0 jump KUBE-SEP-CVFYIOPWUU23HGF5', counters: { packets: 0, bytes: 0 } });
    const sep = chain(orphan, 'KUBE-SEP-CVFYIOPWUU23HGF5');
    expect(sep.rules[1].text).toBe('meta l4proto tcp counter packets 0 bytes 0 dnat to 10.42.0.10:10250');
    expect(sep.rules[1].dnat).toMatchObject({ addr: '10.42.0.10', port: 10250 });
    const fw = chain(orphan, 'KUBE-FIREWALL').rules[0];
    expect(fw.matches.map((m) => `${m.left} ${m.op} ${m.right}`)).toEqual(['ip saddr != 127.0.0.0/8', 'ip daddr == 127.0.0.0/8', 'ct status == dnat']);
    expect(fw.dnat).toBeUndefined();
    expect(fw.verdict).toEqual({ kind: 'drop' });
    expect(chain(orphan, 'OUTPUT')).toMatchObject({ type: 'filter', hook: 'output', priority: 0 });
    expect(chain(orphan, 'KUBE-FORWARD').rules[2].matches[0].values).toEqual(['related', 'established']);
  });

  it('attaches the iptables-nft warning line to the table it names', () => {
    const rs = parseNftText(
      '# Warning: table ip nat is managed by iptables-nft, do not touch!\ntable ip nat {\n\tchain KUBE-SERVICES {\n\t\tip daddr 10.96.0.1  tcp dport 443 counter packets 0 bytes 0 jump KUBE-SVC-NPX46M4PTMTKRN6Y\n\t}\n}\n',
    );
    expect(rs.malformed).toEqual([]);
    expect(table(rs, 'ip', 'nat').warning).toEqual({ line: 1, raw: '# Warning: table ip nat is managed by iptables-nft, do not touch!' });
    expect(chain(table(rs, 'ip', 'nat'), 'KUBE-SERVICES').rules[0].verdict).toEqual({ kind: 'jump', target: 'KUBE-SVC-NPX46M4PTMTKRN6Y' });
  });

  it('reads dynamic set elements with timeout and expires', () => {
    const rs = parseNftText(
      'table ip kube-proxy {\n\tset affinity-X {\n\t\ttype ipv4_addr\n\t\tsize 65535\n\t\tflags dynamic,timeout\n\t\ttimeout 3h\n\t\telements = { 10.0.0.5 timeout 3h expires 2h59m57s384ms, 10.0.0.6 counter packets 2 bytes 120 }\n\t}\n}\n',
    );
    const s = set(kp(rs), 'affinity-X');
    expect(s).toMatchObject({ flags: ['dynamic', 'timeout'], timeout: 10800, size: 65535 });
    expect(s.elements[0]).toMatchObject({ key: ['10.0.0.5'], timeout: 10800, expires: 10797.384 });
    expect(s.elements[1]).toMatchObject({ key: ['10.0.0.6'], counters: { packets: 2, bytes: 120 } });
  });
});
