import { createHash } from 'node:crypto';
import type { ClusterState } from '../../../core/common/model';
import { nameSuffix, templateHash, uid } from '../scenario/ids';

// kube-proxy as kubeadm deploys it: the kube-system/kube-proxy ConfigMap (config.conf holds a
// KubeProxyConfiguration, kubeconfig.conf the in-cluster kubeconfig) and one DaemonSet pod per
// node (hostNetwork, label k8s-app=kube-proxy). Shapes follow kubeadm's
// cmd/kubeadm/app/phases/addons/proxy/manifests.go and what `kubectl get -o json` prints.

export interface KubeProxyOptions {
  /** `mode:` in config.conf; '' is what kubeadm writes when the user chose nothing. */
  mode?: string;
  version?: string;
  /** restartCount per node name (default 0). */
  restarts?: Record<string, number>;
  /** Leave the ConfigMap out (clusters where kube-proxy is configured by flags). */
  noConfigMap?: boolean;
}

export interface KubeProxyObjects {
  configMap: Record<string, unknown> | null;
  pods: Record<string, unknown>[];
}

const CREATED = '2026-01-05T09:00:00Z';

export function kubeProxyObjects(state: ClusterState, opts: KubeProxyOptions = {}): KubeProxyObjects {
  const mode = opts.mode ?? 'iptables';
  const version = opts.version ?? 'v1.34.1';
  const configConf = [
    'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
    'bindAddress: 0.0.0.0',
    'clientConnection:',
    '  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf',
    'clusterCIDR: 10.244.0.0/16',
    'conntrack:',
    '  maxPerCore: null',
    'iptables:',
    '  masqueradeAll: false',
    '  minSyncPeriod: 1s',
    '  syncPeriod: 0s',
    'kind: KubeProxyConfiguration',
    'metricsBindAddress: 0.0.0.0:10249',
    `mode: ${mode === '' ? '""' : mode}`,
    'nodePortAddresses: null',
    '',
  ].join('\n');
  const kubeconfigConf = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    '    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
    '    server: https://172.18.0.2:6443',
    '  name: default',
    '',
  ].join('\n');
  const configMap = opts.noConfigMap
    ? null
    : {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'kube-proxy',
          namespace: 'kube-system',
          labels: { app: 'kube-proxy' },
          annotations: { 'kubeadm.kubernetes.io/component-config.hash': `sha256:${templateHash('kube-proxy-config')}` },
          uid: uid('ConfigMap/kube-system/kube-proxy'),
          resourceVersion: '241',
          creationTimestamp: CREATED,
        },
        data: { 'config.conf': configConf, 'kubeconfig.conf': kubeconfigConf },
      };
  const revision = templateHash('kube-proxy').slice(0, 9);
  const pods = state.nodes.map((node) => {
    const nodeName = node.metadata.name;
    const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
    const restartCount = opts.restarts?.[nodeName] ?? 0;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `kube-proxy-${nameSuffix(`kube-proxy/${nodeName}`)}`,
        generateName: 'kube-proxy-',
        namespace: 'kube-system',
        labels: { 'controller-revision-hash': revision, 'k8s-app': 'kube-proxy', 'pod-template-generation': '1' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'kube-proxy', uid: uid('DaemonSet/kube-system/kube-proxy'), controller: true, blockOwnerDeletion: true }],
        uid: uid(`Pod/kube-system/kube-proxy/${nodeName}`),
        resourceVersion: '512',
        creationTimestamp: CREATED,
      },
      spec: {
        containers: [
          {
            name: 'kube-proxy',
            image: `registry.k8s.io/kube-proxy:${version}`,
            command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'],
            env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }],
            securityContext: { privileged: true },
          },
        ],
        hostNetwork: true,
        nodeName,
        priorityClassName: 'system-node-critical',
        serviceAccountName: 'kube-proxy',
      },
      status: {
        conditions: [
          { type: 'Ready', status: 'True', lastTransitionTime: CREATED },
          { type: 'ContainersReady', status: 'True', lastTransitionTime: CREATED },
        ],
        containerStatuses: [
          {
            name: 'kube-proxy',
            image: `registry.k8s.io/kube-proxy:${version}`,
            imageID: `registry.k8s.io/kube-proxy@sha256:${createHash('sha256').update(version).digest('hex')}`,
            ready: true,
            started: true,
            restartCount,
            state: { running: { startedAt: CREATED } },
            lastState: restartCount > 0 ? { terminated: { exitCode: 1, reason: 'Error', finishedAt: CREATED, startedAt: CREATED } } : {},
          },
        ],
        hostIP: ip,
        hostIPs: [{ ip }],
        phase: 'Running',
        podIP: ip,
        podIPs: [{ ip }],
        qosClass: 'BestEffort',
        startTime: CREATED,
      },
    };
  });
  return { configMap, pods };
}
