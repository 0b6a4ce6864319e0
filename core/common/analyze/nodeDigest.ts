import type { DigestServicePort, Evidence, ExpectedEndpoint, NodeDigest, ProgrammedPath, ProgrammedServicePort } from '../model';
import type { NodeCheckContext, PortJoin } from '../checks/context';
import { usesClusterPath, usesLocalPath } from '../checks/context';
import { pathsOf } from '../checks/endpointIndex';
import { joinStatus } from '../checks/joinStatus';
import { endpointKey, findingPort, serviceRef, servicePortLabel } from '../checks/keys';

// The compact per-node input of the cross-node checks (model/analysis.ts NodeDigest): one entry per
// programmed Service port with its backend sets as sorted, comma-joined strings. With cluster.json,
// entries that match what the node should have carry just `matchesExpected`.

export function buildNodeDigest(node: string, contexts: NodeCheckContext[]): NodeDigest {
  const servicePorts: DigestServicePort[] = [];
  const families: (4 | 6)[] = [];
  for (const ctx of contexts) {
    const family = ctx.programmed.family;
    families.push(family);
    if (ctx.cluster) {
      for (const j of ctx.cluster.joins) servicePorts.push(joinDigest(family, j));
      for (const sp of ctx.programmed.servicePorts) if (!sp.id) servicePorts.push(rawDigest(family, sp));
    } else {
      for (const sp of ctx.programmed.servicePorts) servicePorts.push(rawDigest(family, sp));
    }
  }
  return { node, families, servicePorts };
}

function joined(keys: Iterable<string>): string {
  return [...new Set(keys)].sort().join(',');
}

/** Backends that take new connections: an IPVS real server at weight 0 is draining, not serving. */
function liveKeys(path: ProgrammedPath): string[] {
  const keys: string[] = [];
  for (const b of path.backends) if (b.weight !== 0) keys.push(endpointKey(b.ip, b.port));
  return keys;
}

function pathSet(path: ProgrammedPath | undefined): string | undefined {
  return path ? joined(liveKeys(path)) : undefined;
}

function epSet(eps: ExpectedEndpoint[]): string {
  return joined(eps.map((ep) => endpointKey(ep.ip, ep.port)));
}

function firstEvidence(path: ProgrammedPath | undefined): Evidence | undefined {
  if (!path) return undefined;
  return path.steps[0]?.evidence ?? path.evidence[0];
}

function unionSet(sps: ProgrammedServicePort[], policy: 'cluster' | 'local'): string | undefined {
  const paths = pathsOf(sps, policy);
  return paths.length ? joined(paths.flatMap(liveKeys)) : undefined;
}


/** Entry for rules read without the API (or that map to no Service port): the raw sets. */
function rawDigest(family: 4 | 6, sp: ProgrammedServicePort): DigestServicePort {
  const chain = sp.clusterPath?.chain ?? sp.localPath?.chain ?? sp.chains[0];
  const port = sp.id ? findingPort(sp.id, undefined, sp) : null;
  const out: DigestServicePort = {
    key: sp.id ? `${sp.id.namespace}/${sp.id.name}:${sp.id.portName}/${sp.id.protocol}` : `chain:${chain ?? sp.label}`,
    family,
    label: sp.id ? servicePortLabel(sp.id, port) : sp.label,
    service: sp.id ? serviceRef(sp.id) : null,
    port,
    protocol: sp.id?.protocol ?? null,
  };
  const cluster = pathSet(sp.clusterPath);
  const local = pathSet(sp.localPath);
  if (cluster !== undefined) out.cluster = cluster;
  if (local !== undefined) out.local = local;
  if (chain !== undefined) out.chain = chain;
  const ev = firstEvidence(sp.clusterPath) ?? firstEvidence(sp.localPath) ?? sp.frontends[0]?.evidence;
  if (ev) out.evidence = ev;
  return out;
}

function joinDigest(family: 4 | 6, j: PortJoin): DigestServicePort {
  const sp = j.sps[0];
  const e = j.e;
  const status = joinStatus(j);
  if (!e || !status) return rawDigest(family, sp);
  if (status.clusterOk && status.localOk) {
    const port = findingPort(e.id, e);
    return { key: j.key, family, label: servicePortLabel(e.id, port), service: serviceRef(e.id), port, protocol: e.id.protocol, matchesExpected: true };
  }
  const out = rawDigest(family, sp);
  out.key = j.key;
  out.port = findingPort(e.id, e);
  out.label = servicePortLabel(e.id, out.port);
  if (j.sps.length > 1) {
    const cluster = unionSet(j.sps, 'cluster');
    const local = unionSet(j.sps, 'local');
    if (cluster !== undefined) out.cluster = cluster;
    if (local !== undefined) out.local = local;
  }
  out.expectedCluster = usesClusterPath(e) ? epSet(e.clusterEndpoints) : '';
  out.expectedLocal = usesLocalPath(e) ? epSet(e.localEndpoints) : '';
  return out;
}
