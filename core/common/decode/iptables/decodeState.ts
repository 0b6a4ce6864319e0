import type {
  Evidence,
  IdSource,
  IptChain,
  IptRule,
  L4Protocol,
  ProgrammedFrontend,
  ProgrammedMarker,
  ProgrammedPath,
  ServicePortId,
} from '../../model';
import type { IptablesNameTable } from '../../kube/iptablesNameTable';
import { servicePortName } from '../../kube/chainNames';
import { chainRole } from './chainShape';
import type { ChainRole, ServiceRole } from './chainShape';
import type { CommentClaim } from './commentNames';
import { decodeEndpointInto } from './endpointChain';
import { newSlotTable, packedShaped, tableAdd, tableFind } from './slotTable';
import type { SlotTable } from './slotTable';
import { SLOT_SHAPED } from './slotFlags';

export { ruleProtocol } from './ruleProtocol';
export { ruleEvidence, rulesEvidence, slotEvidence } from './ruleEvidence';

// Shared state of one decode. Every KUBE-SVC/SVL/EXT/FW/XLB/SEP chain, present or only jumped
// to, gets one slot, indexed once by name (slotTable.ts); everything learned about a chain lives
// on its slot, KUBE-SEP content included, so later passes need no further lookups (the
// 10k-Service dump has ~60k such chains: one object each, nothing per chain that is not needed).
// A group is every chain of one Service port: kube-proxy names KUBE-SVC/SVL/EXT/FW/XLB of a port
// with one shared hash suffix (pkg/proxy/iptables/proxier.go portProtoHash), so the suffix is the
// grouping key; chains with other names join the group that jumps to them first.

export interface ChainSlot {
  name: string;
  /** The chain, or undefined when it is only referenced by a jump. */
  chain: IptChain | undefined;
  role: ChainRole;
  /** The 16-char hash of a shaped service-level chain (not kept for KUBE-SEP, never needed). */
  suffix: string | undefined;
  owner: Group | undefined;
  /** First rule seen jumping here. */
  via: IptRule | undefined;
  /** Scratch mark for per-path de-duplication. */
  mark: number;
  /**
   * SLOT_* bits (shaped, walked, hairpin, counted, name check), then from bit SLOT_COMMENTS_SHIFT
   * the KUBE-SEP chain's commented rules: one small integer instead of seven fields on 60k slots.
   */
  flags: number;
  // KUBE-SEP content (endpointChain.ts), read when the slot is made; unset for other chains.
  /** DNAT destination; undefined when the chain has no usable DNAT rule. */
  ip?: string;
  port?: number;
  protocol: L4Protocol | undefined;
  dnatRule: IptRule | undefined;
  /**
   * Evidence of the chain's first rule, and of its second when the chain has exactly two (kube-proxy's
   * hairpin + DNAT): made while the rules are in the CPU caches, shared by every backend of the endpoint.
   */
  ev0: Evidence | undefined;
  ev1: Evidence | undefined;
}

export interface Group {
  key: string;
  /** Shared 16-char hash of the group's kube-proxy-shaped chains. */
  suffix: string | undefined;
  /** The name table's Service port for `suffix`, looked up once when the group is made. */
  hashHit: { id: ServicePortId; form: 'current' | 'legacy' } | undefined;
  /** Chains (present or referenced) that belong to this Service port, in discovery order. */
  slots: ChainSlot[];
  /** First chain per role. */
  roles: Partial<Record<ServiceRole, ChainSlot>>;
  frontends: ProgrammedFrontend[];
  markers: ProgrammedMarker[];
  clusterPath?: ProgrammedPath;
  localPath?: ProgrammedPath;
  sourceRanges?: string[];
  /** First `-p` seen on the group's frontends or endpoint DNAT rules. */
  protocol?: L4Protocol;
  /** First Service port a comment of the group names, with the rule that carries it. */
  claim?: { claim: CommentClaim; rule: IptRule };
  id: ServicePortId | null;
  idSource: IdSource;
  /** Which unnamed-port form the hash matched (name table), when idSource is 'hash'. */
  form?: 'current' | 'legacy';
  /** Label for groups no rule identifies (marker-only groups without a comment). */
  fallbackLabel?: string;
  /** Service port name of hashHit, as kube-proxy hashed it (built on first use). */
  hashSpn: string | undefined;
  /** Present kube-proxy-shaped KUBE-SEP chains of the group / those named-checked early / misnamed among them. */
  sepShaped: number;
  sepChecked: number;
  sepBad: number;
}

export interface DecodeState {
  node: string;
  file: string;
  names: IptablesNameTable | null;
  nat: Map<string, IptChain>;
  filter: Map<string, IptChain>;
  /** Every slot in creation order (dump order, then jump targets not in the dump). */
  slots: ChainSlot[];
  table: SlotTable;
  /** Groups in creation order. */
  groups: Group[];
  /** Groups by hash suffix (shaped chains) or by their key (`C:chain`, `I:id`, `M:label`). */
  groupIndex: Map<string, Group>;
  /** `ns/name:port/proto` -> group; built on first use (byIdOf) once identities are resolved. */
  byId: Map<string, Group> | undefined;
  /** KUBE-SEP rules seen / KUBE-SEP rules with a comment. */
  endpointRules: number;
  endpointComments: number;
  /** KUBE-SEP slots with a chain / those some group owns (equal: no orphan endpoint chains). */
  sepPresent: number;
  sepOwned: number;
  /** Check KUBE-SEP names while building backends (IptablesDecodeContext.verifyEndpointNames). */
  verifyNames: boolean;
  /** Counter behind ChainSlot.mark. */
  markSeq: number;
}

const EMPTY = new Map<string, IptChain>();

/** `shaped`: the name is exactly kube-proxy-shaped (chainShape.isShaped; slotTable packedShaped). */
function newSlot(name: string, chain: IptChain | undefined, role: ChainRole, via: IptRule | undefined, shaped: boolean): ChainSlot {
  // Every field set up front: one hidden class for all slots keeps property access monomorphic.
  const slot: ChainSlot = {
    name,
    chain,
    role,
    suffix: shaped && role !== 'sep' ? name.slice(role === 'fw' ? 8 : 9) : undefined,
    owner: undefined,
    via,
    mark: 0,
    flags: shaped ? SLOT_SHAPED : 0,
    ip: undefined,
    port: undefined,
    protocol: undefined,
    dnatRule: undefined,
    ev0: undefined,
    ev1: undefined,
  };
  return slot;
}

export function newDecodeState(
  node: string,
  file: string,
  names: IptablesNameTable | null,
  nat: Map<string, IptChain> | undefined,
  filter: Map<string, IptChain> | undefined,
  verifyNames = true,
): DecodeState {
  const natChains = nat ?? EMPTY;
  const st: DecodeState = {
    node,
    file,
    names,
    nat: natChains,
    filter: filter ?? EMPTY,
    slots: [],
    table: newSlotTable(natChains.size + (natChains.size >> 3)),
    groups: [],
    groupIndex: new Map(),
    byId: undefined,
    endpointRules: 0,
    endpointComments: 0,
    sepPresent: 0,
    sepOwned: 0,
    verifyNames,
    markSeq: 0,
  };
  // One pass in dump order; KUBE-SEP chains are decoded here, while their rules are in the CPU
  // caches (service chains reach endpoints in hash order, i.e. all over the dump).
  const slots = st.slots;
  natChains.forEach((chain) => {
    const name = chain.name;
    const role = chainRole(name);
    if (role === null) return;
    tableAdd(st.table, slots.length, name, role);
    const slot = newSlot(name, chain, role, undefined, packedShaped());
    if (role === 'sep') {
      decodeEndpointInto(slot, chain, node, file);
      st.sepPresent++;
    }
    slots.push(slot);
  });
  return st;
}

/** Slot of a per-service / per-endpoint chain name (created for names only jumped to); null for other names. */
export function slotOf(st: DecodeState, name: string | undefined, via: IptRule | undefined): ChainSlot | null {
  if (name === undefined) return null;
  const role = chainRole(name);
  return role === null ? null : slotOfRole(st, name, role, via);
}

/** slotOf for a name whose role (chainRole) is known. */
export function slotOfRole(st: DecodeState, name: string, role: ChainRole, via: IptRule | undefined): ChainSlot {
  const i = tableFind(st.table, st.slots, name, role);
  if (i >= 0) {
    const s = st.slots[i];
    if (s.via === undefined) s.via = via;
    return s;
  }
  tableAdd(st.table, st.slots.length, name, role, true);
  const s = newSlot(name, undefined, role, via, packedShaped());
  st.slots.push(s);
  return s;
}

export function idKey(id: { namespace: string; name: string; portName: string; protocol: L4Protocol }): string {
  return `${id.namespace}/${id.name}:${id.portName}/${id.protocol}`;
}

/** A new group; `suffix` groups are indexed by the suffix, the others by `key`. */
export function newGroup(st: DecodeState, key: string, suffix: string | undefined): Group {
  // Every field set up front (one hidden class for all groups, monomorphic reads in later passes).
  const g: Group = {
    key,
    suffix,
    hashHit: suffix !== undefined && st.names !== null ? st.names.bySuffix.get(suffix) : undefined,
    slots: [],
    roles: { svc: undefined, svl: undefined, ext: undefined, fw: undefined, xlb: undefined },
    frontends: [],
    markers: [],
    clusterPath: undefined,
    localPath: undefined,
    sourceRanges: undefined,
    protocol: undefined,
    claim: undefined,
    id: null,
    idSource: 'none',
    form: undefined,
    fallbackLabel: undefined,
    hashSpn: undefined,
    sepShaped: 0,
    sepChecked: 0,
    sepBad: 0,
  };
  st.groups.push(g);
  st.groupIndex.set(suffix ?? key, g);
  return g;
}

/** The group of hash suffix `suffix` (what `S:<suffix>` names), if any. */
export function groupBySuffix(st: DecodeState, suffix: string): Group | undefined {
  return st.groupIndex.get(suffix);
}

/** The group made with `key` (`C:…`, `I:…`, `M:…`), if any. */
export function groupByKey(st: DecodeState, key: string): Group | undefined {
  return st.groupIndex.get(key);
}

/** Puts the chain into group `g` unless some group already owns it. */
export function adopt(st: DecodeState, g: Group, slot: ChainSlot): void {
  if (slot.owner !== undefined) return;
  slot.owner = g;
  g.slots.push(slot);
  if (slot.role === 'sep') {
    if (slot.chain !== undefined) {
      st.sepOwned++;
      if ((slot.flags & SLOT_SHAPED) !== 0) g.sepShaped++;
    }
  } else if (g.roles[slot.role] === undefined) {
    g.roles[slot.role] = slot;
  }
}

/** The group of a service-level chain: its owner, else the group of its hash suffix, else its own. */
export function groupOf(st: DecodeState, slot: ChainSlot): Group {
  if (slot.owner !== undefined) return slot.owner;
  const suffix = slot.suffix;
  let g: Group | undefined;
  if (suffix !== undefined) g = st.groupIndex.get(suffix) ?? newGroup(st, `S:${suffix}`, suffix);
  else {
    const key = `C:${slot.name}`;
    g = st.groupIndex.get(key) ?? newGroup(st, key, undefined);
  }
  adopt(st, g, slot);
  return g;
}

/** `ns/name:port/proto` -> group: the first group of each resolved identity, then groups added for one. */
export function byIdOf(st: DecodeState): Map<string, Group> {
  let byId = st.byId;
  if (byId === undefined) {
    byId = new Map();
    for (const g of st.groups) {
      if (g.id === null) continue;
      const key = idKey(g.id);
      if (!byId.has(key)) byId.set(key, g);
    }
    st.byId = byId;
  }
  return byId;
}

/** hashHit's Service port name in the form the hash matched (see nameMismatches.ts). */
export function hashSpnOf(g: Group & { hashHit: NonNullable<Group['hashHit']> }): string {
  if (g.hashSpn === undefined) {
    const id = g.hashHit.id;
    g.hashSpn = servicePortName(id.namespace, id.name, id.portName, g.hashHit.form);
  }
  return g.hashSpn;
}

/**
 * Records a jump from a chain of `g` to `slot`: endpoint chains and unshaped names join `g`
 * (first group wins); kube-proxy-shaped service chains belong to their own suffix group.
 */
export function linkJump(st: DecodeState, g: Group, slot: ChainSlot): void {
  if (slot.role === 'sep' || (slot.flags & SLOT_SHAPED) === 0) adopt(st, g, slot);
  else groupOf(st, slot);
}
