import type { ExpectedServicePort, Finding, IptablesDump, NodeAnalysis, NodeSummary, PhaseTimings, ProgrammedNode, SnapshotNode } from '../model';
import { buildNodeCheckContext, runNodeChecks } from '../checks';
import type { NodeCheckContext, NodeDumpFile } from '../checks/context';
import { checkDumpMalformed } from '../checks/dumpMalformed';
import { checkIptablesBackendSplit, firstServiceJump } from '../checks/iptablesBackendSplit';
import { decodeIptables } from '../decode/iptables/decodeIptables';
import { parseIptablesSave } from '../parse/iptablesSave';
import { buildNodeDigest } from './nodeDigest';
import type { PreparedCluster } from './prepareCluster';
import { errorText, expectedFor, iptablesNames, usableCluster } from './prepareCluster';

// One node of a snapshot: parse its iptables dumps, decode them into the programmed model, compute
// what kube-proxy should have programmed there, run the node checks and build the digest the
// cross-node checks need. Never throws: a node that fails is reported with status 'error'.

/** Dump files read per family: the default (usually nf_tables) backend, then the legacy one. */
export const IPTABLES_FILES: readonly { name: string; family: 4 | 6; legacy: boolean }[] = [
  { name: 'iptables-save.txt', family: 4, legacy: false },
  { name: 'iptables-legacy-save.txt', family: 4, legacy: true },
  { name: 'ip6tables-save.txt', family: 6, legacy: false },
  { name: 'ip6tables-legacy-save.txt', family: 6, legacy: true },
];

export interface AnalyzeNodeOptions {
  /** Millisecond clock for PhaseTimings (e.g. performance.now); no timings without it. */
  clock?: () => number;
}

export function analyzeNode(node: SnapshotNode, cluster: PreparedCluster | null, opts: AnalyzeNodeOptions = {}): NodeAnalysis {
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
  const result: NodeAnalysis = { summary, programmed: [], findings: [] };
  if (clock) result.timings = timings;
  try {
    const present = IPTABLES_FILES.filter((f) => typeof node.files[f.name] === 'string');
    if (present.length === 0) {
      summary.status = 'no-dump';
      return result;
    }
    let t = clock?.() ?? 0;
    const dumps: (NodeDumpFile & { family: 4 | 6; legacy: boolean })[] = present.map((f) => ({
      ...f,
      file: `nodes/${node.name}/${f.name}`,
      dump: parseIptablesSave(node.files[f.name]),
    }));
    if (clock) timings.parse = clock() - t;
    for (const d of dumps) {
      summary.ruleCount += d.dump.ruleCount;
      summary.malformedLines += d.dump.malformed.length;
    }
    const main4 = dumps.find((d) => d.name === 'iptables-save.txt');
    if (main4?.dump.generator && main4.dump.generator.backend !== 'unknown') summary.iptablesBackend = main4.dump.generator.backend;

    t = clock?.() ?? 0;
    const usable = usableCluster(cluster);
    const programmed: ProgrammedNode[] = [];
    for (const family of [4, 6] as const) {
      const chosen = pickDump(dumps.filter((d) => d.family === family));
      if (!chosen) continue;
      // The parser guesses the family from addresses; the file name is authoritative.
      const dump: IptablesDump = chosen.dump.family === family ? chosen.dump : { ...chosen.dump, family };
      programmed.push(decodeIptables(dump, { node: node.name, file: chosen.file, names: usable ? iptablesNames(usable, family) : null }));
    }
    if (clock) timings.decode = clock() - t;
    result.programmed = programmed;

    t = clock?.() ?? 0;
    const findings: Finding[] = [];
    const contexts: NodeCheckContext[] = [];
    for (const p of programmed) {
      const expected: ExpectedServicePort[] | null = usable ? expectedFor(usable, node.name, p.family) : null;
      const ctx = buildNodeCheckContext(p, usable && expected ? { index: usable.index, expected } : null);
      contexts.push(ctx);
      findings.push(...runNodeChecks(ctx));
    }
    findings.push(...checkIptablesBackendSplit(node.name, dumps), ...checkDumpMalformed(node.name, dumps));
    result.findings = findings;
    result.digest = buildNodeDigest(node.name, contexts);
    if (clock) timings.check = clock() - t;

    summary.mode = programmed.some((p) => p.servicePorts.length > 0) || dumps.some((d) => firstServiceJump(d.dump)) ? 'iptables' : 'unknown';
    for (const p of programmed) {
      summary.servicePorts += p.servicePorts.length;
      for (const sp of p.servicePorts) summary.backends += countBackends(sp.clusterPath?.backends, sp.localPath?.backends);
    }
  } catch (err) {
    summary.status = 'error';
    summary.error = `analysis of node ${node.name} failed: ${errorText(err)}`;
    result.findings = [];
    delete result.digest;
  }
  return result;
}

/** The default-backend dump, unless only the legacy one holds kube-proxy Service rules. */
function pickDump<T extends NodeDumpFile & { legacy: boolean }>(candidates: T[]): T | undefined {
  const main = candidates.find((d) => !d.legacy);
  const legacy = candidates.find((d) => d.legacy);
  if (main && legacy && !firstServiceJump(main.dump) && firstServiceJump(legacy.dump)) return legacy;
  return main ?? legacy;
}

function countBackends(...lists: ({ ip: string; port: number }[] | undefined)[]): number {
  const s = new Set<string>();
  for (const l of lists) for (const b of l ?? []) s.add(`${b.ip}:${b.port}`);
  return s.size;
}
