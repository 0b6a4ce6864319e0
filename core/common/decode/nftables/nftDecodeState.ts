import type {
  Evidence,
  IdSource,
  L4Protocol,
  NftChain,
  NftElement,
  NftRule,
  NftTable,
  ProgrammedFrontend,
  ProgrammedMarker,
  ProgrammedPath,
  ServicePortId,
} from '../../model';
import type { NftNameTable } from '../../kube/nftNameTable';
import type { CommentClaim } from '../iptables/commentNames';
import { nftChainShape } from './nftChainName';
import type { NftRole, NftServiceRole } from './nftChainName';
import type { NftEndpointInfo } from './nftEndpointChain';

// Shared state of one nftables decode. Every per-Service chain of the table, present or only
// referenced by a map element or a rule, gets one slot, indexed once by name. A group is every
// chain of one Service port: kube-proxy gives its service-/local-/external-/firewall- chains the
// same `HASH8-ns/name/proto/portName` suffix, so the suffix is the grouping key; endpoint- chains
// and unshaped names join the group that reaches them first.

export interface NftSlot {
  name: string;
  /** The chain, or undefined when it is only referenced. */
  chain: NftChain | undefined;
  role: NftRole;
  /** `HASH8-base` of a kube-proxy-shaped name. */
  suffix: string | undefined;
  owner: NftGroup | undefined;
  /** First rule or element seen sending traffic here (kept as is: evidence is built only when cited). */
  via: NftRule | NftElement | undefined;
  /** Decoded endpoint- chain; undefined until decoded, null when absent. */
  endpoint: NftEndpointInfo | null | undefined;
  /** Scratch mark for per-path de-duplication. */
  mark: number;
  walked: boolean;
}

export interface NftGroup {
  key: string;
  /** Shared `HASH8-base` of the group's service-level chains. */
  suffix: string | undefined;
  slots: NftSlot[];
  /** First chain per role. */
  roles: Partial<Record<NftServiceRole, NftSlot>>;
  frontends: ProgrammedFrontend[];
  markers: ProgrammedMarker[];
  clusterPath?: ProgrammedPath;
  localPath?: ProgrammedPath;
  sourceRanges?: string[];
  protocol?: L4Protocol;
  /** First Service port an element comment of the group names (`ns/name:port`). */
  claim?: CommentClaim;
  id: ServicePortId | null;
  idSource: IdSource;
  /** Label for groups nothing identifies (marker-only groups without a comment). */
  fallbackLabel?: string;
}

export interface NftDecodeState {
  node: string;
  file: string;
  names: NftNameTable | null;
  table: NftTable | undefined;
  slots: Map<string, NftSlot>;
  groups: Map<string, NftGroup>;
  /** `ns/name:port/proto` -> group, filled once identities are resolved. */
  byId: Map<string, NftGroup>;
  /** Addresses of the `cluster-ips` set (lower-case). */
  clusterIPs: Set<string>;
  /** Whether the table has a `cluster-ips` set: kube-proxy puts every ClusterIP there, so an address outside it is not one. */
  hasClusterIPsSet: boolean;
  /** `firewall-ips` elements by `ip|proto|port`. */
  firewallByAddress: Map<string, NftElement>;
  /** `firewall-ips` elements by the firewall- chain they go to. */
  firewallByChain: Map<string, NftElement[]>;
  markSeq: number;
}

export function newDecodeState(node: string, file: string, names: NftNameTable | null, table: NftTable | undefined): NftDecodeState {
  const st: NftDecodeState = {
    node,
    file,
    names,
    table,
    slots: new Map(),
    groups: new Map(),
    byId: new Map(),
    clusterIPs: new Set(),
    hasClusterIPsSet: false,
    firewallByAddress: new Map(),
    firewallByChain: new Map(),
    markSeq: 0,
  };
  if (table === undefined) return st;
  for (const [name, chain] of table.chains) {
    const shape = nftChainShape(name);
    if (shape !== null) st.slots.set(name, newSlot(name, chain, shape.role, shape.suffix, undefined));
  }
  const clusterIPs = table.sets.get('cluster-ips');
  if (clusterIPs !== undefined) {
    st.hasClusterIPsSet = true;
    for (const el of clusterIPs.elements) {
      const ip = el.key[0];
      if (ip !== undefined) st.clusterIPs.add(normAddr(ip));
    }
  }
  return st;
}

function newSlot(name: string, chain: NftChain | undefined, role: NftRole, suffix: string | undefined, via: NftRule | NftElement | undefined): NftSlot {
  return { name, chain, role, suffix, owner: undefined, via, endpoint: undefined, mark: 0, walked: false };
}

/** IPv6 in lower case, so addresses from nft, the API and the name table compare equal. */
export function normAddr(ip: string): string {
  return ip.indexOf(':') >= 0 ? ip.toLowerCase() : ip;
}

/** `ip|proto|port` key of a service address. */
export function addressKey(ip: string | undefined, proto: string, port: number): string {
  return `${ip === undefined ? '*' : normAddr(ip)}|${proto}|${port}`;
}

/** Slot of a per-Service chain name (created for names only referenced); null for any other name. */
export function slotOf(st: NftDecodeState, name: string | undefined, via: NftRule | NftElement | undefined): NftSlot | null {
  if (name === undefined) return null;
  let s = st.slots.get(name);
  if (s === undefined) {
    const shape = nftChainShape(name);
    if (shape === null) return null;
    s = newSlot(name, undefined, shape.role, shape.suffix, via);
    st.slots.set(name, s);
  } else if (s.via === undefined) {
    s.via = via;
  }
  return s;
}

/** Evidence of a rule or map element: both carry their line and raw text. */
export function ruleEvidence(st: NftDecodeState, rule: NftRule | NftElement): Evidence {
  return { node: st.node, file: st.file, line: rule.line, raw: rule.raw };
}

export const elementEvidence = ruleEvidence;

/** Evidence for a chain: its first rule, else its declaration, else what refers to it. */
export function slotEvidence(st: NftDecodeState, slot: NftSlot): Evidence {
  const chain = slot.chain;
  if (chain !== undefined) {
    const first = chain.rules[0];
    if (first !== undefined) return ruleEvidence(st, first);
    if (chain.line > 0) return { node: st.node, file: st.file, line: chain.line, raw: chain.raw };
  }
  if (slot.via !== undefined) return ruleEvidence(st, slot.via);
  return { node: st.node, file: st.file, line: 0, raw: slot.name };
}

export function idKey(id: { namespace: string; name: string; portName: string; protocol: L4Protocol }): string {
  return `${id.namespace}/${id.name}:${id.portName}/${id.protocol}`;
}

export function newGroup(st: NftDecodeState, key: string, suffix: string | undefined): NftGroup {
  const g: NftGroup = { key, suffix, slots: [], roles: {}, frontends: [], markers: [], id: null, idSource: 'none' };
  st.groups.set(key, g);
  return g;
}

/** Puts the chain into group `g` unless some group already owns it. */
export function adopt(g: NftGroup, slot: NftSlot): void {
  if (slot.owner !== undefined) return;
  slot.owner = g;
  g.slots.push(slot);
  if (slot.role !== 'endpoint' && g.roles[slot.role] === undefined) g.roles[slot.role] = slot;
}

/** The group of a service-level chain: its owner, else the group of its suffix, else its own. */
export function groupOf(st: NftDecodeState, slot: NftSlot): NftGroup {
  if (slot.owner !== undefined) return slot.owner;
  const key = slot.suffix !== undefined ? `S:${slot.suffix}` : `C:${slot.name}`;
  const g = st.groups.get(key) ?? newGroup(st, key, slot.suffix);
  adopt(g, slot);
  return g;
}

/**
 * Records that a chain of `g` sends traffic to `slot`: endpoint chains and unshaped names join
 * `g` (first group wins); kube-proxy-shaped service-level chains belong to their own suffix group.
 */
export function linkJump(st: NftDecodeState, g: NftGroup, slot: NftSlot): void {
  if (slot.role === 'endpoint' || slot.suffix === undefined) adopt(g, slot);
  else groupOf(st, slot);
}
