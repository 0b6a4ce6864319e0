import { endpointKey, formatEndpoint, servicePortKey } from '../checks/keys';
import type {
  ExpectedEndpoint,
  ExpectedServicePort,
  Finding,
  LbStep,
  NodeAnalysis,
  ProgrammedBackend,
  ProgrammedFrontend,
  ProgrammedMarker,
  ProgrammedPath,
  ProgrammedServicePort,
  ServicePortId,
} from '../model';

// `proxyscope explain`: everything about one Service (port) on one node in one place, i.e. what
// kube-proxy programmed (frontends -> service chain -> LB steps -> endpoint chains -> DNAT) next to
// what it should have programmed, plus the findings about it. Rows are joined by `ip:port`.

/** OK: expected and programmed. STALE: programmed, not expected (and not a known not-ready
 *  endpoint). NOT-READY: programmed, endpoint exists but is not ready. MISSING: expected, not
 *  programmed. UNCHECKED: programmed, but there is no cluster.json to compare with. */
export type BackendMark = 'OK' | 'STALE' | 'NOT-READY' | 'MISSING' | 'UNCHECKED';

export interface ExplainBackendRow {
  endpoint: string;
  mark: BackendMark;
  expected: boolean;
  programmed: ProgrammedBackend | null;
  /** The API endpoint (from this path's set, or any endpoint of the Service port). */
  endpointInfo: ExpectedEndpoint | null;
}

export interface ExplainStep {
  step: LbStep;
  backend: ProgrammedBackend | null;
}

export interface ExplainPath {
  policy: 'cluster' | 'local';
  /** null when the path is expected but no chain was found. */
  programmed: ProgrammedPath | null;
  steps: ExplainStep[];
  rows: ExplainBackendRow[];
  terminatingFallback: boolean;
}

export interface ExplainedServicePort {
  id: ServicePortId;
  /** `ns/name:port/proto` with the port's name, or number when unnamed. */
  label: string;
  family: 4 | 6;
  expected: ExpectedServicePort | null;
  programmed: ProgrammedServicePort | null;
  frontends: ProgrammedFrontend[];
  markers: ProgrammedMarker[];
  paths: ExplainPath[];
  notes: string[];
}

export interface ExplainQuery {
  namespace: string;
  name: string;
  /** Port name or number; all ports when absent. */
  port?: string;
}

export interface ExplainResult {
  node: string;
  query: ExplainQuery;
  /** False when the snapshot had no cluster.json: nothing to compare with. */
  hasCluster: boolean;
  servicePorts: ExplainedServicePort[];
  findings: Finding[];
}

/** Expected Service ports per address family (expectedServicePorts(index, node, family)). */
export type ExpectedByFamily = Partial<Record<4 | 6, ExpectedServicePort[]>>;

/**
 * `expected` is null without cluster.json. Pass it per family when you can: a flat list has its
 * family guessed from the ClusterIP or endpoint addresses.
 */
export function explainServicePort(
  analysis: NodeAnalysis,
  expected: ExpectedByFamily | ExpectedServicePort[] | null,
  query: ExplainQuery,
): ExplainResult {
  const entries = new Map<string, { id: ServicePortId; family: 4 | 6; exp: ExpectedServicePort | null; prog: ProgrammedServicePort | null }>();
  const entry = (id: ServicePortId, family: 4 | 6) => {
    const key = `${family}|${servicePortKey(id)}`;
    let e = entries.get(key);
    if (!e) {
      e = { id, family, exp: null, prog: null };
      entries.set(key, e);
    }
    return e;
  };
  const isService = (id: ServicePortId | null): id is ServicePortId => id !== null && id.namespace === query.namespace && id.name === query.name;

  const tagged: [ExpectedServicePort, 4 | 6][] = Array.isArray(expected)
    ? expected.map((e) => [e, familyOfExpected(e)])
    : ([4, 6] as const).flatMap((fam) => (expected?.[fam] ?? []).map((e): [ExpectedServicePort, 4 | 6] => [e, fam]));
  const programmedFamilies = new Set(analysis.programmed.map((p) => p.family));
  for (const [exp, family] of tagged) {
    if (!isService(exp.id)) continue;
    // A single-stack Service has an entry for the other family too; it only matters when that
    // family has rules on the node.
    if (exp.notProxiedReason === 'no-cluster-ip-family' && !programmedFamilies.has(family)) continue;
    const e = entry(exp.id, family);
    if (e.exp === null || (!e.exp.proxied && exp.proxied)) e.exp = exp;
  }
  for (const pn of analysis.programmed) {
    for (const sp of pn.servicePorts) {
      // First one wins: duplicate chains for one port are reported by checks, not merged here.
      if (isService(sp.id)) {
        const e = entry(sp.id, pn.family);
        if (e.prog === null) e.prog = sp;
      }
    }
  }

  const servicePorts: ExplainedServicePort[] = [];
  for (const e of entries.values()) {
    if (query.port !== undefined && !portMatches(query.port, e.id, e.exp, e.prog)) continue;
    servicePorts.push(explainOne(e.id, e.family, e.exp, e.prog, expected !== null));
  }
  servicePorts.sort((a, b) => (a.label === b.label ? a.family - b.family : a.label < b.label ? -1 : 1));

  const portNames = new Set(servicePorts.flatMap((sp) => portLabels(sp.id, sp.expected, sp.programmed)));
  const service = `${query.namespace}/${query.name}`;
  const findings = analysis.findings.filter(
    (f) => f.service === service && (query.port === undefined || f.port === null || portNames.has(f.port)),
  );
  return { node: analysis.summary.node, query, hasCluster: expected !== null, servicePorts, findings };
}

function familyOfExpected(exp: ExpectedServicePort): 4 | 6 {
  const ip = exp.clusterIP ?? exp.allEndpoints[0]?.ip ?? '';
  return ip.includes(':') ? 6 : 4;
}

/** The strings a user may type for this port: its name, its number. */
function portLabels(id: ServicePortId, exp: ExpectedServicePort | null, prog: ProgrammedServicePort | null): string[] {
  const labels: string[] = [];
  if (id.portName !== '') labels.push(id.portName);
  if (exp) labels.push(String(exp.servicePort.port));
  else for (const fe of prog?.frontends ?? []) if (fe.kind === 'cluster-ip') labels.push(String(fe.port));
  return labels;
}

function portMatches(port: string, id: ServicePortId, exp: ExpectedServicePort | null, prog: ProgrammedServicePort | null): boolean {
  return portLabels(id, exp, prog).includes(port);
}

function displayPort(id: ServicePortId, exp: ExpectedServicePort | null, prog: ProgrammedServicePort | null): string {
  if (id.portName !== '') return id.portName;
  return portLabels(id, exp, prog)[0] ?? '';
}

function explainOne(
  id: ServicePortId,
  family: 4 | 6,
  exp: ExpectedServicePort | null,
  prog: ProgrammedServicePort | null,
  hasCluster: boolean,
): ExplainedServicePort {
  const port = displayPort(id, exp, prog);
  const label = `${id.namespace}/${id.name}${port !== '' ? `:${port}` : ''}/${id.protocol}`;
  const notes: string[] = [];
  if (exp && !exp.proxied) notes.push(`not proxied by kube-proxy (${exp.notProxiedReason ?? 'by design'}): no rules are expected`);
  if (!prog) notes.push('no rules for this Service port were found in the dump');
  if (!hasCluster) notes.push('the snapshot has no cluster.json: programmed backends cannot be compared with the API');
  else if (!exp) notes.push('the Service port is not in cluster.json (deleted, or rules for another cluster state)');

  const paths: ExplainPath[] = [];
  for (const policy of ['cluster', 'local'] as const) {
    const progPath = (policy === 'cluster' ? prog?.clusterPath : prog?.localPath) ?? null;
    const expEndpoints = exp ? (policy === 'cluster' ? exp.clusterEndpoints : exp.localEndpoints) : [];
    if (!progPath && !(exp && exp.proxied && pathUsed(exp, policy) && expEndpoints.length > 0)) continue;
    paths.push(explainPath(policy, progPath, exp, expEndpoints, hasCluster && exp !== null));
  }
  return {
    id,
    label,
    family,
    expected: exp,
    programmed: prog,
    frontends: prog?.frontends ?? [],
    markers: prog?.markers ?? [],
    paths,
    notes,
  };
}

/** Which chains kube-proxy uses (pkg/proxy/serviceport.go UsesClusterEndpoints / UsesLocalEndpoints). */
function pathUsed(exp: ExpectedServicePort, policy: 'cluster' | 'local'): boolean {
  if (policy === 'cluster') return !exp.internalPolicyLocal || (exp.hasExternal && !exp.externalPolicyLocal);
  return exp.internalPolicyLocal || (exp.hasExternal && exp.externalPolicyLocal);
}

function explainPath(
  policy: 'cluster' | 'local',
  prog: ProgrammedPath | null,
  exp: ExpectedServicePort | null,
  expEndpoints: ExpectedEndpoint[],
  compare: boolean,
): ExplainPath {
  const backends = prog?.backends ?? [];
  const byChain = new Map<string, ProgrammedBackend>();
  for (const b of backends) if (b.chain !== undefined) byChain.set(b.chain, b);
  const steps = (prog?.steps ?? []).map((step, i) => ({ step, backend: byChain.get(step.target) ?? (byChain.size === 0 ? (backends[i] ?? null) : null) }));

  const rows: ExplainBackendRow[] = [];
  const progByKey = new Map<string, ProgrammedBackend>();
  for (const b of backends) progByKey.set(endpointKey(b.ip, b.port), b);
  const all = new Map<string, ExpectedEndpoint>();
  for (const ep of exp?.allEndpoints ?? []) all.set(endpointKey(ep.ip, ep.port), ep);
  const expectedKeys = new Set<string>();
  for (const ep of expEndpoints) {
    const key = endpointKey(ep.ip, ep.port);
    expectedKeys.add(key);
    const b = progByKey.get(key) ?? null;
    rows.push({ endpoint: formatEndpoint(ep.ip, ep.port), mark: b ? 'OK' : 'MISSING', expected: true, programmed: b, endpointInfo: ep });
  }
  for (const b of backends) {
    const key = endpointKey(b.ip, b.port);
    if (expectedKeys.has(key)) continue;
    const info = all.get(key) ?? null;
    const mark: BackendMark = !compare ? 'UNCHECKED' : info && !info.ready ? 'NOT-READY' : 'STALE';
    rows.push({ endpoint: formatEndpoint(b.ip, b.port), mark, expected: false, programmed: b, endpointInfo: info });
  }
  const terminatingFallback = exp ? (policy === 'cluster' ? exp.clusterUsesTerminatingFallback : exp.localUsesTerminatingFallback) : false;
  return { policy, programmed: prog, steps, rows, terminatingFallback };
}
