import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterState, NftRuleset } from '../../core/common/model';
import { nftAffinitySetName, nftEndpointChainName, nftServiceChainName } from '../../core/common/kube/chainNames';
import { hashPrefix } from '../../core/common/kube/sha256Short';
import { parseNftDump } from '../../core/common/parse/nftDump';
import { readCorpus, toService, toSlice } from '../core/common/kube/corpusCluster';
import type { TService, TSlice } from '../core/common/kube/corpusCluster';
import { chunkNftTransaction, nftRoundTrip } from './nftNetns';
import { describeWithTools } from './requireTool';
import { clusterBuilder, nodeIpOf } from './scenario/clusterBuilder';
import { faultScenarios } from './scenario/faultScenarios';
import type { KubeProxyNftablesOptions } from './scenario/kubeProxyNftables';
import { renderKubeProxyNftables } from './scenario/kubeProxyNftables';
import type { NftFault } from './scenario/nftFaults';

// The nftables writer is checked against kube-proxy's own transaction for TestOverallNFTablesRules
// (knftables' fake dump in pkg/proxy/nftables/proxier_test.go, corpus fixture), per object:
// declarations as a set, rules per chain in order, elements per set/map as a set (kube-proxy walks
// its Services in Go map order and the fake sorts objects).

const CORPUS = join(__dirname, '..', 'fixtures', 'corpus', 'nftables');
const read = (file: string) => readFileSync(join(CORPUS, file), 'utf8');

interface ByObject {
  objects: string[];
  rules: Record<string, string[]>;
  elements: Record<string, string[]>;
}

function byObject(text: string): ByObject {
  const out: ByObject = { objects: [], rules: {}, elements: {} };
  for (const line of text.split('\n')) {
    const m = /^add (table|chain|set|map|rule|element) ip6? kube-proxy (\S+) ?(.*)$/.exec(line);
    if (!m) continue;
    const [, verb, name, rest] = m;
    if (verb === 'rule') (out.rules[name] ??= []).push(rest);
    else if (verb === 'element') (out.elements[name] ??= []).push(rest);
    else out.objects.push(line);
  }
  out.objects.sort();
  for (const list of Object.values(out.elements)) list.sort();
  return out;
}

/** Every `add` line names only objects added on earlier lines (nft -f has no forward references). */
function forwardReferences(text: string): string[] {
  const known = new Set<string>();
  const bad: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^add (table|chain|set|map|rule|element) ip6? kube-proxy (\S+) ?(.*)$/.exec(line);
    if (!m) continue;
    const [, verb, name, rest] = m;
    if (verb === 'chain' || verb === 'set' || verb === 'map') known.add(name);
    const refs = verb === 'rule' || verb === 'element' ? [name] : [];
    const words = rest.replace(/"[^"]*"/g, '""').split(/\s+/);
    words.forEach((w, i) => {
      if (w.startsWith('@')) refs.push(w.slice(1));
      if ((w === 'jump' || w === 'goto') && words[i + 1]) refs.push(words[i + 1]);
    });
    for (const r of refs) if (!known.has(r)) bad.push(`${r} in: ${line}`);
  }
  return bad;
}

const overall = readCorpus<{ services: TService[]; endpointSlices: TSlice[] }>('k8s-test-overall-inputs.json');
const overallState: ClusterState = { services: overall.services.map(toService), endpointSlices: overall.endpointSlices.map(toSlice), pods: [], nodes: [] };
// TestOverallNFTablesRules: --cluster-cidr 10.0.0.0/8, node IP 192.168.0.2, ServiceCIDR
// 172.30.0.0/16; its fake proxier uses the mark `0x4000` where kube-proxy prints `0x004000`.
const overallOpts: KubeProxyNftablesOptions = { clusterCIDR: '10.0.0.0/8', nodeIPs: ['192.168.0.2'], serviceCIDRs: ['172.30.0.0/16'], masqueradeMark: '0x4000' };
const renderOverall = (extra: Partial<KubeProxyNftablesOptions> = {}) => renderKubeProxyNftables(overallState, 'test-node', { ...overallOpts, ...extra });

function web(n = 3) {
  return clusterBuilder().node('n1').node('n2').service('ns/web', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }).pods('ns/web', n);
}
const webOpts = (b: ReturnType<typeof web>, faults: NftFault[] = []): KubeProxyNftablesOptions => ({ clusterCIDR: b.clusterCIDR, nodeIPs: [nodeIpOf(b.build(), 'n1') ?? ''], faults });
const dnatTargets = (text: string) => [...text.matchAll(/dnat to (\S+)/g)].map((m) => m[1]).sort();
const SVC = nftServiceChainName('service', 'ns', 'web', 'tcp', 'http');

describe('renderKubeProxyNftables', () => {
  it('writes the same objects, rules per chain and elements per map as kube-proxy for TestOverallNFTablesRules', () => {
    expect(byObject(renderOverall())).toEqual(byObject(read('k8s-test-overall-nft-transaction.nft')));
  });

  const scenarioNodes = faultScenarios()
    .filter((s) => s.name !== 'lb-skew') // skew-probability has no nftables form
    .flatMap((s) => s.nodes.map((n) => ({ name: `${s.name}/${n.name}`, text: renderKubeProxyNftables(n.state ?? s.state, n.name, { clusterCIDR: s.clusterCIDR, nodeIPs: [nodeIpOf(s.state, n.name) ?? ''], faults: n.faults ?? [] }) })));
  it.each([{ name: 'TestOverallNFTablesRules', text: renderOverall() }, ...scenarioNodes])('adds every chain and set before referring to it ($name)', ({ text }) => {
    expect(forwardReferences(text)).toEqual([]);
  });

  it('load-balances n endpoints with one numgen vmap arm each, in ip:port order', () => {
    const b = web(4);
    const rules = byObject(renderKubeProxyNftables(b.build(), 'n1', webOpts(b))).rules[SVC];
    const arms = b.podsOf('ns/web').map((p) => p.ip).sort().map((ip, i) => `${i} : goto ${nftEndpointChainName('ns', 'web', 'tcp', 'http', ip, 8080)}`);
    expect(rules).toEqual([`ip daddr ${b.build().services[0].spec.clusterIP} ip saddr != ${b.clusterCIDR} jump mark-for-masquerade`, `numgen random mod 4 vmap { ${arms.join(' , ')} }`]);
  });

  it('matches every local address when no NodePort addresses are given', () => {
    const { objects, rules } = byObject(renderOverall({ nodeIPs: [] }));
    expect(objects.some((o) => o.includes(' nodeport-ips '))).toBe(false);
    expect(rules.services).toContain('fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports');
    expect(rules['nodeport-endpoints-check']).toEqual(['ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports']);
  });

  it('prints kube-proxy\'s own mark format by default', () => {
    expect(byObject(renderOverall({ masqueradeMark: undefined })).rules['mark-for-masquerade']).toEqual(['mark set mark or 0x004000']);
  });

  it('sends ETP=Local traffic to the local- chain with only this node\'s endpoints, and drops it where there are none', () => {
    const b = clusterBuilder().node('n1').node('n2').service('ns/lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerIPs: ['203.0.113.7'], ports: [{ name: 'http', port: 80, targetPort: 8080 }] }).pods('ns/lb', 2, { nodes: ['n2'] });
    const s = b.build();
    const local = nftServiceChainName('local', 'ns', 'lb', 'tcp', 'http');
    const ext = nftServiceChainName('external', 'ns', 'lb', 'tcp', 'http');
    const on = (node: string) => byObject(renderKubeProxyNftables(s, node, { clusterCIDR: b.clusterCIDR, nodeIPs: [nodeIpOf(s, node) ?? ''] }));
    const n1 = on('n1');
    const n2 = on('n2');
    expect(n1.rules[ext].at(-1)).toBe(`fib saddr type local goto ${nftServiceChainName('service', 'ns', 'lb', 'tcp', 'http')} comment "short-circuit local traffic"`);
    expect(n1.rules[local]).toBeUndefined();
    expect(n1.elements['no-endpoint-services']).toEqual(['{ 203.0.113.7 . tcp . 80 comment "ns/lb:http" : drop }']);
    expect(n1.elements['no-endpoint-nodeports']).toHaveLength(1);
    expect(n2.rules[ext].at(-1)).toBe(`goto ${local}`);
    expect(n2.rules[local]).toHaveLength(1);
    expect(n2.rules[local][0]).toMatch(/^numgen random mod 2 vmap /);
    expect(n2.elements['no-endpoint-services']).toBeUndefined();
  });

  it('writes an affinity set per endpoint, checks it before load balancing and updates it in the endpoint chain', () => {
    const b = clusterBuilder().node('n1').service('ns/cart', { ports: [{ name: 'http', port: 80, targetPort: 8080 }], affinitySeconds: 600 }).pods('ns/cart', 2);
    const text = renderKubeProxyNftables(b.build(), 'n1', { clusterCIDR: b.clusterCIDR, nodeIPs: ['172.18.0.2'] });
    const [ip] = b.podsOf('ns/cart').map((p) => p.ip).sort();
    const set = nftAffinitySetName('ns', 'cart', 'tcp', 'http', ip, 8080);
    const ep = nftEndpointChainName('ns', 'cart', 'tcp', 'http', ip, 8080);
    const { objects, rules } = byObject(text);
    expect(objects).toContain(`add set ip kube-proxy ${set} { type ipv4_addr ; flags dynamic,timeout ; timeout 600s ; }`);
    expect(rules[nftServiceChainName('service', 'ns', 'cart', 'tcp', 'http')][1]).toBe(`ip saddr @${set} goto ${ep}`);
    expect(rules[ep]).toEqual([`ip saddr ${ip} jump mark-for-masquerade`, `update @${set} { ip saddr }`, `meta l4proto tcp dnat to ${ip}:8080`]);
  });

  it.each([
    { ranges: ['203.0.113.0/25'], nodeIP: '192.168.0.2', expected: 'ip saddr != { 203.0.113.0/25 } drop' },
    { ranges: ['192.168.0.0/24', '203.0.113.0/25'], nodeIP: '192.168.0.2', expected: 'ip saddr != { 192.168.0.0/24 , 203.0.113.0/25 , 5.6.7.8 } drop' },
  ])('firewall chain allows $ranges (and the LB IPs when the node IP is in a range)', ({ ranges, nodeIP, expected }) => {
    const s = structuredClone(overallState);
    const svc5 = s.services.find((x) => x.metadata.name === 'svc5');
    if (svc5) svc5.spec.loadBalancerSourceRanges = ranges;
    const text = renderKubeProxyNftables(s, 'test-node', { ...overallOpts, nodeIPs: [nodeIP] });
    expect(byObject(text).rules[nftServiceChainName('firewall', 'ns5', 'svc5', 'tcp', 'p80')]).toEqual([expected]);
  });

  it.each([
    { fault: { kind: 'drop-endpoint' as const, service: 'ns/web', ip: '10.244.0.3' }, present: ['10.244.0.2:8080', '10.244.1.2:8080'], absent: ['10.244.0.3:8080'] },
    { fault: { kind: 'extra-endpoint' as const, service: 'ns/web', ip: '10.244.9.9' }, present: ['10.244.9.9:8080', '10.244.0.3:8080'], absent: [] },
  ])('applies the $fault.kind fault to the DNAT targets', ({ fault, present, absent }) => {
    const b = web(4);
    const targets = dnatTargets(renderKubeProxyNftables(b.build(), 'n1', webOpts(b, [fault])));
    for (const t of present) expect(targets).toContain(t);
    for (const t of absent) expect(targets).not.toContain(t);
  });

  it('ignore-readiness programs the not-ready pod', () => {
    const b = web(3);
    const sick = b.podsOf('ns/web')[2];
    b.setPod(sick.name, { ready: false });
    expect(dnatTargets(renderKubeProxyNftables(b.build(), 'n1', webOpts(b)))).not.toContain(`${sick.ip}:8080`);
    const text = renderKubeProxyNftables(b.build(), 'n1', webOpts(b, [{ kind: 'ignore-readiness', service: 'ns/web', ip: sick.ip }]));
    expect(dnatTargets(text)).toContain(`${sick.ip}:8080`);
    expect(byObject(text).rules[SVC][1]).toMatch(/^numgen random mod 3 /);
  });

  it('drop-service-port leaves no trace of the Service port, not even its ClusterIP', () => {
    const b = web(2).service('ns/db', { ports: [{ name: 'pg', port: 5432 }] }).pods('ns/db', 1);
    const s = b.build();
    const text = renderKubeProxyNftables(s, 'n1', webOpts(b, [{ kind: 'drop-service-port', service: 'ns/web' }]));
    expect(text).not.toContain('ns/web');
    expect(text).not.toContain(s.services.find((x) => x.metadata.name === 'web')?.spec.clusterIP);
    expect(text).toContain('ns/db/tcp/pg');
  });

  it('old-state renders a deleted Service from the older state (orphan chains and elements)', () => {
    const before = clusterBuilder().node('n1').service('ns/old', { ports: [{ name: 'http', port: 80 }] }).pods('ns/old', 2);
    const now = before.clone().removeService('ns/old').build();
    const opts = { clusterCIDR: before.clusterCIDR, nodeIPs: ['172.18.0.2'] };
    const text = renderKubeProxyNftables(now, 'n1', { ...opts, faults: [{ kind: 'old-state', service: 'ns/old', state: before.build() }] });
    expect(byObject(text).elements['service-ips']).toEqual([`{ ${before.build().services[0].spec.clusterIP} . tcp . 80 : goto ${nftServiceChainName('service', 'ns', 'old', 'tcp', 'http')} }`]);
    expect(renderKubeProxyNftables(now, 'n1', opts)).not.toContain('ns/old');
  });

  it.each([
    { name: 'skew-probability (numgen has no probabilities)', fault: { kind: 'skew-probability' as const, service: 'ns/web' }, error: /no probabilities to skew/ },
    { name: 'a Service port that does not exist', fault: { kind: 'drop-service-port' as const, service: 'ns/nope' }, error: /no Service port ns\/nope/ },
  ])('throws for $name', ({ fault, error }) => {
    const b = web(2);
    expect(() => renderKubeProxyNftables(b.build(), 'n1', webOpts(b, [fault]))).toThrow(error);
  });

  it.each([
    { chain: 'KUBE-SVC' as const, from: SVC },
    { chain: 'KUBE-SEP' as const, from: nftEndpointChainName('ns', 'web', 'tcp', 'http', '10.244.0.2', 8080) },
  ])('rename-chain $chain renames every reference of the nft chain and keeps its readable base with a wrong hash', ({ chain, from }) => {
    const b = web(2);
    const plain = renderKubeProxyNftables(b.build(), 'n1', webOpts(b));
    const renamed = renderKubeProxyNftables(b.build(), 'n1', webOpts(b, [{ kind: 'rename-chain', service: 'ns/web', chain }]));
    const base = from.replace(/^[a-z]+-[A-Z2-7]{8}-/, '');
    const prefix = from.split('-')[0];
    const to = `${prefix}-${hashPrefix(`hand-edited ${from}`, 8)}-${base}`;
    expect(renamed).not.toMatch(new RegExp(`${from.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?![\\w./-])`));
    expect(renamed.replaceAll(to, from)).toBe(plain);
    expect(renamed.split(to).length - 1).toBe(plain.split(from).length - 1);
  });

  it('rename-chain honours an explicit new name', () => {
    const b = web(2);
    const text = renderKubeProxyNftables(b.build(), 'n1', webOpts(b, [{ kind: 'rename-chain', service: 'ns/web', chain: 'KUBE-SVC', to: 'service-HANDEDIT-ns/web/tcp/http' }]));
    expect(byObject(text).elements['service-ips'][0]).toContain(': goto service-HANDEDIT-ns/web/tcp/http }');
  });
});

describe('chunkNftTransaction', () => {
  it('keeps every command once and in order, at most maxLines per piece, without comments and blank lines', () => {
    const text = read('k8s-test-overall-nft-transaction.nft');
    const commands = text.split('\n').filter((l) => l.startsWith('add '));
    const pieces = chunkNftTransaction(text, 40);
    expect(pieces.flatMap((p) => p.trimEnd().split('\n'))).toEqual(commands);
    const sizes = pieces.map((p) => p.trimEnd().split('\n').length);
    expect(sizes).toEqual([...sizes.slice(0, -1).map(() => 40), commands.length - 40 * (sizes.length - 1)]);
  });
});

/** Chains and sets of the kube-proxy table in a comparable form (element order is the kernel's). */
function normalised(r: NftRuleset) {
  const table = r.tables.find((t) => t.name === 'kube-proxy');
  const elements = (s: { elements: { key: readonly string[]; verdict?: { kind: string; target?: string }; comment?: string }[] }) =>
    s.elements.map((e) => `${e.key.join(' . ')}${e.comment ? ` "${e.comment}"` : ''}${e.verdict ? ` : ${e.verdict.kind} ${e.verdict.target ?? ''}` : ''}`).sort();
  return {
    family: table?.family,
    chains: Object.fromEntries([...(table?.chains.values() ?? [])].map((c) => [c.name, { hook: c.hook, priority: c.priority, rules: c.rules.map((x) => x.text) }])),
    sets: Object.fromEntries([...(table?.sets.values() ?? []), ...(table?.maps.values() ?? [])].map((s) => [s.name, { type: s.type, flags: [...s.flags].sort(), timeout: s.timeout, elements: elements(s) }])),
  };
}

describeWithTools(['netns', 'nft'], 'renderKubeProxyNftables through the real nft', () => {
  it('lists the same ruleset as kube-proxy\'s own transaction for TestOverallNFTablesRules (text and JSON)', () => {
    const { text, json } = nftRoundTrip(renderOverall());
    const mine = normalised(parseNftDump(text));
    expect(mine).toEqual(normalised(parseNftDump(read('derived-nft-1.0.6-a-list-ruleset-of-k8s-test-overall.nft'))));
    expect(normalised(parseNftDump(json))).toEqual(normalised(parseNftDump(read('derived-nft-1.0.6-j-list-ruleset-of-k8s-test-overall.json'))));
    expect(mine.chains['service-HVFWP5L3-ns5/svc5/tcp/p80'].rules).toHaveLength(3);
  });

  it('loads a transaction larger than one unprivileged netlink batch', () => {
    const b = clusterBuilder().node('n1').node('n2').node('n3').service('ns/big', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }).pods('ns/big', 600);
    const tx = renderKubeProxyNftables(b.build(), 'n1', { clusterCIDR: b.clusterCIDR, nodeIPs: ['172.18.0.2'] });
    expect(tx.split('\n').length).toBeGreaterThan(1800);
    const { text } = nftRoundTrip(tx);
    expect(text).toContain('numgen random mod 600 vmap');
    expect(text.match(/dnat to /g)).toHaveLength(600);
  });

  it('reports nft\'s error instead of returning a partial listing', () => {
    expect(() => nftRoundTrip('add rule ip nope nope accept\n')).toThrow(/nft -f in a private netns failed/);
  });
});
