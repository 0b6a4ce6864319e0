import type { ClusterState } from '../../../core/common/model';
import { hashPrefix } from '../../../core/common/kube/sha256Short';
import type { NftServiceChainPrefix } from '../../../core/common/kube/chainNames';
import { nftEndpointChainName, nftServiceChainName } from '../../../core/common/kube/chainNames';
import type { IptablesFault } from './iptablesFaults';
import { applyInputFaults, matchesPort } from './iptablesFaults';
import type { ProxyServicePort } from './proxyEndpoints';

// The iptables fault vocabulary (iptablesFaults.ts) applied to the nftables writer, so the SAME
// scenario definitions (faultScenarios.ts) render in both modes. Faults that change inputs
// (old-state, extra-endpoint, ignore-readiness, drop-endpoint, drop-service-port) are shared
// as they are; a rename-chain fault names the iptables chain kind and is mapped to its nftables
// sibling (KUBE-SVC -> service-, KUBE-SVL -> local-, KUBE-EXT -> external-, KUBE-FW ->
// firewall-, KUBE-SEP -> endpoint-). skew-probability has no nftables form: kube-proxy's
// `numgen random mod N vmap` has no per-rule probabilities to edit.

export type NftFault = IptablesFault;

const PREFIX: Record<Extract<IptablesFault, { kind: 'rename-chain' }>['chain'], NftServiceChainPrefix | 'endpoint'> = {
  'KUBE-SVC': 'service',
  'KUBE-SVL': 'local',
  'KUBE-EXT': 'external',
  'KUBE-FW': 'firewall',
  'KUBE-SEP': 'endpoint',
};

/** The Service ports to render after the input faults; throws for faults nftables cannot express. */
export function applyNftInputFaults(state: ClusterState, faults: readonly NftFault[]): ProxyServicePort[] {
  const skew = faults.find((f) => f.kind === 'skew-probability');
  if (skew) throw new Error(`skew-probability fault (${skew.service}): nftables mode load-balances with numgen, it has no probabilities to skew`);
  return applyInputFaults(state, faults);
}

/** nft name of a per-Service chain: `service-…` etc., or `endpoint-…` for `endpoint` (`ip:port`). */
export function nftChainOf(sp: ProxyServicePort, prefix: NftServiceChainPrefix | 'endpoint', endpoint?: { ip: string; port: number }): string {
  if (prefix !== 'endpoint') return nftServiceChainName(prefix, sp.namespace, sp.name, sp.proto, sp.portName);
  if (!endpoint) throw new Error('nftChainOf: endpoint chain needs an endpoint');
  return nftEndpointChainName(sp.namespace, sp.name, sp.proto, sp.portName, endpoint.ip, endpoint.port);
}

/**
 * Hand-renamed chains: old name -> new name. The default new name keeps the readable base
 * (`service-XXXXXXXX-ns/name/proto/port`) with a hash that no longer matches it, which is what
 * an edited-and-restored ruleset looks like.
 */
export function nftChainRenames(ports: readonly ProxyServicePort[], faults: readonly NftFault[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of faults) {
    if (f.kind !== 'rename-chain') continue;
    const sp = ports.find((p) => `${p.namespace}/${p.name}` === f.service && matchesPort(p, f.port));
    if (!sp) throw new Error(`rename-chain fault: no Service port ${f.service}:${f.port ?? '*'}`);
    const prefix = PREFIX[f.chain];
    let endpoint: { ip: string; port: number } | undefined;
    if (prefix === 'endpoint') {
      endpoint = f.endpoint ? sp.endpoints.find((e) => e.hostPort === f.endpoint) : sp.endpoints[0];
      if (!endpoint) throw new Error(`rename-chain fault: ${sp.spn} has no endpoint ${f.endpoint ?? ''}`.trim());
    }
    const from = nftChainOf(sp, prefix, endpoint);
    const base = from.slice(from.indexOf('-', prefix.length + 1) + 1);
    out.set(from, f.to ?? `${prefix}-${hashPrefix(`hand-edited ${from}`, 8)}-${base}`);
  }
  return out;
}

const NAME_CHAR = /[A-Za-z0-9_./-]/;

/** Replaces whole chain-name tokens (a token ends where nft chain-name characters end). */
export function renameNftChains(text: string, renames: Map<string, string>): string {
  let out = text;
  for (const [from, to] of renames) {
    let i = out.indexOf(from);
    while (i >= 0) {
      const before = i > 0 ? out[i - 1] : ' ';
      const after = out[i + from.length] ?? ' ';
      if (!NAME_CHAR.test(before) && !NAME_CHAR.test(after)) {
        out = out.slice(0, i) + to + out.slice(i + from.length);
        i = out.indexOf(from, i + to.length);
      } else {
        i = out.indexOf(from, i + from.length);
      }
    }
  }
  return out;
}
