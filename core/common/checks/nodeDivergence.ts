import type { DigestServicePort, Finding, NodeDigest } from '../model';
import { listSome, makeFinding, plural } from './makeFinding';
import { getSlices, grepRules, kubeProxyLogs, restartKubeProxy } from './nextSteps';

// node-divergence (C31): the same Service port programmed differently on different nodes. With
// cluster.json each node is compared by how far it deviates from what it should have, which removes
// the legitimate differences (Local paths, topology subsets); without it, raw cluster-path backend
// sets are compared. Nodes outside the majority are flagged.

interface Member {
  node: string;
  entry: DigestServicePort;
  signature: string;
}

export function checkNodeDivergence(digests: NodeDigest[], withCluster: boolean): Finding[] {
  const groups = new Map<string, Member[]>();
  for (const d of digests) {
    const seen = new Set<string>();
    for (const entry of d.servicePorts) {
      const gk = `${entry.family}|${entry.key}`;
      if (seen.has(gk)) continue; // a node lists a Service port once; keep the first
      seen.add(gk);
      const signature = signatureOf(entry, withCluster);
      if (signature === null) continue;
      const list = groups.get(gk);
      const m = { node: d.node, entry, signature };
      if (list) list.push(m);
      else groups.set(gk, [m]);
    }
  }
  const out: Finding[] = [];
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const first = members[0].signature;
    if (members.every((m) => m.signature === first)) continue;
    out.push(...divergence(members, withCluster));
  }
  return out;
}

/** What must agree across nodes; null when the entry cannot be compared. */
function signatureOf(e: DigestServicePort, withCluster: boolean): string | null {
  if (withCluster) {
    if (e.matchesExpected) return '#';
    if (e.expectedCluster === undefined && e.expectedLocal === undefined) return null;
    return `${deviation(e.cluster, e.expectedCluster)}#${deviation(e.local, e.expectedLocal)}`;
  }
  return e.cluster === undefined ? null : e.cluster;
}

function split(list: string | undefined): string[] {
  return list ? list.split(',') : [];
}

/** `+extra -missing` between a programmed and an expected backend list ('' when equal). */
function deviation(have: string | undefined, want: string | undefined): string {
  const h = split(have);
  const w = new Set(split(want));
  const hs = new Set(h);
  const extra = h.filter((x) => !w.has(x));
  const missing = [...w].filter((x) => !hs.has(x));
  return extra.length + missing.length === 0 ? '' : `+${extra.join(',')} -${missing.join(',')}`;
}

function isClean(signature: string): boolean {
  return signature === '#';
}

function divergence(members: Member[], withCluster: boolean): Finding[] {
  const bySig = new Map<string, Member[]>();
  for (const m of members) {
    const l = bySig.get(m.signature);
    if (l) l.push(m);
    else bySig.set(m.signature, [m]);
  }
  const ranked = [...bySig.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  const top = ranked[0][1].length;
  const tied = ranked.filter(([, l]) => l.length === top);
  let reference: [string, Member[]] | undefined = tied.length === 1 ? tied[0] : undefined;
  if (!reference && withCluster) reference = tied.find(([sig]) => isClean(sig));
  if (!reference) return [noMajority(members, ranked, withCluster)];
  const [refSig, refMembers] = reference;
  const out: Finding[] = [];
  for (const [sig, list] of ranked) {
    // With cluster.json a node that has exactly what it should is never the one to blame.
    if (sig === refSig || (withCluster && isClean(sig))) continue;
    for (const m of list) out.push(minority(m, refMembers, members.length, withCluster && isClean(refSig)));
  }
  return out;
}

function describeDiff(m: Member, ref: Member, withCluster: boolean): string {
  if (withCluster) {
    const e = m.entry;
    const parts: string[] = [];
    for (const [name, have, want] of [
      ['cluster', e.cluster, e.expectedCluster],
      ['local', e.local, e.expectedLocal],
    ] as const) {
      const h = new Set(split(have));
      const w = new Set(split(want));
      const extra = [...h].filter((x) => !w.has(x));
      const missing = [...w].filter((x) => !h.has(x));
      if (extra.length) parts.push(`its ${name} path still reaches ${listSome(extra, 4)}, which it should not`);
      if (missing.length) parts.push(`its ${name} path lacks ${listSome(missing, 4)}`);
    }
    return parts.length ? `${parts.join('; ')}.` : 'it matches what the EndpointSlices say, unlike the other nodes.';
  }
  const h = new Set(split(m.entry.cluster));
  const r = new Set(split(ref.entry.cluster));
  const extra = [...h].filter((x) => !r.has(x));
  const missing = [...r].filter((x) => !h.has(x));
  const parts: string[] = [];
  if (extra.length) parts.push(`it sends traffic to ${listSome(extra, 4)}, which the other nodes do not`);
  if (missing.length) parts.push(`it does not reach ${listSome(missing, 4)}, which the other nodes do`);
  return `${parts.join('; ')}.`;
}

/** `refClean`: the reference nodes have exactly what the EndpointSlices say (cluster.json present). */
function minority(m: Member, refMembers: Member[], total: number, refClean: boolean): Finding {
  const withCluster = refClean || m.entry.expectedCluster !== undefined || m.entry.matchesExpected === true;
  const e = m.entry;
  const refNodes = refMembers.map((x) => x.node);
  const [ns, name] = (e.service ?? '/').split('/');
  const steps = [...kubeProxyLogs(m.node), ...(e.chain ? [grepRules(m.node, e.chain)] : []), restartKubeProxy(m.node)];
  if (e.service) steps.unshift(getSlices(ns, name));
  return makeFinding({
    check: 'node-divergence',
    severity: 'high',
    node: m.node,
    service: e.service,
    port: e.port,
    protocol: e.protocol,
    title: `${e.label} is programmed differently on ${m.node} than on ${plural(refMembers.length, 'other node')}`,
    message:
      (refClean
        ? `${plural(refMembers.length, 'other node')} (${listSome(refNodes, 4)}) program ${e.label} as the EndpointSlices say, but on ${m.node} ${describeDiff(m, refMembers[0], withCluster)} `
        : `${refMembers.length} of ${total} nodes (${listSome(refNodes, 4)}) agree on ${e.label}, but on ${m.node} ${describeDiff(m, refMembers[0], withCluster)} `) +
      (withCluster
        ? 'The differences that are legitimate (Local traffic policy, topology-aware routing) were already allowed for. '
        : 'Without cluster.json Proxyscope cannot tell which set is current; nodes normally agree unless the Service uses topology-aware routing. ') +
      'A node that disagrees usually runs a kube-proxy that stopped applying updates.',
    nextSteps: steps,
    evidence: [...(e.evidence ? [e.evidence] : []), ...(refMembers[0].entry.evidence ? [refMembers[0].entry.evidence] : [])],
  });
}

function noMajority(members: Member[], ranked: [string, Member[]][], withCluster: boolean): Finding {
  const e = members[0].entry;
  const groups = ranked.map(([, l]) => {
    const x = l[0].entry;
    const what = x.matchesExpected ? 'what the EndpointSlices say' : x.cluster ? listSome(split(x.cluster), 3) : 'no cluster-path backends';
    return `${listSome(l.map((m) => m.node), 3)}: ${what}`;
  });
  return makeFinding({
    check: 'node-divergence',
    severity: 'high',
    node: null,
    service: e.service,
    port: e.port,
    protocol: e.protocol,
    title: `Nodes disagree on the backends of ${e.label}`,
    message:
      `${members.length} nodes program ${e.label} in ${ranked.length} different ways with no majority (${groups.join(' | ')}). ` +
      (withCluster ? 'None of the groups matches what the EndpointSlices say for it. ' : 'Without cluster.json Proxyscope cannot tell which set is current. ') +
      'Nodes normally agree unless the Service uses topology-aware routing; otherwise kube-proxy is not applying updates on some of them.',
    nextSteps: [...(e.service ? [getSlices(e.service.split('/')[0], e.service.split('/')[1])] : []), ...kubeProxyLogs(null)],
    evidence: members.flatMap((m) => (m.entry.evidence ? [m.entry.evidence] : [])),
  });
}
