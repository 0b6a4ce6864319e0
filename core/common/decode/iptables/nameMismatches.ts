import type { NameMismatch, ServicePortId } from '../../model';
import { iptablesChainName, iptablesChainSuffix, iptablesEndpointChainName, isIptablesEndpointChainName, joinHostPort, servicePortName } from '../../kube/chainNames';
import type { ServicePortNameForm } from '../../kube/chainNames';
import { rolePrefix } from './chainShape';
import { spnLabel } from './commentNames';
import type { DecodeState, Group } from './decodeState';
import { ruleEvidence, slotEvidence } from './decodeState';
import { endpointOf } from './endpointChain';
import { SLOT_NAME_BAD, SLOT_NAME_OK, SLOT_SHAPED } from './slotFlags';

// Chains whose name is not what kube-proxy would call the Service port / endpoint they claim to
// be (check C12): recomputed with the formulas of pkg/proxy/iptables/proxier.go (portProtoHash,
// servicePortEndpointChainName), trying both unnamed-port forms (`ns/name` and old `ns/name:`).
// Only kube-proxy-shaped names are checked; anything else is somebody else's chain.

type PortIdentity = Pick<ServicePortId, 'namespace' | 'name' | 'portName'>;

function formsFor(id: PortIdentity, known: ServicePortNameForm | undefined): ServicePortNameForm[] {
  if (known !== undefined) return [known];
  return id.portName === '' ? ['current', 'legacy'] : ['current'];
}

function sameServicePort(a: PortIdentity, b: PortIdentity): boolean {
  return a.namespace === b.namespace && a.name === b.name && a.portName === b.portName;
}

/** Service-level chains: the group's shared suffix against the hash of what it claims to be. */
function checkServiceChains(st: DecodeState, g: Group, out: NameMismatch[]): void {
  if (g.suffix === undefined || g.id === null) return;
  let claimed: PortIdentity = g.id;
  if (g.idSource === 'hash') {
    // The hash already matched the Service list; only a comment naming another port is suspicious.
    const c = g.claim?.claim;
    if (c === undefined || sameServicePort(c, g.id)) return;
    claimed = c;
  }
  const proto = g.id.protocol;
  const spns = formsFor(claimed, undefined).map((f) => servicePortName(claimed.namespace, claimed.name, claimed.portName, f));
  if (spns.some((spn) => iptablesChainSuffix(spn, proto) === g.suffix)) return;
  for (const slot of g.slots) {
    if (slot.role === 'sep' || slot.suffix === undefined) continue;
    const prefix = rolePrefix(slot.role);
    out.push({
      chain: slot.name,
      claimed: `${spnLabel(claimed)} ${proto}`,
      expected: spns.map((spn) => iptablesChainName(prefix, spn, proto)),
      evidence: slotEvidence(st, slot),
    });
  }
}

/** KUBE-SEP chains: name against the hash of the group's Service port + the DNAT destination. */
function checkEndpointChains(st: DecodeState, g: Group, out: NameMismatch[]): void {
  if (g.id === null) return;
  // Every endpoint already checked while its backend was built (serviceChain.ts), all named
  // right: nothing to report, and every such chain's rules are counted already.
  if (g.sepChecked === g.sepShaped && g.sepBad === 0) return;
  const id = g.id;
  const known = g.idSource === 'hash' ? g.form : undefined;
  // At most two forms (formsFor); kept in locals, no per-group arrays on the hot path.
  const spn1 = servicePortName(id.namespace, id.name, id.portName, known ?? 'current');
  const spn2 = known === undefined && id.portName === '' ? servicePortName(id.namespace, id.name, '', 'legacy') : undefined;
  for (const slot of g.slots) {
    if (slot.role !== 'sep' || (slot.flags & SLOT_SHAPED) === 0) continue;
    const ep = endpointOf(st, slot);
    if (ep === null || ep.ip === undefined || ep.port === undefined || ep.dnatRule === undefined) continue;
    if ((ep.flags & SLOT_NAME_OK) !== 0) continue;
    // Compared in place: no name string is built unless the chain is misnamed.
    if ((ep.flags & SLOT_NAME_BAD) === 0) {
      if (isIptablesEndpointChainName(slot.name, spn1, id.protocol, ep.ip, ep.port)) continue;
      if (spn2 !== undefined && isIptablesEndpointChainName(slot.name, spn2, id.protocol, ep.ip, ep.port)) continue;
    }
    const endpoint = joinHostPort(ep.ip, ep.port);
    const spns = spn2 === undefined ? [spn1] : [spn1, spn2];
    out.push({
      chain: slot.name,
      claimed: `${spnLabel(id)} ${id.protocol} -> ${endpoint}`,
      expected: spns.map((spn) => iptablesEndpointChainName(spn, id.protocol, endpoint)),
      evidence: ruleEvidence(st, ep.dnatRule),
    });
  }
}

export function collectNameMismatches(st: DecodeState, g: Group, out: NameMismatch[], endpoints: boolean): void {
  checkServiceChains(st, g, out);
  if (endpoints) checkEndpointChains(st, g, out);
}
