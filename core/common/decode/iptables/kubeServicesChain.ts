import type { FrontendKind, IptChain, IptRule, ProgrammedFrontend } from '../../model';
import { dport, stripPrefixLength } from '../../parse/iptablesRule';
import type { ServiceRole } from './chainShape';
import { parseComment } from './commentNames';
import type { ChainSlot, DecodeState, Group } from './decodeState';
import { groupOf, ruleEvidence, ruleProtocol, slotOf } from './decodeState';
import { candidateKinds, kindFromComment, pickKind } from './frontendKind';

// Frontends from the nat table (pkg/proxy/iptables/proxier.go syncProxyRules):
//   KUBE-SERVICES:  -d VIP --dport P -p proto -j KUBE-SVC|SVL|EXT|FW-…   ("… cluster IP" etc.)
//                   last: --dst-type LOCAL (or -d nodeIP) -j KUBE-NODEPORTS
//   KUBE-NODEPORTS: --dport NP -p proto -j KUBE-EXT-… (KUBE-SVC/XLB before 1.24), preceded by a
//                   `-d 127.0.0.0/8` copy when localhost NodePorts are on.
// Old releases also put `! -s podCIDR … -j KUBE-MARK-MASQ` rules here; those are not frontends.

const PATH: Record<ServiceRole, ProgrammedFrontend['path']> = {
  svc: 'cluster',
  svl: 'local',
  ext: 'external',
  fw: 'firewall',
  xlb: 'local',
};

type ServiceSlot = ChainSlot & { role: ServiceRole };

function serviceSlot(st: DecodeState, rule: IptRule): ServiceSlot | null {
  const slot = slotOf(st, rule.target, rule);
  return slot === null || slot.role === 'sep' ? null : (slot as ServiceSlot);
}

/** Adds `f` to the group, or the rule to an existing identical frontend's extra evidence. */
function addFrontend(g: Group, f: ProgrammedFrontend): void {
  // Groups have a handful of frontends: a linear scan beats a keyed Map here.
  for (const seen of g.frontends) {
    if (seen.kind === f.kind && seen.port === f.port && seen.ip === f.ip && seen.protocol === f.protocol && seen.target === f.target) {
      (seen.extraEvidence ??= []).push(f.evidence);
      return;
    }
  }
  g.frontends.push(f);
  if (g.protocol === undefined) g.protocol = f.protocol;
}

function decodeServicesChain(st: DecodeState, chain: IptChain): void {
  for (const rule of chain.rules) {
    const dest = rule.destination;
    if (dest === undefined || dest.negated) continue;
    const slot = serviceSlot(st, rule);
    if (slot === null) continue;
    const port = dport(rule);
    const protocol = ruleProtocol(rule);
    if (port === undefined || protocol === undefined) continue;
    const ip = stripPrefixLength(dest.value);
    const claim = parseComment(rule.comment);
    const kind: FrontendKind = kindFromComment(claim?.role) ?? pickKind(candidateKinds(slot.role), st.names, ip, protocol, port);
    const g = groupOf(st, slot);
    if (claim !== null && g.claim === undefined) g.claim = { claim, rule };
    addFrontend(g, { kind, ip, port, protocol, path: PATH[slot.role], target: slot.name, evidence: ruleEvidence(st, rule) });
  }
}

function decodeNodePort(st: DecodeState, rule: IptRule): void {
  const slot = serviceSlot(st, rule);
  if (slot === null) return;
  const port = dport(rule);
  const protocol = ruleProtocol(rule);
  if (port === undefined || protocol === undefined) return;
  const g = groupOf(st, slot);
  if (g.claim === undefined && rule.comment !== undefined) {
    const claim = parseComment(rule.comment);
    if (claim !== null) g.claim = { claim, rule };
  }
  addFrontend(g, { kind: 'node-port', port, protocol, path: PATH[slot.role], target: slot.name, evidence: ruleEvidence(st, rule) });
}

function decodeNodePortsChain(st: DecodeState, chain: IptChain): void {
  // Rules with a destination (kube-proxy's 127.0.0.0/8 copy) go second, so they become extra
  // evidence of the plain `--dport NP` frontend instead of a frontend of their own.
  let withDest: IptRule[] | undefined;
  for (const rule of chain.rules) {
    if (rule.destination !== undefined) (withDest ??= []).push(rule);
    else decodeNodePort(st, rule);
  }
  if (withDest !== undefined) for (const rule of withDest) decodeNodePort(st, rule);
}

/** Decodes nat KUBE-SERVICES and KUBE-NODEPORTS into frontends on their Service-port groups. */
export function decodeFrontends(st: DecodeState): void {
  const services = st.nat.get('KUBE-SERVICES');
  if (services !== undefined) decodeServicesChain(st, services);
  const nodePorts = st.nat.get('KUBE-NODEPORTS');
  if (nodePorts !== undefined) decodeNodePortsChain(st, nodePorts);
}
