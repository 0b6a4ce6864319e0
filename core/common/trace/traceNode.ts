import type { SnapshotNode } from '../model/analysis';
import type { IpsetDump } from '../model/ipset';
import type { IptablesDump } from '../model/iptables';
import type { NftTable } from '../model/nft';
import { parseIpAddr } from '../parse/ipAddr';
import { parseIpset } from '../parse/ipset';
import { parseIptablesSave } from '../parse/iptablesSave';
import { parseIpvsadm } from '../parse/ipvsadm';
import { parseNftDump } from '../parse/nftDump';
import type { Cidr, ParsedIp } from '../ip/ipMath';
import { formatIp, parseCidr, parseIp } from '../ip/ipMath';
import { traceIptables } from './iptablesTrace';
import { ipvsStage } from './ipvsTrace';
import { traceNft } from './nftTrace';
import { collectOutcomes } from './traceOutcomes';
import type { TraceEnv } from './tracePath';
import { DEFAULT_LIMITS, newPath } from './tracePath';
import { orderSteps } from './traceSteps';
import type { PlaneTrace, TraceOptions, TracePlane, TraceQuery, TraceResult } from './traceTypes';

// Entry point of the packet trace: picks the data planes the node's dumps show for the packet's
// family and follows the packet through each. Never throws: a bad query or unusable files give a
// result with `error` set.

const IPTABLES_FILES: Record<4 | 6, string[]> = {
  4: ['iptables-save.txt', 'iptables-legacy-save.txt'],
  6: ['ip6tables-save.txt', 'ip6tables-legacy-save.txt'],
};
const NFT_FILES = ['nft.json', 'nft.txt'];
const PROTOCOLS = ['tcp', 'udp', 'sctp'];

export function traceNode(node: SnapshotNode, query: TraceQuery, opts: TraceOptions = {}): TraceResult {
  const result: TraceResult = { node: node.name, query, planes: [], notes: [] };
  try {
    const problem = checkQuery(query);
    if (problem) return { ...result, error: problem };
    const dst = parseIp(query.dst) as ParsedIp;
    const family = dst.family;
    result.family = family;
    const src = query.src !== undefined ? (parseIp(query.src) ?? undefined) : undefined;
    const { local, podCIDRs } = nodeFacts(node, family, opts, result.notes);
    const files = node.files;
    const mode = files['proxy-mode.txt']?.trim();
    if (mode) result.notes.push(`kube-proxy reports proxy mode "${mode.split('\n')[0].slice(0, 40)}"`);

    const ipvs = files['ipvsadm.txt'] !== undefined ? parseIpvsadm(files['ipvsadm.txt']) : undefined;
    const ipset = files['ipset.txt'] !== undefined ? parseIpset(files['ipset.txt']) : undefined;
    const ipt = IPTABLES_FILES[family].filter((f) => files[f] !== undefined).map((name) => ({ name, dump: parseIptablesSave(files[name]) }));
    const kubeIpt = ipt.filter((d) => d.dump.tables.get('nat')?.chains.has('KUBE-SERVICES'));

    const mk = (plane: TracePlane, file: string): TraceEnv => ({
      query,
      family,
      ...(src ? { src } : {}),
      local,
      localKnown: local.size > 0,
      podCIDRs,
      plane,
      file: `nodes/${node.name}/${file}`,
      root: { child: null },
      steps: [],
      allRules: opts.allRules === true,
      run: null,
      nextBranch: 0,
      parentOf: new Map(),
      leaves: 0,
      work: 0,
      limits: DEFAULT_LIMITS,
      truncated: false,
      notes: [],
    });
    const done = (env: TraceEnv, plane: TracePlane, file: string, extra: PlaneTrace['outcomes'] = []): void => {
      result.planes.push({
        plane,
        file: `nodes/${node.name}/${file}`,
        family,
        steps: orderSteps(env.steps),
        outcomes: [...collectOutcomes(env.root.child, podCIDRs), ...extra],
        notes: env.notes,
        truncated: env.truncated,
      });
    };

    const nftName = NFT_FILES.find((f) => files[f] !== undefined);
    if (nftName) {
      const ruleset = parseNftDump(files[nftName]);
      const tables = ruleset.tables.filter((t) => t.name === 'kube-proxy' && (t.family === 'inet' || t.family === (family === 4 ? 'ip' : 'ip6')));
      if (tables.length > 0) {
        const env = mk('nftables', nftName);
        noteOtherTables(env, ruleset.tables, tables);
        if (NFT_FILES.every((f) => files[f] !== undefined)) env.notes.push(`both nft.json and nft.txt present: traced ${nftName}`);
        traceNft({ env, tables }, newPath(env, dst, formatIp(dst)));
        done(env, 'nftables', nftName);
      }
    }
    if (ipvs && ipvs.services.length > 0) {
      const env = mk('ipvs', 'ipvsadm.txt');
      if (ipvs.problem) env.notes.push(ipvs.problem);
      const footprint = kubeIpt[0] ?? ipt[0];
      const stage = ipvsStage(env, ipvs, !files['ip-addr.txt']);
      const start = newPath(env, dst, formatIp(dst));
      if (footprint) {
        env.notes.push(`iptables rules from ${footprint.name} traced around the IPVS scheduling`);
        env.plane = 'iptables';
        env.file = `nodes/${node.name}/${footprint.name}`;
        traceIptables({ env, dump: footprint.dump, ...(ipset ? { ipset } : {}), ipvs: stage.schedule }, start);
      } else {
        env.notes.push(`no ${IPTABLES_FILES[family][0]}: only the IPVS virtual servers are traced`);
        stage.alone(start);
      }
      done(env, 'ipvs', 'ipvsadm.txt', stage.draining());
    } else {
      const traced = kubeIpt.length > 0 ? kubeIpt : result.planes.length === 0 ? ipt : [];
      if (kubeIpt.length > 1) result.notes.push(`kube-proxy chains in both ${kubeIpt.map((d) => d.name).join(' and ')}: each is traced`);
      for (const d of traced) traceIptablesPlane(mk('iptables', d.name), d.name, d.dump, ipset, dst);
    }
    if (result.planes.length > 1) {
      result.notes.push(`${result.planes.length} data planes in this node's dumps (${result.planes.map((p) => `${p.plane} in ${p.file}`).join(', ')}): each is traced on its own; kube-proxy runs one of them`);
    }
    if (result.planes.length === 0) {
      const looked = [...IPTABLES_FILES[family], ...NFT_FILES, 'ipvsadm.txt'].join(', ');
      return { ...result, error: `node ${node.name} has no data-plane dump for IPv${family} (looked for ${looked})` };
    }
    return result;

    function traceIptablesPlane(env: TraceEnv, name: string, dump: IptablesDump, set: IpsetDump | undefined, to: ParsedIp): void {
      if (!dump.tables.get('nat')?.chains.has('KUBE-SERVICES')) env.notes.push('no KUBE-SERVICES chain in the nat table: kube-proxy rules are not in this dump');
      traceIptables({ env, dump, ...(set ? { ipset: set } : {}) }, newPath(env, to, formatIp(to)));
      done(env, 'iptables', name);
    }
  } catch (err) {
    return { ...result, planes: [], error: `internal error while tracing: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function checkQuery(q: TraceQuery): string | undefined {
  if (typeof q !== 'object' || q === null) return 'no query';
  const dst = typeof q.dst === 'string' ? parseIp(q.dst) : null;
  if (!dst || q.dst.includes('/')) return `destination ${JSON.stringify(q.dst)} is not an IP address`;
  if (!Number.isInteger(q.port) || q.port < 1 || q.port > 65535) return `port ${JSON.stringify(q.port)} is not a port number (1-65535)`;
  if (!PROTOCOLS.includes(q.protocol)) return `protocol ${JSON.stringify(q.protocol)} is not one of ${PROTOCOLS.join(', ')}`;
  if (q.src !== undefined) {
    const src = typeof q.src === 'string' ? parseIp(q.src) : null;
    if (!src || q.src.includes('/')) return `source ${JSON.stringify(q.src)} is not an IP address`;
    if (src.family !== dst.family) return `source ${q.src} and destination ${q.dst} are not of the same IP family`;
  }
  return undefined;
}

function nodeFacts(node: SnapshotNode, family: 4 | 6, opts: TraceOptions, notes: string[]): { local: Set<string>; podCIDRs: Cidr[] } {
  const local = new Set<string>();
  for (const ip of opts.nodeIPs ?? []) {
    const p = parseIp(ip);
    if (p && p.family === family) local.add(formatIp(p));
  }
  const addr = node.files['ip-addr.txt'];
  if (addr !== undefined) {
    for (const a of parseIpAddr(addr).addresses) {
      const p = parseIp(a.address);
      if (p && p.family === family) local.add(formatIp(p));
    }
  }
  if (local.size === 0) notes.push('the node\'s own addresses are unknown (no Node addresses in cluster.json, no ip-addr.txt): "destination is local" is a condition');
  const podCIDRs: Cidr[] = [];
  for (const c of opts.podCIDRs ?? []) {
    const p = parseCidr(c);
    if (p && p.family === family) podCIDRs.push(p);
  }
  return { local, podCIDRs };
}

function noteOtherTables(env: TraceEnv, all: NftTable[], traced: NftTable[]): void {
  const others = all.filter((t) => !traced.includes(t)).map((t) => `${t.family} ${t.name}`);
  if (others.length > 0) env.notes.push(`only the kube-proxy table is traced; also present: ${others.slice(0, 8).join(', ')}${others.length > 8 ? ', ...' : ''}`);
}
