import type { Evidence, IpAddrEntry, IptablesDump, IptChain, IptRule, NftSet, NftTable, ProxyMode } from '../model';
import type { NodeDumps, ParsedFile } from '../checks/nodeLevel';
import { firstServiceJump } from '../checks/iptablesBackendSplit';
import { matchOption } from '../parse/iptablesRule';
import { iptablesFileSpec } from './nodeDumps';

// What each of the three kube-proxy data planes looks like on one node, read from the parsed
// dumps without decoding them: whether it was captured, whether kube-proxy's structure is there
// (`present`) and how many Service entries it holds (`services`), with lines to quote. Mode
// detection picks the plane to decode from this; proxy-mode-mismatch (C01) and
// mode-switch-leftovers (C04) report from it. Shapes: pkg/proxy/iptables/proxier.go (KUBE-SERVICES
// jumps), pkg/proxy/nftables/proxier.go (`table ip kube-proxy`, service-ips ...), pkg/proxy/ipvs/
// proxier.go + ipset.go (virtual servers, kube-ipvs0, KUBE-CLUSTER-IP).

/** Per-Service chains kube-proxy's iptables mode jumps to from KUBE-SERVICES / KUBE-NODEPORTS. */
const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-XLB-'];
/** IPVS mode's ClusterIP match sets (ipset.go; the IPv6 name carries the KUBE-6- prefix). */
export const IPVS_CLUSTER_IP_SETS: readonly string[] = ['KUBE-CLUSTER-IP', 'KUBE-6-CLUSTER-IP'];
export const KUBE_IPVS0 = 'kube-ipvs0';
/** The nftables maps whose elements are Service entries (one per Service address:port / NodePort). */
const NFT_SERVICE_MAPS = ['service-ips', 'service-nodeports', 'no-endpoint-services', 'no-endpoint-nodeports'];

export interface IptablesFileFacts {
  parsed: ParsedFile<IptablesDump>;
  family: 4 | 6;
  legacy: boolean;
  /** nat KUBE-SERVICES / KUBE-NODEPORTS jumps to KUBE-SVC/SVL/EXT/FW/XLB chains. */
  serviceJumps: number;
  /** filter REJECT/DROP rules kube-proxy writes for Services without (local) endpoints. */
  noEndpointRules: number;
  firstJump?: Evidence;
  /** `-j KUBE-SERVICES` from nat PREROUTING or OUTPUT: the chain is live. */
  hook?: Evidence;
  /** A KUBE-SERVICES chain in nat or filter (kube-proxy iptables or IPVS mode wrote here once). */
  kubeServices?: Evidence;
  /** IPVS mode's `-m set --match-set KUBE-CLUSTER-IP` rule. */
  ipvsMatchSet?: Evidence;
}

export interface PlaneView {
  mode: ProxyMode;
  /** The files of this plane are in the snapshot. */
  captured: boolean;
  /** kube-proxy's structure of this mode exists (chains, table, kube-ipvs0, match sets). */
  present: boolean;
  /** Service entries: iptables jumps + REJECTs, nft map elements, IPVS virtual servers. */
  services: number;
  /** Lines that show the plane, best first. */
  evidence: Evidence[];
}

export interface NftTableView {
  family: 4 | 6;
  table: NftTable;
  file: string;
  /** Elements of the Service maps. */
  services: number;
}

export interface DataPlanes {
  iptables: PlaneView & { files: IptablesFileFacts[] };
  nftables: PlaneView & { tables: NftTableView[] };
  ipvs: PlaneView & {
    virtualServers: number;
    ipvs0Addresses: IpAddrEntry[];
    /** IPVS virtual servers exist but nothing ties them to kube-proxy (keepalived, another LB). */
    foreign: boolean;
  };
}

const cache = new WeakMap<NodeDumps, DataPlanes>();

/** The planes of a node (computed once per NodeDumps object). */
export function observePlanes(node: string, dumps: NodeDumps): DataPlanes {
  let p = cache.get(dumps);
  if (!p) {
    p = computePlanes(node, dumps);
    cache.set(dumps, p);
  }
  return p;
}

function computePlanes(node: string, dumps: NodeDumps): DataPlanes {
  const files = dumps.iptables.map((f) => iptablesFacts(node, f));
  const chosen = ([4, 6] as const).map((fam) => pickIptables(files.filter((f) => f.family === fam))).filter((f) => f !== undefined);
  const iptEvidence: Evidence[] = [];
  for (const f of chosen) if (f.firstJump) iptEvidence.push(f.firstJump);
  for (const f of files) if (f.kubeServices) iptEvidence.push(f.kubeServices);
  const iptables = {
    mode: 'iptables' as const,
    captured: files.length > 0,
    present: files.some((f) => f.kubeServices !== undefined),
    services: chosen.reduce((n, f) => n + f.serviceJumps + f.noEndpointRules, 0),
    evidence: iptEvidence,
    files,
  };

  const tables: NftTableView[] = [];
  const nft = dumps.nft[0];
  if (nft) {
    for (const table of nft.dump.tables) {
      if (table.name !== 'kube-proxy' || (table.family !== 'ip' && table.family !== 'ip6')) continue;
      let services = 0;
      for (const m of NFT_SERVICE_MAPS) services += table.maps.get(m)?.elements.length ?? 0;
      tables.push({ family: table.family === 'ip' ? 4 : 6, table, file: nft.file, services });
    }
  }
  const nftEvidence: Evidence[] = [];
  for (const t of tables) {
    const ev = nftElementEvidence(node, t.file, t.table.maps.get('service-ips')) ?? nftElementEvidence(node, t.file, t.table.maps.get('service-nodeports'));
    if (ev) nftEvidence.push(ev);
    nftEvidence.push({ node, file: t.file, line: t.table.line, raw: t.table.line > 0 ? t.table.raw : `table ${t.table.family} kube-proxy` });
  }
  const nftables = {
    mode: 'nftables' as const,
    captured: dumps.nft.length > 0,
    present: tables.length > 0,
    services: tables.reduce((n, t) => n + t.services, 0),
    evidence: nftEvidence,
    tables,
  };

  const vs = dumps.ipvs?.dump.services.filter((s) => s.protocol !== 'FWM') ?? [];
  const ipvs0Addresses = dumps.ipAddr?.dump.byInterface.get(KUBE_IPVS0) ?? [];
  const ipvs0Link = dumps.ipAddr?.dump.links.find((l) => l.ifname === KUBE_IPVS0);
  const clusterSet = dumps.ipset ? IPVS_CLUSTER_IP_SETS.map((n) => dumps.ipset?.dump.sets.get(n)).find((s) => s !== undefined) : undefined;
  const matchSet = files.find((f) => f.ipvsMatchSet)?.ipvsMatchSet;
  const marks: Evidence[] = [];
  if (matchSet) marks.push(matchSet);
  if (clusterSet && dumps.ipset) marks.push({ node, file: dumps.ipset.file, line: clusterSet.line, raw: clusterSet.raw });
  const ipvs0 = ipvs0Addresses[0] ?? ipvs0Link;
  if (ipvs0 && dumps.ipAddr) marks.push({ node, file: dumps.ipAddr.file, line: ipvs0.line, raw: ipvs0.raw });
  // Without ipset / ip-addr / iptables captures an ipvsadm listing is the only witness: trust it.
  const onlyIpvs = !iptables.captured && !nftables.captured;
  const kubeProxyIpvs = marks.length > 0 || (onlyIpvs && vs.length > 0);
  const ipvsEvidence: Evidence[] = [];
  if (vs.length > 0 && dumps.ipvs) ipvsEvidence.push({ node, file: dumps.ipvs.file, line: vs[0].line, raw: vs[0].raw });
  ipvsEvidence.push(...marks);
  const ipvs = {
    mode: 'ipvs' as const,
    captured: dumps.ipvs !== undefined,
    present: kubeProxyIpvs,
    services: kubeProxyIpvs ? vs.length : 0,
    evidence: ipvsEvidence,
    virtualServers: vs.length,
    ipvs0Addresses,
    foreign: vs.length > 0 && !kubeProxyIpvs,
  };
  return { iptables, nftables, ipvs };
}

/** The default-backend dump, unless only the legacy one holds kube-proxy Service rules. */
export function pickIptables<T extends { legacy: boolean; parsed: ParsedFile<IptablesDump>; firstJump?: Evidence }>(candidates: T[]): T | undefined {
  const main = candidates.find((d) => !d.legacy);
  const legacy = candidates.find((d) => d.legacy);
  if (main && legacy && !main.firstJump && legacy.firstJump) return legacy;
  return main ?? legacy;
}

function ruleEvidence(node: string, file: string, r: IptRule): Evidence {
  return { node, file, line: r.line, raw: r.raw };
}

function isServiceTarget(t: string | undefined): boolean {
  if (!t || !t.startsWith('KUBE-')) return false;
  for (const p of SERVICE_CHAIN_PREFIXES) if (t.startsWith(p)) return true;
  return false;
}

function iptablesFacts(node: string, parsed: ParsedFile<IptablesDump>): IptablesFileFacts {
  const spec = iptablesFileSpec(parsed.name);
  const dump = parsed.dump;
  const facts: IptablesFileFacts = { parsed, family: spec?.family ?? dump.family, legacy: spec?.legacy ?? false, serviceJumps: 0, noEndpointRules: 0 };
  const nat = dump.tables.get('nat');
  const filter = dump.tables.get('filter');
  const jump = firstServiceJump(dump);
  if (jump) facts.firstJump = { node, file: parsed.file, line: jump.line, raw: jump.raw };
  const services = nat?.chains.get('KUBE-SERVICES');
  if (services) {
    for (const r of services.rules) {
      if (isServiceTarget(r.target)) facts.serviceJumps++;
      else if (!facts.ipvsMatchSet && r.matches.length > 0) {
        const set = matchOption(r, 'set', '--match-set');
        if (set && IPVS_CLUSTER_IP_SETS.includes(set.values[0] ?? '')) facts.ipvsMatchSet = ruleEvidence(node, parsed.file, r);
      }
    }
  }
  for (const r of nat?.chains.get('KUBE-NODEPORTS')?.rules ?? []) if (isServiceTarget(r.target)) facts.serviceJumps++;
  for (const name of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS']) {
    for (const r of filter?.chains.get(name)?.rules ?? []) {
      if ((r.target === 'REJECT' || r.target === 'DROP') && r.comment !== undefined && r.comment.includes('endpoints')) facts.noEndpointRules++;
    }
  }
  for (const chain of ['PREROUTING', 'OUTPUT']) {
    const hook = nat?.chains.get(chain)?.rules.find((r) => r.target === 'KUBE-SERVICES');
    if (hook) {
      facts.hook = ruleEvidence(node, parsed.file, hook);
      break;
    }
  }
  for (const t of [nat, filter]) {
    const c = t?.chains.get('KUBE-SERVICES');
    if (!c) continue;
    const first = c.rules[0];
    facts.kubeServices = c.line > 0 ? { node, file: parsed.file, line: c.line, raw: chainDeclaration(c) } : first ? ruleEvidence(node, parsed.file, first) : undefined;
    if (facts.kubeServices) break;
  }
  return facts;
}

function nftElementEvidence(node: string, file: string, set: NftSet | undefined): Evidence | undefined {
  const e = set?.elements[0];
  return e ? { node, file, line: e.line, raw: e.raw } : undefined;
}

/** The `:CHAIN POLICY [packets:bytes]` line iptables-save prints for a chain (the parser keeps its line, not its text). */
export function chainDeclaration(c: IptChain): string {
  return `:${c.name} ${c.policy ?? '-'} [${c.counters?.packets ?? 0}:${c.counters?.bytes ?? 0}]`;
}
