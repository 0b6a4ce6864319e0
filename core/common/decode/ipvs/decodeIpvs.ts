import type {
  Evidence,
  FrontendKind,
  IpAddrDump,
  IpsetDump,
  IptablesDump,
  IpvsDump,
  IpvsVirtualService,
  L4Protocol,
  ProgrammedFrontend,
  ProgrammedNode,
  ProgrammedServicePort,
  ServicePortId,
} from '../../model';
import type { ParsedFile } from '../../checks/nodeLevel';
import type { IptablesNameTable } from '../../kube/iptablesNameTable';
import { classifyVirtualServer } from './classifyVirtualServer';
import type { IpvsAddressFacts } from './ipvsAddressFacts';
import { ipvsAddressFacts } from './ipvsAddressFacts';
import type { PathVirtualServer } from './virtualServerPath';
import { buildVirtualServerPath, hostPort } from './virtualServerPath';

// IPVS dump (`ipvsadm -Ln --exact` / `ipvsadm-save -n`) -> the mode-independent programmed model
// (model/programmed.ts), filled the way the iptables decoder fills it so the core checks answer
// the same in every mode. Shapes: kubernetes pkg/proxy/ipvs/proxier.go (v1.34) syncProxyRules /
// syncEndpoint; reference kube-proxy-dataplane.md §6, dump-formats.md §3.
//   - One virtual server (VS) per ClusterIP:port, external IP:port, LB IP:port and node
//     address:NodePort, joined to Service ports by (protocol, address, port).
//   - A ClusterIP VS feeds the cluster path, or the local one with internalTrafficPolicy Local;
//     external, LB and NodePort VSs feed the local path with externalTrafficPolicy Local.
//   - Real servers are the backends; IPVS writes no REJECT/DROP, so there are no markers.
// Linear in the dump: one pass over the virtual services, Maps built once.

export interface IpvsDecodeInput {
  ipvs: ParsedFile<IpvsDump>;
  /** `ipset list` / `ipset save`: frontend kinds and Local policies without cluster.json, source ranges. */
  ipset?: ParsedFile<IpsetDump>;
  /** `ip -o addr show`: kube-ipvs0 addresses (VIPs) and the node's other addresses (NodePort VSs). */
  ipAddr?: ParsedFile<IpAddrDump>;
  /** The IPVS-mode iptables rules carry no per-Service data; accepted for symmetry, not read. */
  iptables?: ParsedFile<IptablesDump>;
}

export interface IpvsServicePolicies {
  internalLocal: boolean;
  externalLocal: boolean;
}

export interface IpvsDecodeContext {
  node: string;
  family: 4 | 6;
  /** Reverse lookups built from the Service list; null when there is no cluster.json. */
  names: IptablesNameTable | null;
  /** The node's addresses (InternalIP/ExternalIP, ...): virtual servers on them are NodePorts. */
  nodeIPs: string[];
  /** Traffic policies of a Service port, from the API; undefined = unknown (ipset hints, else Cluster). */
  policies?: (id: ServicePortId) => IpvsServicePolicies | undefined;
}

const PROTOCOLS: Partial<Record<IpvsVirtualService['protocol'], L4Protocol>> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };
/** Frontend order inside a Service port: what a reader expects first. */
const KIND_ORDER: Record<FrontendKind, number> = { 'cluster-ip': 0, 'external-ip': 1, 'load-balancer': 2, 'node-port': 3 };

interface Entry extends PathVirtualServer {
  kind: FrontendKind;
  ip: string;
  port: number;
  protocol: L4Protocol;
  policy: 'cluster' | 'local';
  seq: number;
}

interface Group {
  id: ServicePortId | null;
  label: string;
  entries: Entry[];
}

function spnLabel(id: ServicePortId): string {
  return id.portName === '' ? `${id.namespace}/${id.name}` : `${id.namespace}/${id.name}:${id.portName}`;
}

function hasWeights(vs: IpvsVirtualService): boolean {
  return vs.realServers.length === 0 || vs.realServers.every((rs) => rs.weight !== undefined);
}

function policyOf(kind: FrontendKind, id: ServicePortId | null, proto: L4Protocol, ip: string, port: number, ctx: IpvsDecodeContext, facts: IpvsAddressFacts): 'cluster' | 'local' {
  const p = id !== null ? ctx.policies?.(id) : undefined;
  if (p !== undefined) return (kind === 'cluster-ip' ? p.internalLocal : p.externalLocal) ? 'local' : 'cluster';
  // No API answer: kube-proxy's *-LOCAL sets tell ETP=Local; nothing tells ITP=Local.
  return facts.externalLocalHint(kind, proto, ip, port) === true ? 'local' : 'cluster';
}

/**
 * Virtual servers of `family` grouped per Service port. Groups are keyed by the name table's
 * ServicePortId object (one object per Service port), unidentified ones by their VS name, and
 * unidentified NodePort VSs of one port together (one VS per node address).
 */
function groupEntries(dump: IpvsDump, file: string, ctx: IpvsDecodeContext, facts: IpvsAddressFacts): Group[] {
  const groups: Group[] = [];
  const byId = new Map<ServicePortId, Group>();
  const byIdKey = new Map<string, Group>();
  const byName = new Map<string, Group>();
  // Several listings in one capture repeat a VS: the first counts, or the one that shows weights.
  const seen = new Map<string, Entry>();
  let seq = 0;
  for (const vs of dump.services) {
    // kube-proxy never creates firewall-mark services; those belong to keepalived and friends.
    const protocol = PROTOCOLS[vs.protocol];
    const address = vs.address;
    if (vs.family !== ctx.family || address === undefined || protocol === undefined) continue;
    const { ip, port } = address;
    const name = `${vs.protocol} ${hostPort(ip, port)}`;
    const dup = seen.get(name);
    if (dup !== undefined) {
      // Prefer the listing that shows weights (`-Ln`) over `--stats`/`--rate`.
      if (!hasWeights(dup.vs) && hasWeights(vs)) {
        dup.vs = vs;
        dup.evidence = { node: ctx.node, file, line: vs.line, raw: vs.raw };
      }
      continue;
    }
    const { kind, id } = classifyVirtualServer(protocol, ip, port, ctx.names, facts);
    const entry: Entry = {
      vs, name, kind, ip, port, protocol, seq: seq++,
      policy: policyOf(kind, id, protocol, ip, port, ctx, facts),
      evidence: { node: ctx.node, file, line: vs.line, raw: vs.raw },
    };
    seen.set(name, entry);
    let g: Group | undefined;
    if (id !== null) {
      g = byId.get(id);
      if (g === undefined) {
        // A name table that hands out equal ids as different objects still groups by value.
        const k = `${id.namespace}/${id.name}:${id.portName}/${id.protocol}`;
        g = byIdKey.get(k);
        if (g === undefined) byIdKey.set(k, (g = { id, label: spnLabel(id), entries: [] }));
        byId.set(id, g);
      }
    } else {
      const key = kind === 'node-port' ? `${vs.protocol} *:${port} (NodePort)` : name;
      g = byName.get(key);
      if (g === undefined) byName.set(key, (g = { id: null, label: key, entries: [] }));
    }
    if (g.entries.length === 0) groups.push(g);
    g.entries.push(entry);
  }
  return groups;
}

function frontendsOf(entries: readonly Entry[]): ProgrammedFrontend[] {
  const out: ProgrammedFrontend[] = [];
  let nodePorts: ProgrammedFrontend[] | undefined;
  for (const e of entries) {
    if (e.kind !== 'node-port') {
      out.push({ kind: e.kind, ip: e.ip, port: e.port, protocol: e.protocol, path: e.policy, target: e.name, evidence: e.evidence });
      continue;
    }
    // One NodePort frontend (any local address); the VS on each further address is extra evidence.
    const same = nodePorts?.find((f) => f.port === e.port && f.protocol === e.protocol);
    if (same !== undefined) {
      (same.extraEvidence ??= []).push(e.evidence);
      continue;
    }
    const f: ProgrammedFrontend = { kind: 'node-port', port: e.port, protocol: e.protocol, path: e.policy, target: e.name, evidence: e.evidence };
    (nodePorts ??= []).push(f);
    out.push(f);
  }
  return out;
}

function toServicePort(g: Group, file: string, ctx: IpvsDecodeContext, facts: IpvsAddressFacts): ProgrammedServicePort {
  const entries = g.entries.length === 1 ? g.entries : g.entries.slice().sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.seq - b.seq);
  const rsEvidence = (line: number, raw: string): Evidence => ({ node: ctx.node, file, line, raw });
  const sp: ProgrammedServicePort = {
    id: g.id,
    // Identified by address (the model's 'comment' also covers frontend lookups, as in the iptables decoder).
    idSource: g.id === null ? 'none' : 'comment',
    label: g.label,
    frontends: frontendsOf(entries),
    markers: [],
    chains: entries.map((e) => e.name),
  };
  if (entries.length === 1) {
    const path = buildVirtualServerPath(entries[0].policy, entries, rsEvidence);
    if (entries[0].policy === 'cluster') sp.clusterPath = path;
    else sp.localPath = path;
  } else {
    const cluster = entries.filter((e) => e.policy === 'cluster');
    const local = entries.filter((e) => e.policy === 'local');
    if (cluster.length > 0) sp.clusterPath = buildVirtualServerPath('cluster', cluster, rsEvidence);
    if (local.length > 0) sp.localPath = buildVirtualServerPath('local', local, rsEvidence);
  }
  // loadBalancerSourceRanges live in KUBE-LOAD-BALANCER-FW / -SOURCE-CIDR, enforced by the
  // filter chain KUBE-SOURCE-RANGES-FIREWALL.
  for (const e of entries) {
    if (e.kind !== 'load-balancer') continue;
    const ranges = facts.sourceRanges(e.protocol, e.ip, e.port);
    if (ranges === undefined) continue;
    sp.firewallChain = 'KUBE-SOURCE-RANGES-FIREWALL';
    const all = (sp.sourceRanges ??= []);
    for (const r of ranges) if (!all.includes(r)) all.push(r);
  }
  return sp;
}

export function decodeIpvs(input: IpvsDecodeInput, ctx: IpvsDecodeContext): ProgrammedNode {
  const file = input.ipvs.file;
  const facts = ipvsAddressFacts(ctx.family, ctx.nodeIPs, input.ipAddr?.dump, input.ipset?.dump);
  const groups = groupEntries(input.ipvs.dump, file, ctx, facts);
  const servicePorts: ProgrammedServicePort[] = [];
  const unmappedChains: ProgrammedNode['facts']['unmappedChains'] = [];
  for (const g of groups) {
    servicePorts.push(toServicePort(g, file, ctx, facts));
    if (g.id === null) for (const e of g.entries) unmappedChains.push({ chain: e.name, evidence: e.evidence });
  }
  return {
    node: ctx.node,
    mode: 'ipvs',
    family: ctx.family,
    servicePorts,
    nameMismatches: [],
    // IPVS has no rule comments, so there is nothing for large-cluster mode to drop.
    facts: { unmappedChains, endpointCommentsPresent: true, file },
  };
}
