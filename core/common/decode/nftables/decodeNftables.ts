import type { Evidence, NameMismatch, NftRuleset, NftTable, ProgrammedNode, ProgrammedServicePort } from '../../model';
import type { NftNameTable } from '../../kube/nftNameTable';
import { spnLabel } from '../iptables/commentNames';
import { endpointServiceBase } from './nftChainName';
import type { NftDecodeState, NftGroup, NftSlot } from './nftDecodeState';
import { adopt, groupOf, idKey, newDecodeState, newGroup, slotEvidence } from './nftDecodeState';
import { decodeFrontends } from './nftFrontends';
import { walkGroup } from './nftGroupWalk';
import { collectNameMismatches, resolveIdentity } from './nftIdentity';
import { attachMarkers } from './nftMarkers';

// nftables dump (`table ip kube-proxy` / `table ip6 kube-proxy`) -> the mode-independent
// "programmed services" model (model/programmed.ts), filled exactly as the iptables decoder fills
// it so the core checks answer the same in both modes. Shapes follow kubernetes
// pkg/proxy/nftables/proxier.go (v1.34; shared reference kube-proxy-dataplane.md §5). Linear in
// the size of the table: chains and sets are indexed once, every chain is decoded at most once,
// and nothing recurses.

export interface NftDecodeContext {
  node: string;
  /** Snapshot file the dump came from; cited by every piece of evidence. */
  file: string;
  family: 4 | 6;
  /** Reverse lookups built from the Service list; null when no API objects are available. */
  names: NftNameTable | null;
  /** Recompute every endpoint- chain name from its Service port and dnat target (default true; one sha256 per endpoint). */
  verifyEndpointNames?: boolean;
}

type Unmapped = ProgrammedNode['facts']['unmappedChains'];

/** kube-proxy's table of the family (`ip` / `ip6`, named kube-proxy). */
export function kubeProxyTable(ruleset: NftRuleset, family: 4 | 6): NftTable | undefined {
  const want = family === 6 ? 'ip6' : 'ip';
  return ruleset.tables.find((t) => t.family === want && t.name === 'kube-proxy');
}

/**
 * Chains kube-proxy flushed as stale: it deletes them a second or more later (kernels before 6.2
 * notice an unreferenced chain late), so an empty chain nothing refers to is normal, not an orphan.
 */
function isFlushedLeftover(slot: NftSlot): boolean {
  return slot.chain !== undefined && slot.chain.rules.length === 0 && slot.via === undefined && slot.owner === undefined;
}

/** Frontends first, then every present service-level chain, walking all groups (new ones included). */
function buildGroups(st: NftDecodeState): void {
  decodeFrontends(st);
  const walkAll = (): void => {
    // Map iteration also visits groups added while walking.
    for (const g of st.groups.values()) walkGroup(st, g);
  };
  walkAll();
  // Shaped chains group by suffix; unshaped ones nothing reached come last, one group each.
  for (const slot of st.slots.values()) {
    if (slot.role !== 'endpoint' && slot.suffix !== undefined && !isFlushedLeftover(slot)) groupOf(st, slot);
  }
  walkAll();
  for (const slot of st.slots.values()) {
    if (slot.role !== 'endpoint' && slot.chain !== undefined && !isFlushedLeftover(slot)) groupOf(st, slot);
  }
  walkAll();
}

/** endpoint- chains nothing reaches: joined to the group of the Service their name spells, else unmapped. */
function placeOrphanEndpoints(st: NftDecodeState, unmapped: Unmapped): void {
  let byBase: Map<string, NftGroup> | undefined;
  for (const slot of st.slots.values()) {
    if (slot.role !== 'endpoint' || slot.owner !== undefined || slot.chain === undefined || isFlushedLeftover(slot)) continue;
    const base = slot.suffix === undefined ? null : endpointServiceBase(slot.suffix);
    if (base === null) {
      unmapped.push({ chain: slot.name, evidence: slotEvidence(st, slot) });
      continue;
    }
    if (byBase === undefined) {
      byBase = new Map();
      for (const g of st.groups.values()) if (g.suffix !== undefined && !byBase.has(g.suffix.slice(9))) byBase.set(g.suffix.slice(9), g);
    }
    let g = byBase.get(base);
    if (g === undefined) {
      g = newGroup(st, `B:${base}`, undefined);
      byBase.set(base, g);
    }
    adopt(g, slot);
  }
}

function labelOf(g: NftGroup): string {
  if (g.id !== null) return spnLabel(g.id);
  const r = g.roles;
  return (r.service ?? r.local ?? r.external ?? r.firewall ?? g.slots[0])?.name ?? g.fallbackLabel ?? g.key;
}

function toServicePort(g: NftGroup): ProgrammedServicePort {
  const chains: string[] = [];
  for (const slot of g.slots) if (slot.chain !== undefined) chains.push(slot.name);
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
  if (g.roles.external !== undefined) sp.externalChain = g.roles.external.name;
  if (g.roles.firewall !== undefined) {
    sp.firewallChain = g.roles.firewall.name;
    sp.sourceRanges = g.sourceRanges ?? [];
  }
  return sp;
}

export function decodeNftables(ruleset: NftRuleset, ctx: NftDecodeContext): ProgrammedNode {
  const st = newDecodeState(ctx.node, ctx.file, ctx.names, kubeProxyTable(ruleset, ctx.family));
  const unmappedChains: { chain: string; evidence: Evidence }[] = [];
  if (st.table !== undefined) {
    buildGroups(st);
    placeOrphanEndpoints(st, unmappedChains);
    for (const g of st.groups.values()) {
      resolveIdentity(st, g);
      if (g.id === null) continue;
      const key = idKey(g.id);
      if (!st.byId.has(key)) st.byId.set(key, g);
    }
    attachMarkers(st);
  }
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
    mode: 'nftables',
    family: ctx.family,
    servicePorts,
    nameMismatches,
    facts: {
      unmappedChains,
      // nft chain names carry the Service and endpoint identity; there is no comment-less mode.
      endpointCommentsPresent: true,
      file: ctx.file,
    },
  };
}
