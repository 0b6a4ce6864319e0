import type { CheckId, ClusterState } from '../../../core/common/model';
import type { ClusterBuilder } from './clusterBuilder';
import { clusterBuilder } from './clusterBuilder';
import type { IptablesFault } from './iptablesFaults';

// End-to-end scenarios: a 3-node cluster, the API state Proxyscope is given (cluster.json),
// and per node the rules kube-proxy left behind, with one injected real-world fault each.
// `expected` lists exactly the findings the fault must produce (and nothing on healthy nodes).

export interface ExpectedFinding {
  check: CheckId;
  node: string | null;
  service: string | null;
  port: string | null;
  endpoint: string | null;
}

export interface ScenarioNode {
  name: string;
  /** API state this node's kube-proxy last synced from (default: the scenario's state). */
  state?: ClusterState;
  faults?: IptablesFault[];
}

export interface FaultScenario {
  name: string;
  story: string;
  /** What cluster.json says. */
  state: ClusterState;
  clusterCIDR: string;
  nodes: ScenarioNode[];
  expected: ExpectedFinding[];
}

export const NODES = ['worker-1', 'worker-2', 'worker-3'] as const;

/** kubernetes + kube-dns + a NodePort web front end (3 pods) + an unnamed-port api (2 pods). */
export function baseCluster(): ClusterBuilder {
  const b = clusterBuilder();
  for (const n of NODES) b.node(n, { controlPlane: n === 'worker-1' });
  return b
    .service('default/kubernetes', {
      clusterIP: '10.96.0.1',
      ports: [{ name: 'https', port: 443, targetPort: 6443 }],
      manualEndpoints: [{ ip: '172.18.0.2' }],
      labels: { component: 'apiserver', provider: 'kubernetes' },
    })
    .service('kube-system/kube-dns', {
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        { name: 'metrics', port: 9153 },
      ],
      labels: { 'k8s-app': 'kube-dns' },
      image: 'registry.k8s.io/coredns/coredns:v1.12.1',
    })
    .pods('kube-system/kube-dns', 2, { nodes: ['worker-1', 'worker-2'] })
    .service('shop/web', { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] })
    .pods('shop/web', 3)
    .service('shop/api', { ports: [{ port: 8080 }] })
    .pods('shop/api', 2, { nodes: ['worker-2', 'worker-3'] });
}

const plain = (...names: string[]): ScenarioNode[] => names.map((name) => ({ name }));

const ep = (ip: string, port: number) => `${ip}:${port}`;

export function faultScenarios(): FaultScenario[] {
  const out: FaultScenario[] = [];
  const add = (s: Omit<FaultScenario, 'clusterCIDR'>) => out.push({ ...s, clusterCIDR: '10.244.0.0/16' });

  add({ name: 'healthy-3-nodes', story: 'Every node is in sync with the API.', state: baseCluster().build(), nodes: plain(...NODES), expected: [] });

  {
    const before = baseCluster();
    const gone = before.podsOf('shop/web')[2];
    const after = before.clone().scale('shop/web', 2);
    add({
      name: 'stale-sep-after-scale-down',
      story: `shop/web was scaled 3 -> 2; kube-proxy on worker-2 missed it and still DNATs to the deleted pod ${gone.name}.`,
      state: after.build(),
      nodes: [{ name: 'worker-1' }, { name: 'worker-2', faults: [{ kind: 'old-state', service: 'shop/web', state: before.build() }] }, { name: 'worker-3' }],
      expected: [
        { check: 'stale-backend', node: 'worker-2', service: 'shop/web', port: 'http', endpoint: ep(gone.ip, 8080) },
      ],
    });
  }
  {
    const b = baseCluster();
    const sick = b.podsOf('shop/web')[1];
    b.setPod(sick.name, { ready: false });
    add({
      name: 'not-ready-still-programmed',
      story: `Pod ${sick.name} failed its readiness probe; worker-1 still load-balances to it.`,
      state: b.build(),
      nodes: [{ name: 'worker-1', faults: [{ kind: 'ignore-readiness', service: 'shop/web', ip: sick.ip }] }, ...plain('worker-2', 'worker-3')],
      expected: [
        { check: 'not-ready-backend', node: 'worker-1', service: 'shop/web', port: 'http', endpoint: ep(sick.ip, 8080) },
      ],
    });
  }
  {
    const b = baseCluster();
    const fresh = b.podsOf('shop/web')[0];
    add({
      name: 'endpoint-missing',
      story: `worker-3 never added the ready pod ${fresh.name} to shop/web.`,
      state: b.build(),
      nodes: [...plain('worker-1', 'worker-2'), { name: 'worker-3', faults: [{ kind: 'drop-endpoint', service: 'shop/web', ip: fresh.ip }] }],
      expected: [
        { check: 'missing-backend', node: 'worker-3', service: 'shop/web', port: 'http', endpoint: ep(fresh.ip, 8080) },
      ],
    });
  }
  add({
    name: 'service-not-programmed',
    story: 'shop/api (unnamed port) has no rules at all on worker-2.',
    state: baseCluster().build(),
    nodes: [{ name: 'worker-1' }, { name: 'worker-2', faults: [{ kind: 'drop-service-port', service: 'shop/api' }] }, { name: 'worker-3' }],
    expected: [{ check: 'service-not-programmed', node: 'worker-2', service: 'shop/api', port: '8080', endpoint: null }],
  });
  {
    const before = baseCluster().service('shop/legacy', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }).pods('shop/legacy', 2);
    const after = before.clone().removeService('shop/legacy');
    add({
      name: 'orphan-after-delete',
      story: 'shop/legacy was deleted; worker-1 still has its rules.',
      state: after.build(),
      nodes: [{ name: 'worker-1', faults: [{ kind: 'old-state', service: 'shop/legacy', state: before.build() }] }, ...plain('worker-2', 'worker-3')],
      expected: [{ check: 'orphan-rules', node: 'worker-1', service: 'shop/legacy', port: 'http', endpoint: null }],
    });
  }
  {
    // The LoadBalancer's pods run on worker-2 and worker-3 only: worker-1 DROPs external traffic
    // ("has no local endpoints") by design; that is not a fault.
    const b = baseCluster()
      .service('shop/ingress', {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Local',
        loadBalancerIPs: ['203.0.113.10'],
        ports: [
          { name: 'http', port: 80, targetPort: 8080 },
          { name: 'https', port: 443, targetPort: 8443 },
        ],
      })
      .pods('shop/ingress', 2, { nodes: ['worker-2', 'worker-3'] });
    add({ name: 'etp-local', story: 'ETP=Local DROP rules on a node without local endpoints are expected.', state: b.build(), nodes: plain(...NODES), expected: [] });
  }
  {
    const before = baseCluster().service('shop/cart', { ports: [{ name: 'http', port: 80, targetPort: 8080 }], affinitySeconds: 10800 }).pods('shop/cart', 3);
    const gone = before.podsOf('shop/cart')[0];
    const after = before.clone().removePod(gone.name);
    add({
      name: 'affinity',
      story: `shop/cart uses ClientIP affinity; pod ${gone.name} was deleted but worker-3 keeps its SEP and recent rules.`,
      state: after.build(),
      nodes: [...plain('worker-1', 'worker-2'), { name: 'worker-3', faults: [{ kind: 'old-state', service: 'shop/cart', state: before.build() }] }],
      expected: [
        { check: 'stale-backend', node: 'worker-3', service: 'shop/cart', port: 'http', endpoint: ep(gone.ip, 8080) },
      ],
    });
  }
  add({
    name: 'lb-skew',
    story: 'Someone edited the statistic probabilities of shop/web on worker-1 (first backend gets 90%).',
    state: baseCluster().build(),
    nodes: [{ name: 'worker-1', faults: [{ kind: 'skew-probability', service: 'shop/web', probabilities: [0.9] }] }, ...plain('worker-2', 'worker-3')],
    expected: [{ check: 'lb-probability-skew', node: 'worker-1', service: 'shop/web', port: 'http', endpoint: null }],
  });
  add({
    name: 'hash-mismatch',
    story: 'The KUBE-SVC chain of shop/web on worker-3 was renamed by hand (restored from an edited dump).',
    state: baseCluster().build(),
    nodes: [...plain('worker-1', 'worker-2'), { name: 'worker-3', faults: [{ kind: 'rename-chain', service: 'shop/web', chain: 'KUBE-SVC' }] }],
    expected: [{ check: 'chain-hash-mismatch', node: 'worker-3', service: 'shop/web', port: 'http', endpoint: null }],
  });
  return out;
}
