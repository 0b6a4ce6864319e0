import type { Evidence, IptablesDump, NameMismatch, ProgrammedNode, ProgrammedServicePort } from '../../model';
import type { IptablesNameTable } from '../../kube/iptablesNameTable';
import { attachMarkers, indexFrontends } from './attachMarkers';
import type { FrontendIndex } from './attachMarkers';
import { parseComment, spnLabel } from './commentNames';
import type { CommentClaim } from './commentNames';
import type { DecodeState, Group } from './decodeState';
import { adopt, groupOf, idKey, newDecodeState, newGroup, slotEvidence } from './decodeState';
import { decodeEndpoints, endpointOf } from './endpointChain';
import { resolveIdentity } from './identity';
import { decodeFrontends } from './kubeServicesChain';
import { decodeFilterMarkers } from './markers';
import { collectNameMismatches } from './nameMismatches';
import { walkGroup } from './serviceGraph';

// iptables dump -> the mode-independent "programmed services" model (model/programmed.ts).
// Shapes follow kubernetes pkg/proxy/iptables/proxier.go (shared reference
// kube-proxy-dataplane.md §4). Linear in the number of rules: chains are indexed once, every
// chain is decoded at most once, and nothing recurses, so loops and dangling jumps are harmless.

export interface IptablesDecodeContext {
  node: string;
  /** Snapshot file the dump came from; cited by every piece of evidence. */
  file: string;
  /** Reverse lookups built from the Service list; null when no API objects are available. */
  names: IptablesNameTable | null;
  /**
   * Recompute every KUBE-SEP name from its Service port and DNAT target (default true). It is one
   * sha256 per endpoint, about a quarter of the decode time on a 50k-endpoint node.
   */
  verifyEndpointNames?: boolean;
}

type Unmapped = ProgrammedNode['facts']['unmappedChains'];

/** Frontends first, then every present service chain, walking all groups (new ones included). */
function buildGroups(st: DecodeState): void {
  decodeFrontends(st);
  const walkAll = (): void => {
    // Map iteration also visits groups added while walking.
    for (const g of st.groups.values()) walkGroup(st, g);
  };
  // Shaped chains first: they group by suffix. Unshaped ones nothing jumped to come last.
  for (const slot of st.slots.values()) if (slot.role !== 'sep' && slot.chain !== undefined && slot.suffix !== undefined) groupOf(st, slot);
  walkAll();
  for (const slot of st.slots.values()) if (slot.role !== 'sep' && slot.chain !== undefined && slot.owner === undefined) groupOf(st, slot);
  walkAll();
}

/** KUBE-SEP chains no service chain reaches: joined to their commented Service port, else unmapped. */
function placeOrphanEndpoints(st: DecodeState, unmapped: Unmapped): void {
  for (const slot of st.slots.values()) {
    if (slot.role !== 'sep' || slot.owner !== undefined || slot.chain === undefined) continue;
    let claim: CommentClaim | null = null;
    for (const rule of slot.chain.rules) {
      claim = parseComment(rule.comment);
      if (claim !== null) break;
    }
    if (claim === null) {
      endpointOf(st, slot); // counts its rules for endpointCommentsPresent
      unmapped.push({ chain: slot.name, evidence: slotEvidence(st, slot) });
      continue;
    }
    const id = { namespace: claim.namespace, name: claim.name, portName: claim.portName, protocol: endpointOf(st, slot)?.protocol ?? 'tcp' };
    const key = idKey(id);
    let g = st.byId.get(key);
    if (g === undefined) {
      g = newGroup(st, `I:${key}`, undefined);
      g.id = id;
      g.idSource = 'comment';
      st.byId.set(key, g);
    }
    adopt(g, slot);
  }
}

function labelOf(g: Group): string {
  if (g.id !== null) return spnLabel(g.id);
  const r = g.roles;
  return (r.svc ?? r.svl ?? r.ext ?? r.fw ?? r.xlb ?? g.slots[0])?.name ?? g.fallbackLabel ?? g.key;
}

const scratchChains: string[] = [];

function toServicePort(g: Group): ProgrammedServicePort {
  // Copied out of scratch space with its exact length (push() would give it 16 slots).
  let n = 0;
  for (const slot of g.slots) if (slot.chain !== undefined) scratchChains[n++] = slot.name;
  const chains = scratchChains.slice(0, n);
  const sp: ProgrammedServicePort = {
    id: g.id,
    idSource: g.id === null ? 'none' : g.idSource,
    label: labelOf(g),
    frontends: g.frontends,
    markers: g.markers,
    chains,
  };
  if (g.clusterPath !== undefined) sp.clusterPath = g.clusterPath;
  if (g.localPath !== undefined) sp.localPath = g.localPath;
  const external = g.roles.ext ?? g.roles.xlb;
  if (external !== undefined) sp.externalChain = external.name;
  if (g.roles.fw !== undefined) {
    sp.firewallChain = g.roles.fw.name;
    sp.sourceRanges = g.sourceRanges ?? [];
  }
  return sp;
}

export function decodeIptables(dump: IptablesDump, ctx: IptablesDecodeContext): ProgrammedNode {
  const st = newDecodeState(ctx.node, ctx.file, ctx.names, dump.tables.get('nat')?.chains, dump.tables.get('filter')?.chains);
  decodeEndpoints(st);
  buildGroups(st);
  for (const g of st.groups.values()) resolveIdentity(st, g);
  for (const g of st.groups.values()) {
    if (g.id === null) continue;
    const key = idKey(g.id);
    if (!st.byId.has(key)) st.byId.set(key, g);
  }
  const unmappedChains: { chain: string; evidence: Evidence }[] = [];
  placeOrphanEndpoints(st, unmappedChains);
  let index: FrontendIndex | undefined;
  const lazyIndex = (): FrontendIndex => (index ??= indexFrontends(st));
  attachMarkers(st, decodeFilterMarkers(st, () => lazyIndex().kinds), lazyIndex);

  const nameMismatches: NameMismatch[] = [];
  const servicePorts: ProgrammedServicePort[] = [];
  for (const g of st.groups.values()) {
    if (g.id === null) {
      for (const slot of g.slots) unmappedChains.push({ chain: slot.name, evidence: slotEvidence(st, slot) });
    } else {
      collectNameMismatches(st, g, nameMismatches, ctx.verifyEndpointNames !== false);
    }
    servicePorts.push(toServicePort(g));
  }
  return {
    node: ctx.node,
    mode: 'iptables',
    family: dump.family,
    servicePorts,
    nameMismatches,
    facts: {
      unmappedChains,
      // Vacuously true without endpoint rules: nothing shows large-cluster mode then.
      endpointCommentsPresent: st.endpointRules === 0 || st.endpointComments > 0,
      file: ctx.file,
    },
  };
}
