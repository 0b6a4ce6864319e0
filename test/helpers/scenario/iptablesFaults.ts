import type { ClusterState } from '../../../core/common/model';
import { hashPrefix } from '../../../core/common/kube/sha256Short';
import { joinHostPort } from '../../../core/common/kube/chainNames';
import type { ProxyServicePort } from './proxyEndpoints';
import { proxyServicePorts } from './proxyEndpoints';

// Realistic ways a node's rules drift from the API, injected into the kube-proxy writer.
// `service` is `ns/name`; `port` is the Service port's name, or its number as a string when it
// is unnamed (omitted = every port of the Service).

export type IptablesFault =
  /** Rules for this Service come from an older API state (kube-proxy missed later updates):
   *  a scaled-down pod is still a backend; if the Service is gone now, its rules are orphans. */
  | { kind: 'old-state'; service: string; state: ClusterState }
  /** A backend the API no longer lists (e.g. deleted pod) is still programmed. */
  | { kind: 'extra-endpoint'; service: string; port?: string; ip: string; targetPort?: number; nodeName?: string }
  /** A not-ready (or terminating) pod is still treated as ready. `ip` omitted = all of them. */
  | { kind: 'ignore-readiness'; service: string; port?: string; ip?: string }
  /** A ready endpoint is missing from the rules. */
  | { kind: 'drop-endpoint'; service: string; port?: string; ip: string }
  /** No rules at all for the Service port (not even the REJECT). */
  | { kind: 'drop-service-port'; service: string; port?: string }
  /** Load-balancing probabilities differ from kube-proxy's 1/(n-i); `probabilities[i]` for rule i. */
  | { kind: 'skew-probability'; service: string; port?: string; probabilities?: number[] }
  /** A chain renamed by hand: its name no longer matches the hash of what it serves. */
  | {
      kind: 'rename-chain';
      service: string;
      port?: string;
      chain: 'KUBE-SVC' | 'KUBE-SVL' | 'KUBE-EXT' | 'KUBE-FW' | 'KUBE-SEP';
      /** For KUBE-SEP: the endpoint `ip:port` (default: the first one). */
      endpoint?: string;
      to?: string;
    };

export function matchesPort(sp: ProxyServicePort, port: string | undefined): boolean {
  return port === undefined || port === sp.portName || port === String(sp.port);
}

function matches(sp: ProxyServicePort, service: string, port: string | undefined): boolean {
  return `${sp.namespace}/${sp.name}` === service && matchesPort(sp, port);
}

/** The Service ports to render after the faults that change inputs (not rule text). */
export function applyInputFaults(state: ClusterState, faults: readonly IptablesFault[]): ProxyServicePort[] {
  let ports = proxyServicePorts(state);
  for (const f of faults) {
    if (f.kind === 'old-state') {
      const old = proxyServicePorts(f.state).filter((sp) => `${sp.namespace}/${sp.name}` === f.service);
      if (old.length === 0) throw new Error(`old-state fault: ${f.service} is not proxied in the old state`);
      ports = ports.filter((sp) => `${sp.namespace}/${sp.name}` !== f.service).concat(old);
    }
  }
  ports = ports.map((sp) => ({ ...sp, endpoints: sp.endpoints.map((e) => ({ ...e })) }));
  for (const f of faults) {
    const hits = ports.filter((sp) => 'service' in f && matches(sp, f.service, 'port' in f ? f.port : undefined));
    if (f.kind !== 'old-state' && hits.length === 0) throw new Error(`${f.kind} fault: no Service port ${f.service}:${'port' in f ? f.port : '*'}`);
    for (const sp of hits) {
      switch (f.kind) {
        case 'extra-endpoint': {
          const port = f.targetPort ?? sp.endpoints[0]?.port ?? (typeof sp.servicePort.targetPort === 'number' ? sp.servicePort.targetPort : sp.port);
          sp.endpoints.push({ ip: f.ip, port, hostPort: joinHostPort(f.ip, port), ready: true, serving: true, terminating: false, ...(f.nodeName ? { nodeName: f.nodeName } : {}) });
          sp.endpoints.sort((a, b) => (a.hostPort < b.hostPort ? -1 : a.hostPort > b.hostPort ? 1 : 0));
          break;
        }
        case 'ignore-readiness':
          for (const e of sp.endpoints) {
            if (f.ip === undefined || e.ip === f.ip) Object.assign(e, { ready: true, serving: true, terminating: false });
          }
          break;
        case 'drop-endpoint': {
          const before = sp.endpoints.length;
          sp.endpoints = sp.endpoints.filter((e) => e.ip !== f.ip);
          if (sp.endpoints.length === before) throw new Error(`drop-endpoint fault: ${f.ip} is not an endpoint of ${sp.spn}`);
          break;
        }
        default:
          break;
      }
    }
  }
  const dropped = faults.filter((f) => f.kind === 'drop-service-port');
  return ports.filter((sp) => !dropped.some((f) => matches(sp, f.service, f.port)));
}

/** Probability strings for rule i of n (`%0.10f` of 1/(n-i)), or the skewed ones a fault asks for. */
export function probabilitiesFor(sp: ProxyServicePort, n: number, faults: readonly IptablesFault[]): string[] {
  const skew = faults.find((f) => f.kind === 'skew-probability' && matches(sp, f.service, f.port));
  const out: string[] = [];
  for (let i = 0; i < n - 1; i++) {
    let p = 1 / (n - i);
    if (skew?.kind === 'skew-probability') p = skew.probabilities?.[i] ?? (i === 0 ? 0.9 : p);
    out.push(p.toFixed(10));
  }
  return out;
}

/** Chain renames to apply to the finished text: old name -> new name. */
export function chainRenames(
  ports: readonly ProxyServicePort[],
  faults: readonly IptablesFault[],
  chainOf: (sp: ProxyServicePort, prefix: string, endpoint?: string) => string,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of faults) {
    if (f.kind !== 'rename-chain') continue;
    const sp = ports.find((p) => matches(p, f.service, f.port));
    if (!sp) throw new Error(`rename-chain fault: no Service port ${f.service}:${f.port ?? '*'}`);
    const endpoint = f.chain === 'KUBE-SEP' ? (f.endpoint ?? sp.endpoints[0]?.hostPort) : undefined;
    if (f.chain === 'KUBE-SEP' && !endpoint) throw new Error(`rename-chain fault: ${sp.spn} has no endpoint`);
    const from = chainOf(sp, f.chain, endpoint);
    out.set(from, f.to ?? `${f.chain}-${hashPrefix(`hand-edited ${from}`, 16)}`);
  }
  return out;
}

/** Replaces whole chain-name tokens (a name is never a prefix of another: all are 16-char hashes). */
export function renameChains(text: string, renames: Map<string, string>): string {
  let out = text;
  for (const [from, to] of renames) out = out.replace(new RegExp(`${from}(?![A-Z0-9])`, 'g'), to);
  return out;
}
