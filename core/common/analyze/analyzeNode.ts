import type { ExpectedServicePort, Finding, NodeAnalysis, NodeSummary, PhaseTimings, ProgrammedNode, SnapshotNode } from '../model';
import { buildNodeCheckContext, runNodeChecks, runNodeLevelChecks } from '../checks';
import { runCatalogFamilyChecks, runCatalogNodeChecks } from '../checks/catalog';
import type { NodeCheckContext } from '../checks/context';
import { checkDumpMalformed } from '../checks/dumpMalformed';
import { checkIptablesBackendSplit } from '../checks/iptablesBackendSplit';
import type { NodeDumps, NodeLevelContext } from '../checks/nodeLevel';
import { adjustExpectedForIpvs } from '../kube/ipvsExpectation';
import { decodePlane } from './decodePlane';
import { detectMode } from './detectMode';
import { buildNodeDigest } from './nodeDigest';
import { DATA_PLANE_FILES, malformedLineCount, parseNodeDumps } from './nodeDumps';
import type { PreparedCluster } from './prepareCluster';
import { errorText, expectedFor, usableCluster } from './prepareCluster';

// One node of a snapshot: parse every dump it has (nodeDumps.ts), detect the mode kube-proxy runs
// (detectMode.ts), decode that mode's plane into the programmed model (decodePlane.ts), compute
// what kube-proxy should have programmed there, run the per-family checks, the file checks and
// the node-level checks, and build the digest the cross-node checks need. Never throws: a node
// that fails is reported with status 'error'.

export { IPTABLES_FILES } from './nodeDumps';

export interface AnalyzeNodeOptions {
  /** Millisecond clock for PhaseTimings (e.g. performance.now); no timings without it. */
  clock?: () => number;
  /**
   * Leave the cluster-wide API findings (checks/catalog/clusterWide.ts: the same on every node)
   * out of this node's findings and mark the result instead (DeferredNodeAnalysis);
   * finishAnalysis adds them once. Saves computing them in every worker thread.
   */
  deferClusterWide?: boolean;
}

/** A node whose findings lack the cluster-wide API findings they would hold (deferClusterWide). */
export type DeferredNodeAnalysis = NodeAnalysis & { clusterWideDeferred?: true };

export function analyzeNode(node: SnapshotNode, cluster: PreparedCluster | null, opts: AnalyzeNodeOptions = {}): DeferredNodeAnalysis {
  const summary: NodeSummary = {
    node: node.name,
    status: 'analyzed',
    mode: 'unknown',
    files: Object.keys(node.files).filter((f) => f !== 'node.json').sort(),
    ruleCount: 0,
    servicePorts: 0,
    backends: 0,
    malformedLines: 0,
  };
  const clock = opts.clock;
  const timings: PhaseTimings = { parse: 0, decode: 0, check: 0 };
  const result: DeferredNodeAnalysis = { summary, programmed: [], findings: [] };
  const defer = opts.deferClusterWide === true;
  if (clock) result.timings = timings;
  try {
    if (!DATA_PLANE_FILES.some((name) => typeof node.files[name] === 'string')) {
      summary.status = 'no-dump';
      return result;
    }
    let t = clock?.() ?? 0;
    const dumps = parseNodeDumps(node);
    if (clock) timings.parse = clock() - t;
    summary.ruleCount = ruleCount(dumps);
    summary.malformedLines = malformedLineCount(dumps);

    t = clock?.() ?? 0;
    const usable = usableCluster(cluster);
    const detection = detectMode(node.name, dumps, usable?.index ?? null);
    const mode = detection.mode;
    summary.mode = mode;
    // The iptables backend (nf_tables / legacy) matters where kube-proxy writes iptables rules.
    const main4 = dumps.iptables.find((d) => d.name === 'iptables-save.txt');
    if ((mode === 'iptables' || mode === 'ipvs') && main4?.dump.generator && main4.dump.generator.backend !== 'unknown') {
      summary.iptablesBackend = main4.dump.generator.backend;
    }
    const expectedCache = new Map<4 | 6, ExpectedServicePort[] | null>();
    const expectedOf = (family: 4 | 6): ExpectedServicePort[] | null => {
      let e = expectedCache.get(family);
      if (e === undefined) {
        e = usable ? expectedFor(usable, node.name, family) : null;
        expectedCache.set(family, e);
      }
      return e;
    };
    let programmed: ProgrammedNode[] = [];
    if (mode !== 'unknown' && detection.captured) {
      programmed = decodePlane({ node: node.name, mode, dumps, planes: detection.planes, cluster: usable, expected: expectedOf });
    } else if (mode !== 'unknown') {
      // kube-proxy reports a mode whose dumps were not captured: nothing to decode (limitations say so).
      summary.status = 'no-dump';
    }
    if (clock) timings.decode = clock() - t;
    result.programmed = programmed;

    t = clock?.() ?? 0;
    const findings: Finding[] = [];
    const contexts: NodeCheckContext[] = [];
    for (const p of programmed) {
      let expected = expectedOf(p.family);
      // IPVS falls back to cluster endpoints where iptables/nftables drop (k/k#97081).
      if (expected && mode === 'ipvs') expected = adjustExpectedForIpvs(expected);
      const ctx = buildNodeCheckContext(p, usable && expected ? { index: usable.index, expected } : null);
      contexts.push(ctx);
      findings.push(...runNodeChecks(ctx), ...runCatalogFamilyChecks(ctx));
    }
    findings.push(...checkIptablesBackendSplit(node.name, dumps.iptables), ...checkDumpMalformed(node.name, dumps.iptables));
    const level: NodeLevelContext = { node: node.name, mode, dumps, programmed, perFamily: contexts, index: usable?.index ?? null };
    findings.push(...runNodeLevelChecks(level), ...runCatalogNodeChecks(level, { clusterWide: !defer }));
    result.findings = findings;
    result.digest = buildNodeDigest(node.name, contexts);
    if (clock) timings.check = clock() - t;

    for (const p of programmed) {
      summary.servicePorts += p.servicePorts.length;
      for (const sp of p.servicePorts) summary.backends += countBackends(sp.clusterPath?.backends, sp.localPath?.backends);
    }
    // Last in the try: a node that fails keeps no findings, the cluster-wide ones included.
    if (defer && usable) result.clusterWideDeferred = true;
  } catch (err) {
    summary.status = 'error';
    summary.error = `analysis of node ${node.name} failed: ${errorText(err)}`;
    result.findings = [];
    delete result.digest;
    delete result.clusterWideDeferred;
  }
  return result;
}

/** Rules of every iptables dump, rules + elements of the nft capture read, IPVS virtual servers. */
function ruleCount(dumps: NodeDumps): number {
  let n = 0;
  for (const d of dumps.iptables) n += d.dump.ruleCount;
  const nft = dumps.nft[0];
  if (nft) n += nft.dump.ruleCount + nft.dump.elementCount;
  if (dumps.ipvs) n += dumps.ipvs.dump.services.length;
  return n;
}

function countBackends(...lists: ({ ip: string; port: number }[] | undefined)[]): number {
  const s = new Set<string>();
  for (const l of lists) for (const b of l ?? []) s.add(`${b.ip}:${b.port}`);
  return s.size;
}
