import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EndpointSlice, KubeProtocol, Service } from '../../../../core/common/model';

// Turns the hand-transcribed corpus inputs (test/fixtures/corpus/cluster/*.json, flat Go-test
// fields) into the API objects `kubectl get -o json` prints.

export const corpusDir = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/corpus/cluster');

export function readCorpus<T>(file: string): T {
  return JSON.parse(readFileSync(join(corpusDir, file), 'utf8')) as T;
}

interface TPort { name?: string; port: number; protocol?: KubeProtocol; targetPort?: number; nodePort?: number }

export interface TService {
  namespace: string;
  name: string;
  type?: Service['spec']['type'];
  clusterIP?: string;
  externalIPs?: string[];
  loadBalancerIngressIPs?: string[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  healthCheckNodePort?: number;
  loadBalancerSourceRanges?: string[];
  sessionAffinity?: 'None' | 'ClientIP';
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  selector?: Record<string, string>;
  ports: TPort[];
}

export interface TSlice {
  namespace: string;
  name: string;
  serviceName: string;
  addressType: 'IPv4' | 'IPv6';
  ports: TPort[];
  endpoints: { addresses: string[]; nodeName?: string; ready?: boolean; serving?: boolean; terminating?: boolean }[];
}

export function toService(t: TService): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: t.name, namespace: t.namespace },
    spec: {
      type: t.type,
      clusterIP: t.clusterIP,
      clusterIPs: t.clusterIP ? [t.clusterIP] : undefined,
      ipFamilies: ['IPv4'],
      externalIPs: t.externalIPs,
      externalTrafficPolicy: t.externalTrafficPolicy,
      internalTrafficPolicy: t.internalTrafficPolicy,
      healthCheckNodePort: t.healthCheckNodePort,
      loadBalancerSourceRanges: t.loadBalancerSourceRanges,
      sessionAffinity: t.sessionAffinity,
      sessionAffinityConfig: t.sessionAffinityConfig,
      selector: t.selector,
      ports: t.ports.map((p) => ({ ...p })),
    },
    status: t.loadBalancerIngressIPs ? { loadBalancer: { ingress: t.loadBalancerIngressIPs.map((ip) => ({ ip })) } } : undefined,
  };
}

export function toSlice(t: TSlice): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: t.name, namespace: t.namespace, labels: { 'kubernetes.io/service-name': t.serviceName } },
    addressType: t.addressType,
    ports: t.ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
    endpoints: t.endpoints.map((e) => ({
      addresses: e.addresses,
      nodeName: e.nodeName,
      conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
    })),
  };
}
