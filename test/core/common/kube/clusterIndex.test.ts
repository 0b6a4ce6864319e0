import { describe, expect, it } from 'vitest';
import { indexCluster, namespaceOf, objectKey } from '../../../../core/common/kube/clusterIndex';
import { podReady, podTerminating } from '../../../../core/common/kube/podReadiness';
import type { Pod } from '../../../../core/common/model';
import { ep, node, pod, slice, svc } from './kubeFixtures';

describe('indexCluster', () => {
  const hostNet1 = pod('kube-system', 'proxy-a', ['192.168.0.10']);
  const hostNet2 = pod('kube-system', 'exporter-a', ['192.168.0.10']);
  const dualPod = pod('ns', 'web', ['10.0.0.5', 'fd00::5']);
  const noIpPod: Pod = { kind: 'Pod', metadata: { name: 'pending', namespace: 'ns' }, status: { phase: 'Pending' } };
  const unlabelled = slice('ns', 'web', 'manual', [ep('10.0.0.9')]);
  delete unlabelled.metadata.labels;
  const index = indexCluster({
    services: [svc('ns', 'web'), svc('other', 'web')],
    endpointSlices: [slice('ns', 'web', 'web-a', [ep('10.0.0.5')]), slice('ns', 'web', 'web-b', []), slice('other', 'web', 'web-c', []), unlabelled],
    pods: [hostNet1, hostNet2, dualPod, noIpPod],
    nodes: [
      node('n1', 'z1', [{ type: 'Hostname', address: 'n1' }, { type: 'ExternalIP', address: '203.0.113.1' }, { type: 'InternalIP', address: '192.168.0.10' }]),
      node('n2'),
    ],
  });

  it('keys Services by ns/name', () => {
    expect([...index.services.keys()]).toEqual(['ns/web', 'other/web']);
  });

  it('groups slices by namespace and service-name label, dropping unlabelled ones', () => {
    expect(index.slicesByService.get('ns/web')!.map((s) => s.metadata.name)).toEqual(['web-a', 'web-b']);
    expect(index.slicesByService.get('other/web')!.map((s) => s.metadata.name)).toEqual(['web-c']);
  });

  it.each([
    { ip: '192.168.0.10', pods: ['kube-system/proxy-a', 'kube-system/exporter-a'] },
    { ip: '10.0.0.5', pods: ['ns/web'] },
    { ip: 'fd00::5', pods: ['ns/web'] },
  ])('finds the Pods of $ip', ({ ip, pods }) => {
    expect(index.podsByIp.get(ip)!.map((p) => objectKey(p.metadata))).toEqual(pods);
  });

  it('indexes Pods by name even without an IP', () => {
    expect(index.podsByName.get('ns/pending')).toBe(noIpPod);
  });

  it('reads node zones and addresses (InternalIP first)', () => {
    expect([...index.nodeNames]).toEqual(['n1', 'n2']);
    expect(index.nodeZones.get('n1')).toBe('z1');
    expect(index.nodeZones.has('n2')).toBe(false);
    expect(index.nodeAddresses.get('n1')).toEqual(['192.168.0.10', '203.0.113.1']);
    expect(index.nodeAddresses.get('n2')).toEqual([]);
  });

  it('puts objects without namespace in default', () => {
    expect(namespaceOf({ name: 'x' })).toBe('default');
    expect(objectKey({ name: 'x', namespace: '' })).toBe('default/x');
  });
});

describe('podReady / podTerminating', () => {
  const withConditions = (conditions: NonNullable<Pod['status']>['conditions']): Pod => ({ kind: 'Pod', metadata: { name: 'p' }, status: { conditions } });
  it.each([
    { name: 'Ready=True', pod: withConditions([{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }]), ready: true },
    { name: 'Ready=False', pod: withConditions([{ type: 'Ready', status: 'False' }]), ready: false },
    { name: 'Ready=Unknown', pod: withConditions([{ type: 'Ready', status: 'Unknown' }]), ready: false },
    { name: 'no Ready condition', pod: withConditions([{ type: 'PodScheduled', status: 'True' }]), ready: false },
    { name: 'no status', pod: { kind: 'Pod', metadata: { name: 'p' } } as Pod, ready: false },
  ])('a Pod with $name is ready=$ready', ({ pod: p, ready }) => {
    expect(podReady(p)).toBe(ready);
  });

  it('calls a Pod with a deletionTimestamp terminating', () => {
    expect(podTerminating(pod('ns', 'p', [], true, { deletionTimestamp: '2024-01-01T00:00:00Z' }))).toBe(true);
    expect(podTerminating(pod('ns', 'p', []))).toBe(false);
  });
});
