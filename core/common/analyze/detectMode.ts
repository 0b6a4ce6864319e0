import type { ClusterIndex, ProxyMode } from '../model';
import type { NodeDumps } from '../checks/nodeLevel';
import { stripPrefixLength } from '../parse/iptablesRule';
import type { DataPlanes, PlaneView } from './dataPlanes';
import { observePlanes, pickIptables } from './dataPlanes';

// Which mode kube-proxy runs on a node, so the right plane is decoded for the checks.
//  1. kube-proxy's own answer (proxy-mode.txt, from :10249/proxyMode), when that plane exists
//     (or was not captured: then nothing is decoded and the node is 'no-dump');
//  2. else the plane holding Service entries. When several do (a mode switch that left the old
//     rules behind), the one that matches the API best wins (entries for current Service
//     addresses minus entries for addresses no Service has); without cluster.json, the larger one;
//     on a tie the newer mode (nftables, then IPVS, then iptables: migrations go that way).
//     Between iptables and IPVS the content of nat KUBE-SERVICES decides (both rewrite it whole);
//     mode-switch-leftovers (C04) reports the others;
//  3. else the plane whose structure exists without Service entries (kube-proxy runs but
//     programs nothing: the Service checks say so);
//  4. else 'unknown': no kube-proxy data plane at all (proxy-mode-mismatch says kube-proxy may be
//     replaced, e.g. by Cilium) and nothing is decoded.
// The reported mode is not decoded when its plane is absent but another holds Service rules:
// packets then hit those rules, so they are what the checks must read; C01 reports the mismatch.

export const PROXY_MODES: readonly ProxyMode[] = ['iptables', 'nftables', 'ipvs'];
/** Tie-break order (see above). */
const NEWER_FIRST: readonly ProxyMode[] = ['nftables', 'ipvs', 'iptables'];

export type ModeSource = 'reported' | 'services' | 'structure' | 'none';

export interface ModeDetection {
  mode: ProxyMode | 'unknown';
  source: ModeSource;
  /** The chosen mode's dumps are in the snapshot (false: e.g. proxy-mode.txt says nftables, no nft.json). */
  captured: boolean;
  /** proxy-mode.txt, when it names one of the three modes. */
  reported?: ProxyMode;
  planes: DataPlanes;
  /** Planes other than the chosen one that hold Service entries. */
  others: ProxyMode[];
}

export function isProxyMode(s: string | undefined): s is ProxyMode {
  return s === 'iptables' || s === 'nftables' || s === 'ipvs';
}

export function planeOf(planes: DataPlanes, mode: ProxyMode): PlaneView {
  return mode === 'iptables' ? planes.iptables : mode === 'nftables' ? planes.nftables : planes.ipvs;
}

export function detectMode(node: string, dumps: NodeDumps, index: ClusterIndex | null): ModeDetection {
  const reportedText = dumps.reportedMode?.mode;
  return chooseMode(observePlanes(node, dumps), dumps, isProxyMode(reportedText) ? reportedText : undefined, index);
}

/** The mode the dumps alone point at, whatever kube-proxy reports (proxy-mode-mismatch compares the two). */
export function observedMode(node: string, dumps: NodeDumps, index: ClusterIndex | null): ModeDetection {
  return chooseMode(observePlanes(node, dumps), dumps, undefined, index);
}

function chooseMode(planes: DataPlanes, dumps: NodeDumps, reported: ProxyMode | undefined, index: ClusterIndex | null): ModeDetection {
  const withServices = PROXY_MODES.filter((m) => planeOf(planes, m).services > 0);
  const result = (mode: ProxyMode | 'unknown', source: ModeSource): ModeDetection => ({
    mode,
    source,
    captured: mode !== 'unknown' && planeOf(planes, mode).captured,
    ...(reported ? { reported } : {}),
    planes,
    others: withServices.filter((m) => m !== mode),
  });

  if (reported && planeOf(planes, reported).present) return result(reported, 'reported');
  // Its dumps were not captured: trust kube-proxy and decode nothing (what else is there is leftovers).
  if (reported && !planeOf(planes, reported).captured) return result(reported, 'reported');
  if (withServices.length === 1) return result(withServices[0], 'services');
  if (withServices.length > 1) return result(strongest(planes, dumps, withServices, index), 'services');
  if (reported) return result(reported, 'reported');
  const structure = NEWER_FIRST.find((m) => planeOf(planes, m).present);
  if (structure) return result(structure, 'structure');
  return result('unknown', 'none');
}

function strongest(planes: DataPlanes, dumps: NodeDumps, candidates: ProxyMode[], index: ClusterIndex | null): ProxyMode {
  let modes = candidates;
  // iptables and IPVS mode both write nat KUBE-SERVICES in full on every sync, so its content
  // names the last writer: KUBE-SVC-… jumps (iptables) or the KUBE-CLUSTER-IP match-set rule (IPVS).
  if (modes.includes('iptables') && modes.includes('ipvs')) {
    const ipvsWroteLast = planes.iptables.files.some((f) => f.ipvsMatchSet !== undefined);
    modes = modes.filter((m) => m !== (ipvsWroteLast ? 'iptables' : 'ipvs'));
    if (modes.length === 1) return modes[0];
  }
  const api = index ? apiFrontends(index) : null;
  let best = modes[0];
  let bestScore = -Infinity;
  for (const m of NEWER_FIRST) {
    if (!modes.includes(m)) continue;
    const score = api ? apiScore(planes, dumps, m, api) : planeOf(planes, m).services;
    if (score > bestScore) {
      best = m;
      bestScore = score;
    }
  }
  return best;
}

interface ApiFrontends {
  /** `ip|proto|port` of every ClusterIP, external IP and LB IP of every Service port. */
  addresses: Set<string>;
  /** `proto|nodePort`. */
  nodePorts: Set<string>;
}

function apiFrontends(index: ClusterIndex): ApiFrontends {
  const addresses = new Set<string>();
  const nodePorts = new Set<string>();
  for (const s of index.services.values()) {
    const spec = s.spec;
    if (!spec) continue;
    const ips = [...(spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])), ...(spec.externalIPs ?? [])];
    for (const ing of s.status?.loadBalancer?.ingress ?? []) if (ing?.ip) ips.push(ing.ip);
    for (const p of spec.ports ?? []) {
      const proto = (p.protocol ?? 'TCP').toLowerCase();
      for (const ip of ips) if (ip && ip !== 'None') addresses.add(`${ip.toLowerCase()}|${proto}|${p.port}`);
      if (p.nodePort) nodePorts.add(`${proto}|${p.nodePort}`);
    }
  }
  return { addresses, nodePorts };
}

/** Entries for current Service frontends minus entries for frontends no Service has. */
function apiScore(planes: DataPlanes, dumps: NodeDumps, mode: ProxyMode, api: ApiFrontends): number {
  let score = 0;
  const addr = (ip: string | undefined, proto: string | undefined, port: string | number | undefined) => {
    if (!ip || !proto || port === undefined) return;
    score += api.addresses.has(`${stripPrefixLength(ip).toLowerCase()}|${proto.toLowerCase()}|${port}`) ? 1 : -1;
  };
  const np = (proto: string | undefined, port: string | number | undefined) => {
    if (!proto || port === undefined) return;
    score += api.nodePorts.has(`${proto.toLowerCase()}|${port}`) ? 1 : -1;
  };
  if (mode === 'iptables') {
    for (const fam of [4, 6] as const) {
      const f = pickIptables(planes.iptables.files.filter((x) => x.family === fam));
      const nat = f?.parsed.dump.tables.get('nat');
      for (const r of nat?.chains.get('KUBE-SERVICES')?.rules ?? []) {
        if (r.target?.startsWith('KUBE-SVC-') || r.target?.startsWith('KUBE-SVL-') || r.target?.startsWith('KUBE-EXT-') || r.target?.startsWith('KUBE-FW-')) {
          addr(r.destination?.value, r.protocol?.value, portOf(r.matches));
        }
      }
      for (const r of nat?.chains.get('KUBE-NODEPORTS')?.rules ?? []) {
        if (r.target?.startsWith('KUBE-')) np(r.protocol?.value, portOf(r.matches));
      }
    }
  } else if (mode === 'nftables') {
    for (const t of planes.nftables.tables) {
      for (const name of ['service-ips', 'no-endpoint-services']) for (const e of t.table.maps.get(name)?.elements ?? []) addr(e.key[0], e.key[1], e.key[2]);
      for (const name of ['service-nodeports', 'no-endpoint-nodeports']) for (const e of t.table.maps.get(name)?.elements ?? []) np(e.key[0], e.key[1]);
    }
  } else {
    for (const vs of dumps.ipvs?.dump.services ?? []) {
      if (!vs.address) continue;
      const proto = vs.protocol.toLowerCase();
      const key = `${vs.address.ip.toLowerCase()}|${proto}|${vs.address.port}`;
      score += api.addresses.has(key) || api.nodePorts.has(`${proto}|${vs.address.port}`) ? 1 : -1;
    }
  }
  return score;
}

function portOf(matches: { options: { name: string; values: string[] }[] }[]): string | undefined {
  for (const m of matches) for (const o of m.options) if (o.name === '--dport' || o.name === '--destination-port') return o.values[0];
  return undefined;
}
