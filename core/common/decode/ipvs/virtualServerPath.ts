import type { Evidence, IpvsVirtualService, LbStep, ProgrammedBackend, ProgrammedPath } from '../../model';

// The real servers of the virtual servers that feed one path (cluster or local) of a Service
// port, as a ProgrammedPath. kube-proxy gives every virtual server of a Service port the same
// endpoint set for its policy (pkg/proxy/ipvs/proxier.go syncEndpoint), so they normally agree;
// when they do not (a missed update on one address), the path holds the union and the steps keep
// every virtual server's own real servers, so nothing is hidden.
//
// IPVS picks by weight (rr/wrr/...): a real server's share is weight / sum of its virtual
// server's weights. Weight 0 is graceful termination (pkg/proxy/ipvs/graceful_termination.go):
// no new connections, kept until its connections drain; it stays a backend with probability 0.

export interface PathVirtualServer {
  vs: IpvsVirtualService;
  /** `TCP 10.96.0.10:53`, `TCP [fd00::10]:53`: the VS as ipvsadm prints it. */
  name: string;
  evidence: Evidence;
}

/** `ip:port` with IPv6 in brackets, as ipvsadm prints addresses. */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function buildVirtualServerPath(
  policy: 'cluster' | 'local',
  servers: readonly PathVirtualServer[],
  rsEvidence: (line: number, raw: string) => Evidence,
): ProgrammedPath {
  const backends: ProgrammedBackend[] = [];
  // Real servers are unique within a VS: the union needs a lookup only from the second VS on.
  let byKey: Map<string, ProgrammedBackend> | undefined;
  const steps: LbStep[] = [];
  const evidence: Evidence[] = [];
  let affinitySeconds: number | undefined;
  for (let v = 0; v < servers.length; v++) {
    const s = servers[v];
    if (v === 1) {
      byKey = new Map();
      for (const b of backends) byKey.set(`${b.ip}|${b.port}`, b);
    }
    evidence.push(s.evidence);
    if (affinitySeconds === undefined && s.vs.persistent !== undefined) affinitySeconds = s.vs.persistent;
    let sum = 0;
    let weighted = true;
    for (const rs of s.vs.realServers) {
      if (rs.weight === undefined) weighted = false;
      else sum += rs.weight;
    }
    for (const rs of s.vs.realServers) {
      const ev = rsEvidence(rs.line, rs.raw);
      evidence.push(ev);
      const { ip, port } = rs.address;
      const weight = rs.weight;
      // Shares only mean something when every real server of the VS shows its weight.
      const probability = !weighted || weight === undefined ? undefined : sum > 0 ? weight / sum : 0;
      // key = position in the path's steps: unique per step, so every real server of every VS is one IPVS index.
      const step: LbStep = { target: `${s.name} -> ${hostPort(ip, port)}`, key: steps.length, evidence: ev };
      if (probability !== undefined) step.probability = probability;
      steps.push(step);
      const key = byKey !== undefined ? `${ip}|${port}` : '';
      const seen = byKey?.get(key);
      if (seen === undefined) {
        const b: ProgrammedBackend = { ip, port, evidence: [s.evidence, ev] };
        if (weight !== undefined) b.weight = weight;
        if (probability !== undefined) b.probability = probability;
        byKey?.set(key, b);
        backends.push(b);
        continue;
      }
      // Listed by several virtual servers: the lowest weight and share any of them gives it
      // (weight 0 on one address = draining there); per-VS values are in the steps.
      seen.evidence.push(s.evidence, ev);
      if (weight !== undefined) seen.weight = seen.weight === undefined ? weight : Math.min(seen.weight, weight);
      if (probability !== undefined) seen.probability = seen.probability === undefined ? probability : Math.min(seen.probability, probability);
    }
  }
  const path: ProgrammedPath = { policy, chain: servers[0]?.name ?? '', backends, steps, evidence };
  if (affinitySeconds !== undefined) path.affinitySeconds = affinitySeconds;
  return path;
}
