import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProgrammedNode, ProgrammedServicePort } from '../../../../../core/common/model';
import { nftEndpointChainName, nftServiceChainName } from '../../../../../core/common/kube/chainNames';
import { decodeNftables } from '../../../../../core/common/decode/nftables/decodeNftables';
import { buildNftNameTable } from '../../../../../core/common/kube/nftNameTable';
import type { NftNameTable } from '../../../../../core/common/kube/nftNameTable';
import { parseNftDump } from '../../../../../core/common/parse/nftDump';
import { overallInputs } from '../iptables/decodeHelpers';
import { toService } from '../../kube/corpusCluster';

// Shared by the nftables decoder tests: fixture loading, name tables from the corpus inputs, a
// mode-independent projection of the model (what the core checks read), and a synthetic
// kube-proxy-shaped ruleset generator for the size tests.

export const nftFixtureDir = join(dirname(fileURLToPath(import.meta.url)), '../../../../fixtures/corpus/nftables');
export const NFT_FILE = 'nodes/node-a/nft.txt';

export function readNft(file: string): string {
  return readFileSync(join(nftFixtureDir, file), 'utf8');
}

export function decodeNftText(text: string, names: NftNameTable | null, family: 4 | 6 = 4): ProgrammedNode {
  return decodeNftables(parseNftDump(text), { node: 'node-a', file: NFT_FILE, family, names });
}

export function overallNftNames(family: 4 | 6 = 4): NftNameTable {
  return buildNftNameTable(overallInputs().services.map(toService), family);
}

export interface PortProjection {
  id: string;
  frontends: string[];
  cluster: string[];
  local: string[];
  markers: string[];
  /** Affinity seconds of the cluster / local path, source ranges of the firewall. */
  extras: string;
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** What the core checks compare across modes: identity, frontends, backend sets and marker kinds, sorted. */
export function projectPort(sp: ProgrammedServicePort): PortProjection {
  const id = sp.id === null ? `none:${sp.label}` : `${sp.id.namespace}/${sp.id.name}:${sp.id.portName}/${sp.id.protocol}`;
  return {
    id,
    frontends: sp.frontends.map((f) => `${f.kind} ${f.ip ?? '*'}:${f.port}/${f.protocol}`).sort(),
    cluster: [...new Set((sp.clusterPath?.backends ?? []).map((b) => hostPort(b.ip, b.port)))].sort(),
    local: [...new Set((sp.localPath?.backends ?? []).map((b) => hostPort(b.ip, b.port)))].sort(),
    markers: sp.markers
      .map((m) => `${m.kind} ${m.reason}${m.frontend ? ` ${m.frontend.kind} ${m.frontend.ip ?? '*'}:${m.frontend.port}/${m.frontend.protocol}` : ''}`)
      .sort(),
    extras: `affinity ${sp.clusterPath?.affinitySeconds ?? '-'}/${sp.localPath?.affinitySeconds ?? '-'} ranges ${[...(sp.sourceRanges ?? [])].sort().join(',') || '-'}`,
  };
}

export function projectNode(node: ProgrammedNode): PortProjection[] {
  return node.servicePorts.map(projectPort).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The model without evidence (line numbers and raw text differ between input forms), arrays sorted. */
export function withoutEvidence(node: ProgrammedNode): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      const items = v.map(strip);
      return items.map((i) => JSON.stringify(i)).sort();
    }
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (k !== 'evidence' && k !== 'extraEvidence' && k !== 'file') out[k] = strip(x);
      return out;
    }
    return v;
  };
  return strip(node);
}

export interface SynthOptions {
  services: number;
  endpointsPerService: number;
  /** Every k-th Service also gets a NodePort and an external IP (0 = none). */
  externalEvery?: number;
  /** Every k-th Service has no endpoints (a no-endpoint-services element instead of chains). */
  emptyEvery?: number;
}

/** A kube-proxy-shaped `nft -f` transaction (pkg/proxy/nftables/proxier.go shapes) for size tests. */
export function synthNftTransaction(o: SynthOptions): string {
  const out: string[] = [
    'add table ip kube-proxy { comment "rules for kube-proxy" ; }',
    'add set ip kube-proxy cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }',
    'add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }',
    'add map ip kube-proxy service-nodeports { type inet_proto . inet_service : verdict ; }',
    'add map ip kube-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; }',
    'add chain ip kube-proxy mark-for-masquerade',
    'add chain ip kube-proxy reject-chain',
  ];
  const P = 'add rule ip kube-proxy';
  for (let s = 0; s < o.services; s++) {
    const ns = `ns${s % 97}`;
    const name = `svc-${s}`;
    const vip = `172.${16 + ((s >> 16) & 15)}.${(s >> 8) & 255}.${s & 255}`;
    out.push(`add element ip kube-proxy cluster-ips { ${vip} }`);
    if (o.emptyEvery && s % o.emptyEvery === 0) {
      out.push(`add element ip kube-proxy no-endpoint-services { ${vip} . tcp . 80 comment "${ns}/${name}:http" : goto reject-chain }`);
      continue;
    }
    const svc = nftServiceChainName('service', ns, name, 'tcp', 'http');
    out.push(`add chain ip kube-proxy ${svc}`);
    out.push(`${P} ${svc} ip daddr ${vip} tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade`);
    const arms: string[] = [];
    for (let e = 0; e < o.endpointsPerService; e++) {
      const ip = `10.${(s >> 8) & 255}.${s & 255}.${e + 1}`;
      const ep = nftEndpointChainName(ns, name, 'tcp', 'http', ip, 8080);
      out.push(`add chain ip kube-proxy ${ep}`);
      out.push(`${P} ${ep} ip saddr ${ip} jump mark-for-masquerade`);
      out.push(`${P} ${ep} meta l4proto tcp dnat to ${ip}:8080`);
      arms.push(`${e} : goto ${ep}`);
    }
    out.push(`${P} ${svc} numgen random mod ${o.endpointsPerService} vmap { ${arms.join(' , ')} }`);
    out.push(`add element ip kube-proxy service-ips { ${vip} . tcp . 80 : goto ${svc} }`);
    if (o.externalEvery && s % o.externalEvery === 0) {
      const ext = nftServiceChainName('external', ns, name, 'tcp', 'http');
      out.push(`add chain ip kube-proxy ${ext}`, `${P} ${ext} jump mark-for-masquerade`, `${P} ${ext} goto ${svc}`);
      out.push(`add element ip kube-proxy service-ips { 192.168.${(s >> 8) & 255}.${s & 255} . tcp . 80 : goto ${ext} }`);
      out.push(`add element ip kube-proxy service-nodeports { tcp . ${30000 + (s % 2000)} : goto ${ext} }`);
    }
  }
  return out.join('\n') + '\n';
}
