import type { ClusterState, ProxyMode } from '../../../core/common/model';
import type { ClusterBuilder } from '../scenario/clusterBuilder';
import { clusterBuilder } from '../scenario/clusterBuilder';
import type { IptablesFault } from '../scenario/iptablesFaults';
import type { IpvsFault } from '../scenario/ipvsFaults';

// The built-in demo: a small production-like cluster (1 control plane + 5 workers, 20 Services
// in 8 namespaces, flannel CNI) and what kube-proxy left on each node, with a handful of real
// faults. Most nodes run kube-proxy in iptables mode; worker-4 is half-way through a migration to
// nftables mode and worker-5 runs IPVS mode. assets/demo/README.md (written by makeDemo.ts)
// explains them.

export const DEMO_NODES = ['cp-1', 'worker-1', 'worker-2', 'worker-3', 'worker-4', 'worker-5'] as const;
export const DEMO_CLUSTER_CIDR = '10.244.0.0/16';
/** The mode kube-proxy runs on each node (the rest: iptables). */
export const DEMO_MODES: Partial<Record<(typeof DEMO_NODES)[number], ProxyMode>> = { 'worker-4': 'nftables', 'worker-5': 'ipvs' };

/** The cluster as it was before the events of the story (scale-down, deletion, a failing probe). */
function before(): ClusterBuilder {
  const b = clusterBuilder({ clusterCIDR: DEMO_CLUSTER_CIDR, nodeNetwork: '10.0.0.0/24', createdAt: '2025-09-12T07:30:00Z' });
  b.node('cp-1', { controlPlane: true, zone: 'eu-west-1a' })
    .node('worker-1', { zone: 'eu-west-1a' })
    .node('worker-2', { zone: 'eu-west-1b' })
    .node('worker-3', { zone: 'eu-west-1c' })
    .node('worker-4', { zone: 'eu-west-1a' })
    .node('worker-5', { zone: 'eu-west-1b' });
  const workers = ['worker-1', 'worker-2', 'worker-3'];
  const allWorkers = [...workers, 'worker-4', 'worker-5'];
  b.service('default/kubernetes', {
    clusterIP: '10.96.0.1',
    ports: [{ name: 'https', port: 443, targetPort: 6443 }],
    manualEndpoints: [{ ip: '10.0.0.2' }],
    labels: { component: 'apiserver', provider: 'kubernetes' },
  });
  b.service('kube-system/kube-dns', {
    clusterIP: '10.96.0.10',
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      { name: 'metrics', port: 9153 },
    ],
    labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' },
    image: 'registry.k8s.io/coredns/coredns:v1.12.1',
  }).pods('kube-system/kube-dns', 2, { nodes: ['cp-1', 'worker-2'] });
  b.service('kube-system/metrics-server', { ports: [{ name: 'https', port: 443, targetPort: 'https', containerPort: 10250 }], image: 'registry.k8s.io/metrics-server/metrics-server:v0.8.0' })
    .pods('kube-system/metrics-server', 1, { nodes: ['worker-1'] });
  b.service('kube-system/kube-state-metrics', { ports: [{ name: 'http-metrics', port: 8080 }, { name: 'telemetry', port: 8081 }] })
    .pods('kube-system/kube-state-metrics', 1, { nodes: ['worker-3'] });

  b.service('ingress-nginx/ingress-nginx-controller', {
    type: 'LoadBalancer',
    externalTrafficPolicy: 'Local',
    loadBalancerIPs: ['203.0.113.10'],
    ports: [
      { name: 'http', port: 80, targetPort: 'http', containerPort: 80 },
      { name: 'https', port: 443, targetPort: 'https', containerPort: 443 },
    ],
    image: 'registry.k8s.io/ingress-nginx/controller:v1.13.2',
  }).pods('ingress-nginx/ingress-nginx-controller', 2, { nodes: ['worker-1', 'worker-2'] });
  b.service('ingress-nginx/ingress-nginx-controller-admission', {
    ports: [{ name: 'https-webhook', port: 443, targetPort: 'webhook', containerPort: 8443 }],
    podsFrom: 'ingress-nginx/ingress-nginx-controller',
  });

  b.service('shop/web', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }).pods('shop/web', 4, { nodes: workers });
  b.service('shop/cart', { ports: [{ name: 'http', port: 80, targetPort: 8080 }], affinitySeconds: 10800 }).pods('shop/cart', 2, { nodes: workers });
  b.service('shop/catalog', { ports: [{ name: 'grpc', port: 9090 }] }).pods('shop/catalog', 3, { nodes: workers });
  b.service('shop/search', { ports: [{ name: 'http', port: 80, targetPort: 9200 }] }).pods('shop/search', 3, { nodes: allWorkers });
  b.service('shop/legacy-search', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }).pods('shop/legacy-search', 2, { nodes: ['worker-2', 'worker-3'] });

  b.service('payments/payments-api', { ports: [{ name: 'https', port: 443, targetPort: 8443 }, { name: 'metrics', port: 9090 }] }).pods('payments/payments-api', 3, { nodes: workers });
  b.service('payments/payments-worker', { ports: [{ port: 8080 }] }).pods('payments/payments-worker', 2, { nodes: ['worker-2', 'worker-3'] });
  b.service('payments/fraud-check', { ports: [{ name: 'grpc', port: 50051 }], internalTrafficPolicy: 'Local', workload: 'DaemonSet' })
    .pods('payments/fraud-check', 5, { nodes: allWorkers });

  b.service('data/redis-headless', { headless: true, ports: [{ name: 'redis', port: 6379 }], workload: 'StatefulSet', image: 'docker.io/library/redis:7.4' })
    .pods('data/redis-headless', 3, { nodes: workers });
  b.service('data/redis', { ports: [{ name: 'redis', port: 6379 }], podsFrom: 'data/redis-headless' });
  b.service('data/postgres', { ports: [{ name: 'postgres', port: 5432 }], workload: 'StatefulSet', image: 'docker.io/library/postgres:17' })
    .pods('data/postgres', 1, { nodes: ['worker-3'] });

  b.service('batch/report-generator', { ports: [{ name: 'http', port: 8080 }] }); // CronJob: no pods right now

  b.service('monitoring/prometheus', { type: 'NodePort', ports: [{ name: 'web', port: 9090, nodePort: 30900 }], workload: 'StatefulSet' })
    .pods('monitoring/prometheus', 1, { nodes: ['worker-3'] });
  b.service('monitoring/grafana', {
    type: 'LoadBalancer',
    loadBalancerIPs: ['203.0.113.20'],
    loadBalancerSourceRanges: ['10.0.0.0/8', '192.168.0.0/16'],
    ports: [{ name: 'http', port: 80, targetPort: 3000 }],
  }).pods('monitoring/grafana', 1, { nodes: ['worker-1'] });
  b.service('monitoring/node-exporter', { ports: [{ name: 'metrics', port: 9100 }], workload: 'DaemonSet' }).pods('monitoring/node-exporter', 4, { nodes: [...DEMO_NODES] });
  return b;
}

export interface DemoStory {
  state: ClusterState;
  /** Per node: faults of the mode's writer (iptables and nftables share the input faults). */
  faults: Record<string, IptablesFault[]>;
  /** worker-5 (IPVS mode). */
  ipvsFaults: Record<string, IpvsFault[]>;
  /** worker-4: the iptables-mode rules it had when it switched to nftables, never cleaned up. */
  leftoverIptablesState: ClusterState;
  notes: { node: string; fault: string; detail: string }[];
  podCIDRs: Record<string, string>;
}

export function demoStory(): DemoStory {
  const b = before();
  const old = b.build();
  const now = b.clone();
  const web = now.podsOf('shop/web');
  const goneWeb = web[3];
  now.scale('shop/web', 3);
  const sickCatalog = now.podsOf('shop/catalog')[1];
  now.setPod(sickCatalog.name, { ready: false });
  now.removeService('shop/legacy-search');
  const search = now.podsOf('shop/search');
  const goneSearch = search[search.length - 1];
  now.scale('shop/search', search.length - 1);
  const drained = now.podsOf('shop/web')[0];
  const state = now.build();
  const paymentsIP = state.services.find((x) => x.metadata.name === 'payments-api')?.spec.clusterIP;
  const podCIDRs = Object.fromEntries(state.nodes.map((n) => [n.metadata.name, n.spec?.podCIDR ?? '']));
  return {
    state,
    podCIDRs,
    faults: {
      'worker-1': [{ kind: 'drop-service-port', service: 'payments/payments-api', port: 'https' }],
      'worker-2': [{ kind: 'old-state', service: 'shop/web', state: old }],
      'worker-3': [
        { kind: 'ignore-readiness', service: 'shop/catalog', ip: sickCatalog.ip },
        { kind: 'old-state', service: 'shop/legacy-search', state: old },
      ],
      'worker-4': [{ kind: 'old-state', service: 'shop/search', state: old }],
    },
    ipvsFaults: { 'worker-5': [{ kind: 'weight-zero', service: 'shop/web', ip: drained.ip }] },
    leftoverIptablesState: old,
    notes: [
      { node: 'worker-2', fault: 'stale backend after a scale-down', detail: `shop/web was scaled from 4 to 3 replicas; kube-proxy on worker-2 missed the update and still sends 1 in 4 connections to ${goneWeb.ip}:8080, the deleted pod ${goneWeb.name}.` },
      { node: 'worker-3', fault: 'not-ready pod still receiving traffic', detail: `${sickCatalog.name} (${sickCatalog.ip}) fails its readiness probe and is marked not ready in its EndpointSlice, but worker-3 still load-balances shop/catalog:grpc to it.` },
      { node: 'worker-1', fault: 'service port not programmed', detail: `payments/payments-api:https has ready endpoints but worker-1 has no rule for it at all: clients on worker-1 get no DNAT and their connections to ${paymentsIP}:443 are not load-balanced and time out.` },
      { node: 'worker-3', fault: 'orphan rules of a deleted Service', detail: 'shop/legacy-search was deleted, but worker-3 still has its KUBE-SERVICES rule, KUBE-SVC chain and two KUBE-SEP chains.' },
      {
        node: 'worker-4',
        fault: 'iptables rules left behind by the switch to nftables mode',
        detail:
          'kube-proxy on worker-4 was switched to nftables mode, but the iptables-mode rules it wrote before were never cleaned up: KUBE-SERVICES is still hooked into PREROUTING and OUTPUT and still DNATs Service traffic, with the endpoints of the day of the switch (including the deleted shop/legacy-search).',
      },
      { node: 'worker-4', fault: 'stale backend in nftables mode', detail: `shop/search was scaled from 3 to 2 replicas while kube-proxy on worker-4 was restarting into nftables mode; its \`service-…-shop/search/tcp/http\` chain still sends 1 in 3 connections to ${goneSearch.ip}:9200, the deleted pod ${goneSearch.name}.` },
      { node: 'worker-5', fault: 'IPVS real server left at weight 0', detail: `after a kube-proxy restart on worker-5 (IPVS mode), the real server ${drained.ip}:8080 of shop/web (pod ${drained.name}, ready) kept weight 0 on every virtual server: IPVS sends it no new connections, so shop/web runs on two of its three pods from worker-5 (kubernetes/kubernetes#92019).` },
    ],
  };
}
