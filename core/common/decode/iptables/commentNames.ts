import { parseServicePortName } from '../../kube/iptablesNameTable';

// Service port names inside the rule comments kube-proxy writes (pkg/proxy/iptables/proxier.go
// syncProxyRules / writeServiceToEndpointRules; older releases for the "Balancing rule" form).
// Comments are only a fallback key: large clusters (>1000 endpoints) drop the per-endpoint ones.

export type CommentRole =
  | 'cluster-ip' // "ns/name:port cluster IP"
  | 'external-ip' // "ns/name:port external IP"
  | 'load-balancer' // "ns/name:port loadbalancer IP"
  | 'endpoint' // "ns/name:port -> 10.0.0.1:80"
  | 'bare' // ns/name:port (KUBE-SEP, KUBE-NODEPORTS, old KUBE-SVC rules)
  | 'no-endpoints' // "ns/name:port has no endpoints"
  | 'no-local-endpoints' // "ns/name:port has no local endpoints"
  | 'firewall-drop' // "ns/name:port traffic not accepted by KUBE-FW-X"
  | 'health-check' // "ns/name:port health check node port"
  | 'external-chain' // "masquerade traffic for ns/name:port external destinations" and friends
  | 'other-traffic' // "other traffic to ns/name:port will be dropped by KUBE-PROXY-FIREWALL"
  | 'balancing'; // "Balancing rule 0 for ns/name:port" (old KUBE-XLB)

export interface CommentClaim {
  /** The service port name exactly as written (`ns/name:port`, `ns/name` or `ns/name:`). */
  spn: string;
  namespace: string;
  name: string;
  portName: string;
  role: CommentRole;
  /** `ip:port` of an endpoint comment. */
  endpoint?: string;
  /** KUBE-FW-… named by a "traffic not accepted by" comment. */
  firewallChain?: string;
}

const SUFFIX_ROLES: readonly [string, CommentRole][] = [
  [' cluster IP', 'cluster-ip'],
  [' external IP', 'external-ip'],
  [' loadbalancer IP', 'load-balancer'],
  [' has no endpoints', 'no-endpoints'],
  [' has no local endpoints', 'no-local-endpoints'],
  [' health check node port', 'health-check'],
];

const EXTERNAL_PREFIXES = ['masquerade traffic for ', 'pod traffic for ', 'masquerade LOCAL traffic for ', 'route LOCAL traffic for '];
const EXTERNAL_SUFFIX = ' external destinations';
const OTHER_PREFIX = 'other traffic to ';
const OTHER_SUFFIX = ' will be dropped by KUBE-PROXY-FIREWALL';
const BALANCING_PREFIX = 'Balancing rule ';
const NOT_ACCEPTED = ' traffic not accepted by ';
const ARROW = ' -> ';

// parseComment runs on every commented frontend, marker and service rule (~20k on a 10k-Service
// dump): it slices nothing but the Service port name and builds one object per claim.

function claim(spn: string, role: CommentRole): CommentClaim | null {
  if (spn.length === 0 || spn.indexOf(' ') >= 0) return null;
  const p = parseServicePortName(spn);
  return p === null ? null : { spn, namespace: p.namespace, name: p.name, portName: p.portName, role };
}

/** `rest` of comment from `from` on, equals `s`. */
function tailIs(comment: string, from: number, s: string): boolean {
  return comment.length - from === s.length && comment.startsWith(s, from);
}

/** The Service port a kube-proxy rule comment names, and what kind of rule it labels. */
export function parseComment(comment: string | undefined): CommentClaim | null {
  if (comment === undefined || comment.length < 3) return null;
  const space = comment.indexOf(' ');
  if (space < 0) return claim(comment, 'bare');
  const slash = comment.indexOf('/');
  if (slash > 0 && slash < space) {
    const head = comment.slice(0, space);
    for (let i = 0; i < SUFFIX_ROLES.length; i++) {
      const sr = SUFFIX_ROLES[i];
      if (tailIs(comment, space, sr[0])) return claim(head, sr[1]);
    }
    if (comment.startsWith(ARROW, space)) {
      const c = claim(head, 'endpoint');
      if (c !== null) c.endpoint = comment.slice(space + ARROW.length).trim();
      return c;
    }
    if (comment.startsWith(NOT_ACCEPTED, space)) {
      const c = claim(head, 'firewall-drop');
      if (c !== null) c.firewallChain = comment.slice(space + NOT_ACCEPTED.length).trim();
      return c;
    }
    return null;
  }
  if (comment.endsWith(EXTERNAL_SUFFIX)) {
    for (let i = 0; i < EXTERNAL_PREFIXES.length; i++) {
      const p = EXTERNAL_PREFIXES[i];
      if (comment.startsWith(p)) return claim(comment.slice(p.length, -EXTERNAL_SUFFIX.length), 'external-chain');
    }
    return null;
  }
  if (comment.startsWith(OTHER_PREFIX) && comment.endsWith(OTHER_SUFFIX)) {
    return claim(comment.slice(OTHER_PREFIX.length, -OTHER_SUFFIX.length), 'other-traffic');
  }
  if (comment.startsWith(BALANCING_PREFIX)) {
    const forAt = comment.indexOf(' for ');
    if (forAt > 0) return claim(comment.slice(forAt + 5), 'balancing');
  }
  return null;
}

/** `ns/name:port` (named) or `ns/name` (unnamed): the label kube-proxy prints today. */
export function spnLabel(id: { namespace: string; name: string; portName: string }): string {
  return id.portName === '' ? `${id.namespace}/${id.name}` : `${id.namespace}/${id.name}:${id.portName}`;
}
