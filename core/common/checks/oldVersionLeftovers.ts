import type { ClusterIndex, Evidence, Finding } from '../model';
import type { NodeLevelContext } from './nodeLevel';
import { chainDeclaration } from '../analyze/dataPlanes';
import { listSome, makeFinding, plural } from './makeFinding';

// old-version-leftovers (C33): chains that current kube-proxy and kubelet no longer write —
// KUBE-XLB-* (iptables mode before v1.24, now KUBE-EXT/KUBE-SVL), KUBE-MARK-DROP (kubelet until
// v1.25, KEP-3178), KUBE-PORTALS-* / KUBE-NODEPORT-CONTAINER|HOST (the userspace proxier, removed
// in v1.26) — and a note when an iptables dump has no per-endpoint comments: kube-proxy drops
// them above 1000 endpoints (largeClusterEndpointsThreshold), so rules were mapped to Services by
// chain-name hash only.

const OLD_CHAINS: { match: (name: string) => boolean; what: string }[] = [
  { match: (n) => n.startsWith('KUBE-XLB-'), what: 'KUBE-XLB-* (kube-proxy before v1.24)' },
  { match: (n) => n === 'KUBE-MARK-DROP', what: 'KUBE-MARK-DROP (kubelet before v1.25)' },
  { match: (n) => n.startsWith('KUBE-PORTALS-') || n === 'KUBE-NODEPORT-CONTAINER' || n === 'KUBE-NODEPORT-HOST', what: 'KUBE-PORTALS-* (the userspace proxier, removed in v1.26)' },
];

/**
 * Cheap pre-filter: a 10k-Service dump has ~60k chains, nearly all KUBE-SVC/SEP/EXT/FW. Old
 * chains start with `KUBE-` followed by X, M, P or N (KUBE-XLB-, KUBE-MARK-DROP, KUBE-PORTALS-,
 * KUBE-NODEPORT-…).
 */
function maybeOld(name: string): boolean {
  if (name.length < 9 || !name.startsWith('KUBE-')) return false;
  const c = name.charCodeAt(5);
  return c === 88 || c === 77 || c === 80 || c === 78;
}

/** kube-proxy's largeClusterEndpointsThreshold (pkg/proxy/iptables/proxier.go). */
const LARGE_CLUSTER_ENDPOINTS = 1000;

export function checkOldVersionLeftovers(ctx: NodeLevelContext): Finding[] {
  const out: Finding[] = [];
  for (const f of ctx.dumps.iptables) {
    const kinds = new Map<string, string[]>();
    const evidence: Evidence[] = [];
    // forEach, not for-of: ~60k chains at 10k Services, walked once per node (mostly unoptimized
    // code, where each iterator step allocates).
    f.dump.tables.forEach((table) => {
      table.chains.forEach((chain) => {
        if (!maybeOld(chain.name)) return;
        const kind = OLD_CHAINS.find((k) => k.match(chain.name));
        if (!kind) return;
        const list = kinds.get(kind.what) ?? [];
        list.push(`${table.name}/${chain.name}`);
        kinds.set(kind.what, list);
        if (evidence.length < 6) {
          const r = chain.rules[0];
          evidence.push(chain.line > 0 ? { node: ctx.node, file: f.file, line: chain.line, raw: chainDeclaration(chain) } : { node: ctx.node, file: f.file, line: r?.line ?? 0, raw: r?.raw ?? `:${chain.name}` });
        }
      });
    });
    if (kinds.size === 0) continue;
    const names = [...kinds.values()].flat();
    out.push(
      makeFinding({
        check: 'old-version-leftovers',
        severity: 'low',
        node: ctx.node,
        title: `Chains of old Kubernetes versions in ${f.name} on ${ctx.node}`,
        message:
          `${f.file} has ${plural(names.length, 'chain')} that current kube-proxy and kubelet no longer create: ${[...kinds.keys()].join('; ')} ` +
          `(${listSome(names, 4)}). They are left from an upgrade and nothing removes them. Usually harmless, but if rules still jump to them, traffic follows ` +
          'logic nobody maintains any more; if kube-proxy itself still writes KUBE-XLB-* chains, it is older than v1.24.',
        nextSteps: [
          'kubectl -n kube-system get ds kube-proxy -o jsonpath="{.spec.template.spec.containers[0].image}"',
          `on ${ctx.node}: ${f.name.startsWith('ip6') ? 'ip6tables' : 'iptables'}-save | grep -e KUBE-XLB- -e KUBE-MARK-DROP -e KUBE-PORTALS-   # what still references them`,
          `remove unreferenced ones on ${ctx.node} with iptables -t <table> -X <chain>`,
        ],
        evidence,
      }),
    );
  }
  out.push(...largeClusterNotes(ctx));
  return out;
}

function largeClusterNotes(ctx: NodeLevelContext): Finding[] {
  const out: Finding[] = [];
  // Counted only when a note is written (dumps with comments never need it).
  let endpoints: number | null | undefined;
  for (const p of ctx.programmed) {
    if (p.mode !== 'iptables' || p.facts.endpointCommentsPresent) continue;
    if (endpoints === undefined) endpoints = ctx.index ? endpointCount(ctx.index) : null;
    const sample = p.servicePorts.find((sp) => sp.clusterPath && sp.clusterPath.backends.length > 0)?.clusterPath;
    const ev = sample?.steps[0]?.evidence ?? sample?.evidence[0];
    const few = endpoints !== null && endpoints <= LARGE_CLUSTER_ENDPOINTS;
    out.push(
      makeFinding({
        check: 'old-version-leftovers',
        // A note, not a fault: the analysis is as complete as with comments.
        severity: 'info',
        node: ctx.node,
        title: `Rules on ${ctx.node} carry no per-endpoint comments (large-cluster mode); mapped by chain-name hash`,
        message:
          `The KUBE-SVC/KUBE-SEP rules in ${p.facts.file} have no "ns/name:port -> ip:port" comments. kube-proxy leaves them out when the cluster has ` +
          `more than ${LARGE_CLUSTER_ENDPOINTS} endpoints, to keep syncs fast, so Proxyscope mapped every chain to its Service port by recomputing kube-proxy's ` +
          'chain-name hashes instead of reading comments. The findings are as reliable; grepping the dump for a Service name will not find its endpoint rules.' +
          (few ? ` cluster.json lists only ${plural(endpoints ?? 0, 'endpoint')}, fewer than the threshold: the rules may come from an older kube-proxy or another writer.` : ''),
        nextSteps: [`on ${ctx.node}: iptables-save -t nat | grep -c 'KUBE-SEP-'   # per-endpoint chains, found by hash`],
        evidence: ev ? [ev] : [{ node: ctx.node, file: p.facts.file, line: 0, raw: '(no per-endpoint comments in this dump)' }],
      }),
    );
  }
  return out;
}

function endpointCount(index: ClusterIndex): number {
  let n = 0;
  index.slicesByService.forEach((slices) => {
    for (let i = 0; i < slices.length; i++) n += slices[i].endpoints?.length ?? 0;
  });
  return n;
}
