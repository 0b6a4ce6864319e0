import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { L4Protocol, Service } from '../../../../../core/common/model';
import { nftAffinitySetName, nftEndpointChainName, nftServiceChainName } from '../../../../../core/common/kube/chainNames';
import { buildNftNameTable } from '../../../../../core/common/kube/nftNameTable';
import { svc } from '../../kube/kubeFixtures';
import { allEvidence, probabilitySum } from '../iptables/decodeHelpers';
import { decodeNftText, readNft, synthNftTransaction } from './nftDecodeHelpers';

// Properties over generated kube-proxy tables: whatever the mix of Service shapes, the decoder
// finds every Service port with exactly its endpoints, splits load evenly, quotes its evidence and
// verifies every name; a forged hash is always reported; broken input never throws.

interface Spec {
  ns: string;
  name: string;
  proto: L4Protocol;
  portName: string;
  endpoints: number;
  nodePort: boolean;
  externalIP: boolean;
  affinity: number | null;
}

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
const specArb: fc.Arbitrary<Spec> = fc.record({
  ns: label,
  name: label,
  proto: fc.constantFrom<L4Protocol>('tcp', 'udp', 'sctp'),
  portName: fc.oneof(fc.constant(''), label),
  endpoints: fc.integer({ min: 0, max: 5 }),
  nodePort: fc.boolean(),
  externalIP: fc.boolean(),
  affinity: fc.option(fc.integer({ min: 1, max: 86400 }), { nil: null }),
});
const specsArb = fc.uniqueArray(specArb, { minLength: 1, maxLength: 8, selector: (s) => `${s.ns}/${s.name}` });

const vip = (i: number) => `172.30.${i >> 8}.${i & 255}`;
const epIP = (i: number, e: number) => `10.180.${i}.${e + 1}`;

/** Writes the Services the way pkg/proxy/nftables/proxier.go does (ETP/ITP Cluster). */
function writeTable(specs: Spec[]): string {
  const out = ['add table ip kube-proxy', 'add set ip kube-proxy cluster-ips { type ipv4_addr ; }'];
  const rule = (chain: string, text: string) => out.push(`add rule ip kube-proxy ${chain} ${text}`);
  const element = (set: string, text: string) => out.push(`add element ip kube-proxy ${set} { ${text} }`);
  specs.forEach((s, i) => {
    const spn = s.portName === '' ? `${s.ns}/${s.name}` : `${s.ns}/${s.name}:${s.portName}`;
    const key = `${vip(i)} . ${s.proto} . 80`;
    element('cluster-ips', vip(i));
    if (s.endpoints === 0) {
      element('no-endpoint-services', `${key} comment "${spn}" : goto reject-chain`);
      if (s.nodePort) element('no-endpoint-nodeports', `${s.proto} . ${30000 + i} comment "${spn}" : goto reject-chain`);
      return;
    }
    const svcChain = nftServiceChainName('service', s.ns, s.name, s.proto, s.portName);
    out.push(`add chain ip kube-proxy ${svcChain}`);
    rule(svcChain, `ip daddr ${vip(i)} ${s.proto} dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade`);
    const arms: string[] = [];
    for (let e = 0; e < s.endpoints; e++) {
      const ep = nftEndpointChainName(s.ns, s.name, s.proto, s.portName, epIP(i, e), 8080);
      out.push(`add chain ip kube-proxy ${ep}`);
      rule(ep, `ip saddr ${epIP(i, e)} jump mark-for-masquerade`);
      if (s.affinity !== null) {
        const set = nftAffinitySetName(s.ns, s.name, s.proto, s.portName, epIP(i, e), 8080);
        out.push(`add set ip kube-proxy ${set} { type ipv4_addr ; flags dynamic,timeout ; timeout ${s.affinity}s ; }`);
        rule(svcChain, `ip saddr @${set} goto ${ep}`);
        rule(ep, `update @${set} { ip saddr }`);
      }
      rule(ep, `meta l4proto ${s.proto} dnat to ${epIP(i, e)}:8080`);
      arms.push(`${e} : goto ${ep}`);
    }
    rule(svcChain, `numgen random mod ${s.endpoints} vmap { ${arms.join(' , ')} }`);
    element('service-ips', `${key} : goto ${svcChain}`);
    if (s.nodePort || s.externalIP) {
      const ext = nftServiceChainName('external', s.ns, s.name, s.proto, s.portName);
      out.push(`add chain ip kube-proxy ${ext}`);
      rule(ext, 'jump mark-for-masquerade');
      rule(ext, `goto ${svcChain}`);
      if (s.externalIP) element('service-ips', `192.168.0.${i + 1} . ${s.proto} . 80 : goto ${ext}`);
      if (s.nodePort) element('service-nodeports', `${s.proto} . ${30000 + i} : goto ${ext}`);
    }
  });
  return out.join('\n') + '\n';
}

function servicesOf(specs: Spec[]): Service[] {
  return specs.map((s, i) =>
    svc(s.ns, s.name, {
      clusterIP: vip(i),
      externalIPs: s.externalIP ? [`192.168.0.${i + 1}`] : undefined,
      ports: [{ name: s.portName || undefined, port: 80, protocol: s.proto.toUpperCase() as 'TCP', nodePort: s.nodePort ? 30000 + i : undefined }],
    }),
  );
}

describe('decodeNftables properties', () => {
  it('finds every generated Service port with exactly its endpoints, even shares, quoted evidence and verified names', () => {
    fc.assert(
      fc.property(specsArb, fc.boolean(), (specs, withNames) => {
        const text = writeTable(specs);
        const lines = text.split('\n');
        const node = decodeNftText(text, withNames ? buildNftNameTable(servicesOf(specs), 4) : null);
        expect(node.servicePorts).toHaveLength(specs.length);
        specs.forEach((s, i) => {
          const sp = node.servicePorts.find((p) => p.id?.namespace === s.ns && p.id.name === s.name);
          expect(sp?.id).toEqual({ namespace: s.ns, name: s.name, portName: s.portName, protocol: s.proto });
          expect(sp?.idSource).toBe(withNames && s.endpoints > 0 ? 'hash' : 'comment');
          const backends = (sp?.clusterPath?.backends ?? []).map((b) => `${b.ip}:${b.port}`);
          expect(backends).toEqual(Array.from({ length: s.endpoints }, (_, e) => `${epIP(i, e)}:8080`));
          if (s.endpoints > 0) {
            expect(probabilitySum(sp!.clusterPath!)).toBeCloseTo(1, 9);
            expect(sp?.clusterPath?.steps.map((st) => st.key)).toEqual(Array.from({ length: s.endpoints }, (_, e) => e));
            expect(sp?.clusterPath?.affinitySeconds).toBe(s.affinity ?? undefined);
            expect(sp?.frontends.filter((f) => f.kind === 'node-port').length).toBe(s.nodePort ? 1 : 0);
          } else {
            expect(sp?.markers.map((m) => m.kind)).toEqual(s.nodePort ? ['reject', 'reject'] : ['reject']);
          }
        });
        expect(node.nameMismatches).toEqual([]);
        expect(node.facts.unmappedChains).toEqual([]);
        for (const e of allEvidence(node)) expect(lines[e.line - 1]).toContain(e.raw);
      }),
      { numRuns: 60 },
    );
  });

  it('reports a chain whose hash was changed, and only that chain', () => {
    const withEndpoints = specsArb.filter((specs) => specs.some((s) => s.endpoints > 0));
    fc.assert(
      fc.property(withEndpoints, fc.nat(), fc.constantFrom('service', 'endpoint'), (specs, pick, role) => {
        const text = writeTable(specs);
        const names = [...new Set(text.match(role === 'service' ? /service-[A-Z2-7]{8}-[^\s]+/g : /endpoint-[A-Z2-7]{8}-[^\s]+/g) ?? [])];
        const victim = names[pick % names.length];
        const forged = `${role}-ZZZZZZZZ${victim.slice(role.length + 9)}`;
        const node = decodeNftText(text.split(victim).join(forged), null);
        expect(node.nameMismatches.map((m) => m.chain)).toEqual([forged]);
        expect(node.nameMismatches[0].expected).toEqual([victim]);
      }),
      { numRuns: 40 },
    );
  });

  it('never throws on a real table with random lines deleted, and still quotes every line it cites', () => {
    const text = readNft('k8s-test-overall-nft-transaction.nft');
    const all = text.split('\n');
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: all.length - 1 }), { maxLength: 40 }), (drop) => {
        const gone = new Set(drop);
        const lines = all.map((l, i) => (gone.has(i) ? '' : l));
        const node = decodeNftText(lines.join('\n'), null);
        for (const e of allEvidence(node)) expect(lines[e.line - 1]).toContain(e.raw);
      }),
      { numRuns: 80 },
    );
  });
});

describe('decodeNftables at cluster scale', () => {
  it('decodes 10k Services x 5 endpoints (every 10th external, every 50th without endpoints) completely', () => {
    const node = decodeNftText(synthNftTransaction({ services: 10_000, endpointsPerService: 5, externalEvery: 10, emptyEvery: 50 }), null);
    expect(node.servicePorts).toHaveLength(10_000);
    let backends = 0;
    let rejects = 0;
    for (const sp of node.servicePorts) {
      backends += sp.clusterPath?.backends.length ?? 0;
      rejects += sp.markers.length;
    }
    expect(backends).toBe(9_800 * 5);
    expect(rejects).toBe(200);
    expect(node.nameMismatches).toEqual([]);
    expect(node.facts.unmappedChains).toEqual([]);
  });
});
