import type { ExpectedServicePort, Finding, ProgrammedPath } from '../../model';
import type { NodeCheckContext } from '../context';
import { findingPort, serviceRef, servicePortLabel } from '../keys';
import { makeFinding } from '../makeFinding';
import { describeService, grepRules, kubeProxyLogs, restartKubeProxy } from '../nextSteps';
import { pathEvidence } from '../evidenceOf';
import { evidenceForService } from './serviceEvidence';

// affinity-residue (C24): session-affinity rules that disagree with the Service.
// sessionAffinity ClientIP is programmed as `-m recent --rcheck --seconds T` (iptables), an
// `affinity-…` set with `timeout T` (nftables) or a `persistent T` virtual server (IPVS); T is
// sessionAffinityConfig.clientIP.timeoutSeconds (default 10800). Flags: affinity rules with the
// wrong timeout, affinity rules for a Service without ClientIP (left from before a change), and
// ClientIP without affinity rules. IPVS virtual servers are checked one by one by ipvs-structure
// (ipvsAffinity.ts), which reads the dump directly, so this check skips IPVS nodes.

export function checkAffinityResidue(ctx: NodeCheckContext): Finding[] {
  const cluster = ctx.cluster;
  if (!cluster || ctx.programmed.mode === 'ipvs') return [];
  const out: Finding[] = [];
  const joins = cluster.joins;
  for (let i = 0; i < joins.length; i++) {
    const j = joins[i];
    const e = j.e;
    if (!e || !e.proxied || j.orphan) continue;
    // Nothing is allocated for the usual Service port whose affinity matches.
    let wrong: { path: ProgrammedPath; have: number | undefined }[] | undefined;
    for (let s = 0; s < j.sps.length; s++) {
      const sp = j.sps[s];
      for (let k = 0; k < 2; k++) {
        const path = k === 0 ? sp.clusterPath : sp.localPath;
        if (!path || path.backends.length === 0) continue;
        if (path.affinitySeconds !== e.affinitySeconds) (wrong ??= []).push({ path, have: path.affinitySeconds });
      }
    }
    if (wrong) out.push(finding(ctx, e, wrong));
  }
  return out;
}

function finding(ctx: NodeCheckContext, e: ExpectedServicePort, wrong: { path: ProgrammedPath; have: number | undefined }[]): Finding {
  const node = ctx.node;
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const want = e.affinitySeconds;
  const have = wrong[0].have;
  const chains = wrong.map((w) => w.path.chain).join(', ');
  const tool = ctx.programmed.mode === 'nftables' ? 'nft list ruleset' : ctx.programmed.family === 6 ? 'ip6tables-save' : 'iptables-save';
  let title: string;
  let what: string;
  if (want === undefined) {
    title = `${label} on ${node} still has ClientIP session affinity (${have}s) the Service no longer asks for`;
    what = `Service ${serviceRef(e.id)} has sessionAffinity None, but ${chains} on ${node} still pins each client to one endpoint for ${have}s. ` +
      'Load is not spread per connection, and a client stays on its endpoint even when others are added.';
  } else if (have === undefined) {
    title = `${label} on ${node} has no session affinity although the Service asks for ClientIP`;
    what = `Service ${serviceRef(e.id)} has sessionAffinity ClientIP (${want}s), but ${chains} on ${node} has no affinity rules, ` +
      'so each connection may land on a different endpoint (sessions kept in one Pod break).';
  } else {
    title = `${label} on ${node} keeps session affinity for ${have}s, the Service says ${want}s`;
    what = `Service ${serviceRef(e.id)} sets sessionAffinityConfig.clientIP.timeoutSeconds=${want}, but ${chains} on ${node} uses ${have}s. ` +
      'Clients stick to an endpoint for the wrong time.';
  }
  return makeFinding({
    check: 'affinity-residue',
    severity: 'medium',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    title,
    message: `${what} kube-proxy rewrites these rules on its next sync, so a lasting difference means kube-proxy on ${node} is not applying Service updates.`,
    nextSteps: [describeService(e.id.namespace, e.id.name), grepRules(node, wrong[0].path.chain, tool), ...kubeProxyLogs(node), restartKubeProxy(node)],
    evidence: [
      evidenceForService(e.service, want === undefined ? 'sessionAffinity None' : `sessionAffinity ClientIP, timeoutSeconds ${want}`),
      ...wrong.flatMap((w) => affinityEvidence(w.path)),
    ],
  });
}

/** The affinity rules themselves when the path has them (`--rcheck`, `@affinity-`), else its first rules. */
function affinityEvidence(path: ProgrammedPath): Finding['evidence'] {
  const sticky = path.evidence.filter((ev) => ev.raw.includes('--rcheck') || ev.raw.includes('@affinity-'));
  return sticky.length > 0 ? sticky.slice(0, 3) : pathEvidence(path, 2);
}
