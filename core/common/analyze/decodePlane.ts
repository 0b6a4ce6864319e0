import type { ClusterIndex, ExpectedServicePort, ProgrammedNode, ProxyMode } from '../model';
import type { NodeDumps } from '../checks/nodeLevel';
import { servicePortKey } from '../checks/keys';
import { decodeIptables } from '../decode/iptables/decodeIptables';
import { decodeIpvs } from '../decode/ipvs/decodeIpvs';
import { decodeNftables } from '../decode/nftables/decodeNftables';
import { nftNames } from './clusterNames';
import type { DataPlanes } from './dataPlanes';
import { KUBE_IPVS0, pickIptables } from './dataPlanes';
import type { PreparedCluster } from './prepareCluster';
import { iptablesNames } from './prepareCluster';

// Decodes the plane of the detected mode into one ProgrammedNode per address family, with the
// decoder of that mode. Families: iptables — one per iptables dump family (default backend,
// unless only the legacy one holds kube-proxy rules); nftables — `table ip kube-proxy` (always,
// so a missing table reads as "nothing programmed") and `table ip6 kube-proxy` when present;
// IPVS — IPv4 always, IPv6 when the node has IPv6 virtual servers or IPv6 match sets.

export interface DecodeInput {
  node: string;
  mode: ProxyMode;
  dumps: NodeDumps;
  planes: DataPlanes;
  cluster: PreparedCluster | null;
  /** What the node should program per family (null without cluster.json); IPVS reads the traffic policies. */
  expected: (family: 4 | 6) => ExpectedServicePort[] | null;
}

export function decodePlane(input: DecodeInput): ProgrammedNode[] {
  if (input.mode === 'iptables') return decodeIptablesPlane(input);
  if (input.mode === 'nftables') return decodeNftPlane(input);
  return decodeIpvsPlane(input);
}

function decodeIptablesPlane({ node, planes, cluster }: DecodeInput): ProgrammedNode[] {
  const out: ProgrammedNode[] = [];
  for (const family of [4, 6] as const) {
    const chosen = pickIptables(planes.iptables.files.filter((f) => f.family === family));
    if (!chosen) continue;
    out.push(decodeIptables(chosen.parsed.dump, { node, file: chosen.parsed.file, names: cluster ? iptablesNames(cluster, family) : null }));
  }
  return out;
}

function decodeNftPlane({ node, dumps, planes, cluster }: DecodeInput): ProgrammedNode[] {
  const nft = dumps.nft[0];
  if (!nft) return [];
  const out: ProgrammedNode[] = [];
  for (const family of [4, 6] as const) {
    if (family === 6 && !planes.nftables.tables.some((t) => t.family === 6)) continue;
    out.push(decodeNftables(nft.dump, { node, file: nft.file, family, names: cluster ? nftNames(cluster, family) : null }));
  }
  return out;
}

function decodeIpvsPlane({ node, dumps, planes, cluster, expected }: DecodeInput): ProgrammedNode[] {
  const ipvs = dumps.ipvs;
  if (!ipvs) return [];
  const nodeIPs = ipvsNodeIPs(node, dumps, cluster?.index ?? null);
  const out: ProgrammedNode[] = [];
  for (const family of [4, 6] as const) {
    const iptables = pickIptables(planes.iptables.files.filter((f) => f.family === family));
    if (family === 6 && !hasIpv6Ipvs(dumps, iptables?.ipvsMatchSet !== undefined)) continue;
    const exp = expected(family);
    let byKey: Map<string, ExpectedServicePort> | undefined;
    const policies = exp
      ? (id: Parameters<typeof servicePortKey>[0]) => {
          byKey ??= new Map(exp.map((e) => [servicePortKey(e.id), e]));
          const e = byKey.get(servicePortKey(id));
          return e ? { internalLocal: e.internalPolicyLocal, externalLocal: e.externalPolicyLocal } : undefined;
        }
      : undefined;
    out.push(
      decodeIpvs(
        { ipvs, ...(dumps.ipset ? { ipset: dumps.ipset } : {}), ...(dumps.ipAddr ? { ipAddr: dumps.ipAddr } : {}), ...(iptables ? { iptables: iptables.parsed } : {}) },
        { node, family, names: cluster ? iptablesNames(cluster, family) : null, nodeIPs: nodeIPs.filter((ip) => ip.includes(':') === (family === 6)), ...(policies ? { policies } : {}) },
      ),
    );
  }
  return out;
}

function hasIpv6Ipvs(dumps: NodeDumps, v6MatchSet: boolean): boolean {
  if (v6MatchSet) return true;
  if (dumps.ipvs?.dump.services.some((s) => s.family === 6)) return true;
  return dumps.ipset?.dump.sets.has('KUBE-6-CLUSTER-IP') ?? false;
}

/**
 * Addresses NodePort virtual servers are created on: every local address except kube-ipvs0's
 * (pkg/proxy/ipvs/proxier.go nodeAddresses), from ip-addr.txt, plus the Node object's addresses
 * (the capture may lack ip-addr.txt). IPv6 link-local addresses never get one.
 */
export function ipvsNodeIPs(node: string, dumps: NodeDumps, index: ClusterIndex | null): string[] {
  const out = new Set<string>();
  for (const a of dumps.ipAddr?.dump.addresses ?? []) {
    if (a.ifname === KUBE_IPVS0) continue;
    if (a.family === 'inet6' && a.address.toLowerCase().startsWith('fe80:')) continue;
    out.add(a.address);
  }
  for (const ip of index?.nodeAddresses.get(node) ?? []) out.add(ip);
  return [...out];
}
