import type { Evidence, IptablesDump, NameMismatch, ProgrammedNode, ProgrammedServicePort } from '../../model';
import type { IptablesNameTable } from '../../kube/iptablesNameTable';
import { attachMarkers, indexFrontends } from './attachMarkers';
import type { FrontendIndex } from './attachMarkers';
import { parseComment, spnLabel } from './commentNames';
import type { CommentClaim } from './commentNames';
import type { DecodeState, Group } from './decodeState';
import { adopt, byIdOf, groupOf, idKey, newDecodeState, newGroup, slotEvidence } from './decodeState';
import { endpointOf } from './endpointChain';
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
    // Indexed: also visits groups added while walking.
    const groups = st.groups;
    for (let i = 0; i < groups.length; i++) walkGroup(st, groups[i]);
  };
  // Shaped chains first: they group by suffix. Unshaped ones nothing jumped to come last.
  const slots = st.slots;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    if (slot.role !== 'sep' && slot.chain !== undefined && slot.suffix !== undefined) groupOf(st, slot);
  }
  walkAll();
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    if (slot.role !== 'sep' && slot.chain !== undefined && slot.owner === undefined) groupOf(st, slot);
  }
  walkAll();
}

/** KUBE-SEP chains no service chain reaches: joined to their commented Service port, else unmapped. */
function placeOrphanEndpoints(st: DecodeState, unmapped: Unmapped): void {
  if (st.sepOwned === st.sepPresent) return; // every KUBE-SEP chain has its group
  for (const slot of st.slots) {
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
    const byId = byIdOf(st);
    let g = byId.get(key);
    if (g === undefined) {
      g = newGroup(st, `I:${key}`, undefined);
      g.id = id;
      g.idSource = 'comment';
      byId.set(key, g);
    }
    adopt(st, g, slot);
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
  const verify = ctx.verifyEndpointNames !== false;
  const st = newDecodeState(ctx.node, ctx.file, ctx.names, dump.tables.get('nat')?.chains, dump.tables.get('filter')?.chains, verify);
  buildGroups(st);
  for (const g of st.groups) resolveIdentity(st, g);
  // st.byId (`ns/name:port/proto` -> first group) is built on first use, from the groups as they are now.
  const unmappedChains: { chain: string; evidence: Evidence }[] = [];
  placeOrphanEndpoints(st, unmappedChains);
  let index: FrontendIndex | undefined;
  const lazyIndex = (): FrontendIndex => (index ??= indexFrontends(st));
  attachMarkers(st, decodeFilterMarkers(st, () => lazyIndex().kinds), lazyIndex);

  const nameMismatches: NameMismatch[] = [];
  const servicePorts: ProgrammedServicePort[] = [];
  for (const g of st.groups) {
    if (g.id === null) {
      for (const slot of g.slots) unmappedChains.push({ chain: slot.name, evidence: slotEvidence(st, slot) });
    } else {
      collectNameMismatches(st, g, nameMismatches, verify);
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
