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
import { chainRole, chainSuffix, isShaped } from './chainShape';
import type { ChainRole, ServiceRole } from './chainShape';
import type { CommentClaim } from './commentNames';
import type { EndpointInfo } from './endpointChain';

// Shared state of one decode. Every KUBE-SVC/SVL/EXT/FW/XLB/SEP chain, present or only jumped
// to, gets one slot, indexed once by name; everything learned about a chain lives on its slot so
// later passes need no further Map lookups (the 10k-Service dump has ~60k such chains).
// A group is every chain of one Service port: kube-proxy names KUBE-SVC/SVL/EXT/FW/XLB of a port
// with one shared hash suffix (pkg/proxy/iptables/proxier.go portProtoHash), so the suffix is the
// grouping key; chains with other names join the group that jumps to them first.

export interface ChainSlot {
  name: string;
  /** The chain, or undefined when it is only referenced by a jump. */
  chain: IptChain | undefined;
  role: ChainRole;
  /** Name is exactly kube-proxy-shaped: prefix + 16 base32 characters. */
  shaped: boolean;
  /** The 16-char hash of a shaped service-level chain (not kept for KUBE-SEP, never needed). */
  suffix: string | undefined;
  owner: Group | undefined;
  /** First rule seen jumping here. */
  via: IptRule | undefined;
  /** Decoded KUBE-SEP content; undefined until decoded, null when absent. */
  endpoint: EndpointInfo | null | undefined;
  /** Scratch mark for per-path de-duplication. */
  mark: number;
  /** Set once the chain has been decoded as part of its group. */
  walked: boolean;
}

export interface Group {
  key: string;
  /** Shared 16-char hash of the group's kube-proxy-shaped chains. */
  suffix: string | undefined;
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
}

export interface DecodeState {
  node: string;
  file: string;
  names: IptablesNameTable | null;
  nat: Map<string, IptChain>;
  filter: Map<string, IptChain>;
  slots: Map<string, ChainSlot>;
  groups: Map<string, Group>;
  /** `ns/name:port/proto` -> group, filled once identities are resolved. */
  byId: Map<string, Group>;
  /** KUBE-SEP rules seen / KUBE-SEP rules with a comment. */
  endpointRules: number;
  endpointComments: number;
  /** Counter behind ChainSlot.mark. */
  markSeq: number;
}

const EMPTY = new Map<string, IptChain>();

function newSlot(name: string, chain: IptChain | undefined, role: ChainRole, via: IptRule | undefined): ChainSlot {
  const shaped = isShaped(name, role);
  const suffix = shaped && role !== 'sep' ? chainSuffix(name, role) : undefined;
  return { name, chain, role, shaped, suffix, owner: undefined, via, endpoint: undefined, mark: 0, walked: false };
}

export function newDecodeState(
  node: string,
  file: string,
  names: IptablesNameTable | null,
  nat: Map<string, IptChain> | undefined,
  filter: Map<string, IptChain> | undefined,
): DecodeState {
  const st: DecodeState = {
    node,
    file,
    names,
    nat: nat ?? EMPTY,
    filter: filter ?? EMPTY,
    slots: new Map(),
    groups: new Map(),
    byId: new Map(),
    endpointRules: 0,
    endpointComments: 0,
    markSeq: 0,
  };
  for (const [name, chain] of st.nat) {
    const role = chainRole(name);
    if (role !== null) st.slots.set(name, newSlot(name, chain, role, undefined));
  }
  return st;
}

/** Slot of a per-service / per-endpoint chain name (created for names only jumped to); null for other names. */
export function slotOf(st: DecodeState, name: string | undefined, via: IptRule | undefined): ChainSlot | null {
  if (name === undefined) return null;
  let s = st.slots.get(name);
  if (s === undefined) {
    const role = chainRole(name);
    if (role === null) return null;
    s = newSlot(name, undefined, role, via);
    st.slots.set(name, s);
  } else if (s.via === undefined) {
    s.via = via;
  }
  return s;
}

export function ruleEvidence(st: DecodeState, rule: IptRule): Evidence {
  return { node: st.node, file: st.file, line: rule.line, raw: rule.raw };
}

/**
 * Evidence of every rule of `rules`, in an array of exactly that length: grown by push(), a
 * two-rule KUBE-SEP chain's list would get a 16-slot backing store, and there are 50k of them.
 */
export function rulesEvidence(st: DecodeState, rules: readonly IptRule[]): Evidence[] {
  switch (rules.length) {
    case 0: return [];
    case 1: return [ruleEvidence(st, rules[0])];
    case 2: return [ruleEvidence(st, rules[0]), ruleEvidence(st, rules[1])];
    case 3: return [ruleEvidence(st, rules[0]), ruleEvidence(st, rules[1]), ruleEvidence(st, rules[2])];
  }
  const out: Evidence[] = new Array<Evidence>(rules.length);
  for (let i = 0; i < rules.length; i++) out[i] = ruleEvidence(st, rules[i]);
  return out;
}

/** Evidence for a chain: its first rule, else a rebuilt declaration line, else the jump to it. */
export function slotEvidence(st: DecodeState, slot: ChainSlot): Evidence {
  const chain = slot.chain;
  if (chain !== undefined) {
    const first = chain.rules[0];
    if (first !== undefined) return ruleEvidence(st, first);
    // The parser keeps no raw text for declarations; rebuild the line iptables-save prints.
    const c = chain.counters;
    const raw = `:${chain.name} ${chain.policy ?? '-'}${c === undefined ? '' : ` [${c.packets}:${c.bytes}]`}`;
    return { node: st.node, file: st.file, line: chain.line, raw };
  }
  if (slot.via !== undefined) return ruleEvidence(st, slot.via);
  return { node: st.node, file: st.file, line: 0, raw: slot.name };
}

export function idKey(id: { namespace: string; name: string; portName: string; protocol: L4Protocol }): string {
  return `${id.namespace}/${id.name}:${id.portName}/${id.protocol}`;
}

export function newGroup(st: DecodeState, key: string, suffix: string | undefined): Group {
  // Every field set up front (one hidden class for all groups, monomorphic reads in later passes).
  const g: Group = {
    key,
    suffix,
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
  };
  st.groups.set(key, g);
  return g;
}

/** Puts the chain into group `g` unless some group already owns it. */
export function adopt(g: Group, slot: ChainSlot): void {
  if (slot.owner !== undefined) return;
  slot.owner = g;
  g.slots.push(slot);
  if (slot.role !== 'sep' && g.roles[slot.role] === undefined) g.roles[slot.role] = slot;
}

/** The group of a service-level chain: its owner, else the group of its hash suffix, else its own. */
export function groupOf(st: DecodeState, slot: ChainSlot): Group {
  if (slot.owner !== undefined) return slot.owner;
  const key = slot.suffix !== undefined ? `S:${slot.suffix}` : `C:${slot.name}`;
  const g = st.groups.get(key) ?? newGroup(st, key, slot.suffix);
  adopt(g, slot);
  return g;
}

/** Lower-case L4 protocol of `-p`, when it is one kube-proxy uses. */
export function ruleProtocol(rule: IptRule): L4Protocol | undefined {
  const p = rule.protocol;
  if (p === undefined || p.negated) return undefined;
  const v = p.value;
  if (v === 'tcp' || v === 'udp' || v === 'sctp') return v;
  const lower = v.toLowerCase();
  return lower === 'tcp' || lower === 'udp' || lower === 'sctp' ? lower : undefined;
}

/**
 * Records a jump from a chain of `g` to `slot`: endpoint chains and unshaped names join `g`
 * (first group wins); kube-proxy-shaped service chains belong to their own suffix group.
 */
export function linkJump(st: DecodeState, g: Group, slot: ChainSlot): void {
  if (slot.role === 'sep' || !slot.shaped) adopt(g, slot);
  else groupOf(st, slot);
}
