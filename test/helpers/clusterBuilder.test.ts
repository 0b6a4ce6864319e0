import { describe, expect, it } from 'vitest';
import { parseClusterJson } from '../../core/common/kube/clusterState';
import { clusterBuilder, toClusterJson } from './scenario/clusterBuilder';

const twoNodes = () => clusterBuilder().node('n1', { zone: 'zone-a' }).node('n2', { zone: 'zone-b' });

describe('clusterBuilder', () => {
  it.each([
    { pod: { ready: true, terminating: false }, conditions: { ready: true, serving: true, terminating: false } },
    { pod: { ready: false, terminating: false }, conditions: { ready: false, serving: false, terminating: false } },
    { pod: { ready: true, terminating: true }, conditions: { ready: false, serving: true, terminating: true } },
    { pod: { ready: false, terminating: true }, conditions: { ready: false, serving: false, terminating: true } },
  ])('writes endpoint conditions like the EndpointSlice controller for a pod $pod', ({ pod, conditions }) => {
    const s = twoNodes().service('ns/web', { ports: [{ name: 'http', port: 80 }] }).pod('ns/web', { node: 'n2', ...pod }).build();
    const ep = s.endpointSlices[0].endpoints?.[0];
    expect(ep?.conditions).toEqual(conditions);
    expect(ep?.nodeName).toBe('n2');
    expect(ep?.zone).toBe('zone-b');
    expect(s.pods[0].metadata.deletionTimestamp !== undefined).toBe(pod.terminating);
  });

  it('marks every endpoint ready with publishNotReadyAddresses', () => {
    const s = twoNodes().service('ns/db', { ports: [{ name: 'pg', port: 5432 }], publishNotReadyAddresses: true }).pod('ns/db', { node: 'n1', ready: false }).build();
    expect(s.endpointSlices[0].endpoints?.[0].conditions).toEqual({ ready: true, serving: false, terminating: false });
  });

  it('labels slices for kube-proxy and the controller, and resolves named target ports', () => {
    const s = twoNodes()
      .service('ns/web', { ports: [{ name: 'http', port: 80, targetPort: 'web', containerPort: 8080 }] })
      .pods('ns/web', 2)
      .build();
    const slice = s.endpointSlices[0];
    expect(slice.metadata.labels).toMatchObject({ 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(s.services[0].spec.ports?.[0].targetPort).toBe('web');
    expect(s.pods[0].spec?.containers?.[0].ports).toEqual([{ containerPort: 8080, name: 'web', protocol: 'TCP' }]);
  });

  it('writes an empty name for an unnamed port and null endpoints for a Service without pods', () => {
    const s = twoNodes().service('ns/api', { ports: [{ port: 8080 }] }).service('ns/batch', { ports: [{ port: 9000 }] }).pods('ns/api', 1).build();
    const [api, batch] = s.endpointSlices;
    expect(api.ports?.[0].name).toBe('');
    expect(batch.endpoints).toBeNull();
  });

  it('splits more than 100 endpoints over several slices', () => {
    const s = clusterBuilder({ nodeCIDRMaskSize: 22 }).node('n1').service('ns/big', { ports: [{ name: 'http', port: 80 }] }).pods('ns/big', 250).build();
    expect(s.endpointSlices.map((e) => e.endpoints?.length)).toEqual(expect.arrayContaining([100, 100, 50]));
    expect(new Set(s.endpointSlices.map((e) => e.metadata.name)).size).toBe(3);
  });

  it('keeps the remaining pods and IPs when scaling down, and never reuses an IP', () => {
    const b = twoNodes().service('ns/web', { ports: [{ name: 'http', port: 80 }] }).pods('ns/web', 3);
    const before = b.podsOf('ns/web');
    const after = b.clone().scale('ns/web', 2).scale('ns/web', 3).podsOf('ns/web');
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(after[2].ip).not.toBe(before[2].ip);
    expect(after[2].name).not.toBe(before[2].name);
    expect(b.podsOf('ns/web')).toEqual(before);
  });

  it('removes a Service with its pods and slices', () => {
    const s = twoNodes().service('ns/a', { ports: [{ port: 1 }] }).pods('ns/a', 2).service('ns/b', { ports: [{ port: 2 }] }).removeService('ns/a').build();
    expect(s.services.map((x) => x.metadata.name)).toEqual(['b']);
    expect(s.pods).toEqual([]);
    expect(s.endpointSlices.map((x) => x.metadata.labels?.['kubernetes.io/service-name'])).toEqual(['b']);
  });

  it('models headless, LoadBalancer and selector-less Services', () => {
    const s = twoNodes()
      .service('default/kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }], manualEndpoints: [{ ip: '172.18.0.2' }] })
      .service('db/redis-headless', { headless: true, ports: [{ name: 'redis', port: 6379 }], workload: 'StatefulSet' })
      .pods('db/redis-headless', 2)
      .service('db/redis', { ports: [{ name: 'redis', port: 6379 }], podsFrom: 'db/redis-headless' })
      .service('edge/ingress', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerIPs: ['203.0.113.7'], ports: [{ name: 'https', port: 443 }] })
      .build();
    const svc = (name: string) => s.services.find((x) => x.metadata.name === name);
    expect(svc('redis-headless')?.spec.clusterIP).toBe('None');
    expect(svc('redis')?.spec.selector).toEqual({ app: 'redis-headless' });
    expect(s.pods.map((p) => p.metadata.name)).toEqual(['redis-headless-0', 'redis-headless-1']);
    expect(svc('kubernetes')?.spec.selector).toBeUndefined();
    expect(svc('ingress')?.spec.healthCheckNodePort).toBeGreaterThan(0);
    expect(svc('ingress')?.status?.loadBalancer?.ingress).toEqual([{ ip: '203.0.113.7', ipMode: 'VIP' }]);
  });

  it('builds byte-identical cluster.json for the same calls', () => {
    const make = () => toClusterJson(twoNodes().service('ns/web', { ports: [{ name: 'http', port: 80 }] }).pods('ns/web', 3).build());
    expect(make()).toBe(make());
  });
});

describe('toClusterJson', () => {
  const state = twoNodes().service('ns/web', { type: 'NodePort', ports: [{ name: 'http', port: 80 }] }).pods('ns/web', 2).build();
  const text = toClusterJson(state);

  it('prints a kubectl v1 List with sorted keys and 4-space indentation', () => {
    const list = JSON.parse(text);
    expect(Object.keys(list)).toEqual(['apiVersion', 'items', 'kind', 'metadata']);
    expect(list.items.map((i: { kind: string }) => i.kind)).toEqual(['Service', 'EndpointSlice', 'Pod', 'Pod', 'Node', 'Node']);
    expect(Object.keys(list.items[0])).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    expect(text.split('\n')[1]).toBe('    "apiVersion": "v1",');
  });

  it('is read back by the engine without problems', () => {
    const { state: parsed, problems } = parseClusterJson(text);
    expect(problems).toEqual([]);
    expect([parsed.services.length, parsed.endpointSlices.length, parsed.pods.length, parsed.nodes.length]).toEqual([1, 1, 2, 2]);
  });
});
