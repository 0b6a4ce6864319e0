import { iptablesChainName, iptablesEndpointChainName, joinHostPort, servicePortName } from '../../../core/common/kube/chainNames';
import type { SnapshotData } from '../../../core/common/model';

// A tiny but realistic snapshot for the runner and CLI tests: two nodes, default/kubernetes and
// shop/web (2 pods, one per node), rules in iptables-save's canonical form with the chain names
// kube-proxy would compute. Faults are added per node.

export interface TinyOptions {
  /** Nodes whose rules still DNAT to a pod that no longer exists (10.244.3.7). */
  staleOn?: string[];
  /** Leave cluster.json out. */
  noCluster?: boolean;
  /** Extra nodes with the same healthy rules. */
  extraNodes?: number;
}

interface Svc {
  ns: string;
  name: string;
  portName: string;
  port: number;
  targetPort: number;
  clusterIP: string;
  endpoints: { ip: string; node?: string; pod?: string }[];
}

const SERVICES: Svc[] = [
  { ns: 'default', name: 'kubernetes', portName: 'https', port: 443, targetPort: 6443, clusterIP: '10.96.0.1', endpoints: [{ ip: '192.168.0.10' }] },
  {
    ns: 'shop',
    name: 'web',
    portName: 'http',
    port: 80,
    targetPort: 8080,
    clusterIP: '10.96.0.50',
    endpoints: [
      { ip: '10.244.1.5', node: 'node-a', pod: 'web-6d8f9-abcde' },
      { ip: '10.244.2.6', node: 'node-b', pod: 'web-6d8f9-fghij' },
    ],
  },
];

export const STALE_IP = '10.244.3.7';

export function nodeNames(opts: TinyOptions = {}): string[] {
  return ['node-a', 'node-b', ...Array.from({ length: opts.extraNodes ?? 0 }, (_, i) => `node-x${i + 1}`)];
}

export function tinySnapshot(opts: TinyOptions = {}): SnapshotData {
  return {
    source: 'tiny',
    ...(opts.noCluster ? {} : { clusterJson: clusterJson(opts) }),
    nodes: nodeNames(opts).map((name) => ({
      name,
      files: { 'iptables-save.txt': iptablesSave(opts.staleOn?.includes(name) ?? false), 'node.json': JSON.stringify({ name }) },
    })),
  };
}

export function clusterJson(opts: TinyOptions = {}): string {
  const items: unknown[] = [];
  for (const s of SERVICES) {
    items.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.name, namespace: s.ns },
      spec: {
        type: 'ClusterIP',
        clusterIP: s.clusterIP,
        clusterIPs: [s.clusterIP],
        ipFamilies: ['IPv4'],
        ports: [{ name: s.portName, protocol: 'TCP', port: s.port, targetPort: s.targetPort }],
        ...(s.name === 'web' ? { selector: { app: 'web' } } : {}),
      },
    });
    items.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${s.name}-abc12`, namespace: s.ns, labels: { 'kubernetes.io/service-name': s.name } },
      addressType: 'IPv4',
      endpoints: s.endpoints.map((e) => ({
        addresses: [e.ip],
        conditions: { ready: true, serving: true, terminating: false },
        ...(e.node ? { nodeName: e.node } : {}),
        ...(e.pod ? { targetRef: { kind: 'Pod', name: e.pod, namespace: s.ns } } : {}),
      })),
      ports: [{ name: s.portName, port: s.targetPort, protocol: 'TCP' }],
    });
    for (const e of s.endpoints) {
      if (!e.pod) continue;
      items.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: e.pod, namespace: s.ns, labels: { app: 'web' } },
        spec: { nodeName: e.node, containers: [{ name: 'web', ports: [{ containerPort: s.targetPort }] }] },
        status: { phase: 'Running', podIP: e.ip, podIPs: [{ ip: e.ip }], conditions: [{ type: 'Ready', status: 'True' }] },
      });
    }
  }
  nodeNames(opts).forEach((n, i) =>
    items.push({ apiVersion: 'v1', kind: 'Node', metadata: { name: n }, status: { addresses: [{ type: 'InternalIP', address: `192.168.0.${11 + i}` }] } }),
  );
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2);
}

export function iptablesSave(stale: boolean): string {
  const chains: string[] = [];
  const rules: string[] = [];
  const svcRules: string[] = [];
  for (const s of SERVICES) {
    const spn = servicePortName(s.ns, s.name, s.portName);
    const svc = iptablesChainName('KUBE-SVC', spn, 'tcp');
    chains.push(svc);
    const eps = s.endpoints.map((e) => e.ip);
    if (stale && s.name === 'web') eps.push(STALE_IP);
    svcRules.push(
      `-A KUBE-SERVICES -d ${s.clusterIP}/32 -p tcp -m comment --comment "${spn} cluster IP" -m tcp --dport ${s.port} -j ${svc}`,
    );
    rules.push(`-A ${svc} ! -s 10.244.0.0/16 -d ${s.clusterIP}/32 -p tcp -m comment --comment "${spn} cluster IP" -m tcp --dport ${s.port} -j KUBE-MARK-MASQ`);
    eps.forEach((ip, i) => {
      const ep = joinHostPort(ip, s.targetPort);
      const sep = iptablesEndpointChainName(spn, 'tcp', ep);
      chains.push(sep);
      const left = eps.length - i;
      const prob = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(11)}` : '';
      rules.push(`-A ${svc} -m comment --comment "${spn} -> ${ep}"${prob} -j ${sep}`);
      rules.push(`-A ${sep} -s ${ip}/32 -m comment --comment "${spn}" -j KUBE-MARK-MASQ`);
      rules.push(`-A ${sep} -p tcp -m comment --comment "${spn}" -m tcp -j DNAT --to-destination ${ep}`);
    });
  }
  return [
    '# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  2 03:04:05 2025',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':KUBE-MARK-MASQ - [0:0]',
    ':KUBE-NODEPORTS - [0:0]',
    ':KUBE-POSTROUTING - [0:0]',
    ':KUBE-SERVICES - [0:0]',
    ...chains.map((c) => `:${c} - [0:0]`),
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ...rules,
    ...svcRules,
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    'COMMIT',
    '# Completed on Thu Jan  2 03:04:05 2025',
    '',
  ].join('\n');
}
