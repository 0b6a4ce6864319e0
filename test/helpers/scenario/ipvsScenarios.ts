import type { ClusterState } from '../../../core/common/model';
import { nodeIpOf } from './clusterBuilder';
import type { ExpectedFinding } from './faultScenarios';
import { baseCluster, faultScenarios } from './faultScenarios';
import type { IptablesFault } from './iptablesFaults';
import type { IpvsFault } from './ipvsFaults';
import { isInputFault } from './ipvsFaults';

// End-to-end scenarios for IPVS mode. The iptables scenarios (faultScenarios.ts) whose faults the
// IPVS writer can tell the same way (kube-proxy missed an update) are reused as they are, so the
// core checks are held to the same answers in both modes; the ones about iptables rule text
// (probability skew, renamed chains) have no IPVS form and are left out. IPVS-only stories follow.
//
// One expected difference: IPVS writes no name anywhere, so virtual servers of a Service the API
// no longer has cannot be attributed to it: orphan-rules then names no Service and no port.

export interface IpvsScenarioNode {
  name: string;
  /** API state this node's kube-proxy last synced from (default: the scenario's state). */
  state?: ClusterState;
  faults?: IpvsFault[];
}

export interface IpvsScenario {
  name: string;
  story: string;
  state: ClusterState;
  clusterCIDR: string;
  nodes: IpvsScenarioNode[];
  expected: ExpectedFinding[];
  /** Scenario exists in the iptables set too (same faults, same core answers). */
  shared: boolean;
}

/** IPv4 addresses a node's NodePort virtual servers are created on: its InternalIP. */
export function scenarioNodeIPs(state: ClusterState, node: string): string[] {
  const ip = nodeIpOf(state, node);
  return ip ? [ip] : [];
}

function asIpvsFaults(faults: readonly IptablesFault[] | undefined): IpvsFault[] | null {
  const out: IpvsFault[] = [];
  for (const f of faults ?? []) {
    const g = f as IpvsFault;
    if (!isInputFault(g)) return null;
    out.push(g);
  }
  return out;
}

/** What an IPVS node reports for an iptables expectation. */
function ipvsExpected(e: ExpectedFinding): ExpectedFinding {
  return e.check === 'orphan-rules' ? { ...e, service: null, port: null } : e;
}

function sharedScenarios(): IpvsScenario[] {
  const out: IpvsScenario[] = [];
  for (const s of faultScenarios()) {
    const nodes: IpvsScenarioNode[] = [];
    let ok = true;
    for (const n of s.nodes) {
      const faults = asIpvsFaults(n.faults);
      if (faults === null) ok = false;
      else nodes.push({ name: n.name, ...(n.state ? { state: n.state } : {}), ...(faults.length ? { faults } : {}) });
    }
    if (ok) out.push({ name: s.name, story: s.story, state: s.state, clusterCIDR: s.clusterCIDR, nodes, expected: s.expected.map(ipvsExpected), shared: true });
  }
  return out;
}

const ep = (ip: string, port: number) => `${ip}:${port}`;
const plain = (...names: string[]): IpvsScenarioNode[] => names.map((name) => ({ name }));

function ipvsOnlyScenarios(): IpvsScenario[] {
  const out: IpvsScenario[] = [];
  const add = (s: Omit<IpvsScenario, 'clusterCIDR' | 'shared'>) => out.push({ ...s, clusterCIDR: '10.244.0.0/16', shared: false });
  {
    const state = baseCluster().build();
    add({
      name: 'clusterip-virtual-server-missing',
      story: 'The ClusterIP virtual server of shop/web was deleted by hand on worker-1 (ipvsadm -D); its NodePort ones remain.',
      state,
      nodes: [{ name: 'worker-1', faults: [{ kind: 'drop-virtual-server', service: 'shop/web', frontend: 'cluster-ip' }] }, ...plain('worker-2', 'worker-3')],
      expected: [{ check: 'service-not-programmed', node: 'worker-1', service: 'shop/web', port: 'http', endpoint: null }],
    });
  }
  add({
    name: 'orphan-virtual-server',
    story: 'worker-3 has a virtual server 10.96.0.250:80 that no Service owns (added by another tool).',
    state: baseCluster().build(),
    nodes: [...plain('worker-1', 'worker-2'), { name: 'worker-3', faults: [{ kind: 'orphan-virtual-server', ip: '10.96.0.250', port: 80, realServers: ['10.244.2.99:80'] }] }],
    expected: [{ check: 'orphan-rules', node: 'worker-3', service: null, port: null, endpoint: null }],
  });
  {
    const b = baseCluster();
    const pod = b.podsOf('shop/web')[0];
    add({
      name: 'weight-zero-on-ready-endpoint',
      story: `kube-proxy on worker-2 restarted during a graceful termination and left weight 0 on the ready pod ${pod.name} (kubernetes/kubernetes#92019).`,
      state: b.build(),
      nodes: [{ name: 'worker-1' }, { name: 'worker-2', faults: [{ kind: 'weight-zero', service: 'shop/web', ip: pod.ip }] }, { name: 'worker-3' }],
      expected: [{ check: 'ipvs-weight-zero', node: 'worker-2', service: 'shop/web', port: 'http', endpoint: ep(pod.ip, 8080) }],
    });
  }
  add({
    name: 'vip-not-bound',
    story: 'The ClusterIP of shop/api was removed from kube-ipvs0 on worker-3 (a network agent flushed the dummy interface).',
    state: baseCluster().build(),
    nodes: [...plain('worker-1', 'worker-2'), { name: 'worker-3', faults: [{ kind: 'vip-not-bound', service: 'shop/api' }] }],
    // ipvs-structure summarizes per node (one finding for every unbound / missing address), naming no Service.
    expected: [{ check: 'ipvs-structure', node: 'worker-3', service: null, port: null, endpoint: null }],
  });
  add({
    name: 'vip-not-in-ipset',
    story: 'The KUBE-CLUSTER-IP entry of shop/web is missing on worker-1 (set restored from an old save).',
    state: baseCluster().build(),
    nodes: [{ name: 'worker-1', faults: [{ kind: 'vip-not-in-ipset', service: 'shop/web' }] }, ...plain('worker-2', 'worker-3')],
    expected: [{ check: 'ipvs-structure', node: 'worker-1', service: null, port: null, endpoint: null }],
  });
  {
    const before = baseCluster();
    const gone = before.podsOf('shop/web')[2];
    add({
      name: 'graceful-termination',
      story: `shop/web was scaled 3 -> 2; on worker-1 IPVS still drains ${gone.name} (weight 0, 3 active connections), as kube-proxy's graceful termination does.`,
      state: before.clone().scale('shop/web', 2).build(),
      nodes: [{ name: 'worker-1', faults: [{ kind: 'draining-endpoint', service: 'shop/web', ip: gone.ip }] }, ...plain('worker-2', 'worker-3')],
      expected: [],
    });
  }
  return out;
}

export function ipvsScenarios(): IpvsScenario[] {
  return [...sharedScenarios(), ...ipvsOnlyScenarios()];
}
