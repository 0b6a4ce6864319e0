import { describe, expect, it } from 'vitest';
import { checkEndpointSliceHygiene } from '../../../../../core/common/checks/catalog/endpointSliceHygiene';
import { WEB, indexOf, podOf, sliceOf, world } from '../_builders';
import type { World } from '../_builders';
import { markManaged } from './_catalog';

type Case = { name: string; mutate: (w: World) => void; expect: { title: RegExp; endpoint: string | null }[] };

const pod = (w: World, name: string) => w.pods.find((p) => p.metadata.name === name)!;
const notReady = { ready: false, serving: false, terminating: false };

const cases: Case[] = [
  { name: 'controller-managed slices that match their pods give no finding', mutate: () => {}, expect: [] },
  {
    name: 'a not-ready endpoint naming a deleted pod is reported',
    mutate: (w) => {
      w.slices[0].endpoints![1].conditions = notReady;
      w.pods.splice(w.pods.indexOf(pod(w, 'web-1')), 1);
    },
    expect: [{ title: /still lists 10\.244\.2\.6 for deleted Pod shop\/web-1/, endpoint: '10.244.2.6' }],
  },
  {
    name: 'a ready endpoint naming a deleted pod is left to readiness-disagreement',
    mutate: (w) => w.pods.splice(w.pods.indexOf(pod(w, 'web-1')), 1),
    expect: [],
  },
  {
    name: 'a targetRef UID that is not the current pod UID means the pod was recreated',
    mutate: (w) => {
      w.slices[0].endpoints![0].targetRef!.uid = 'old-uid';
      pod(w, 'web-0').metadata.uid = 'new-uid';
    },
    expect: [{ title: /names an earlier Pod shop\/web-0 \(UID changed\)/, endpoint: '10.244.1.5' }],
  },
  {
    name: 'a not-ready endpoint whose address is not the pod IP is reported',
    mutate: (w) => {
      w.slices[0].endpoints![0].conditions = notReady;
      pod(w, 'web-0').status!.podIP = '10.244.1.99';
      pod(w, 'web-0').status!.conditions = [{ type: 'Ready', status: 'False' }];
    },
    expect: [{ title: /lists 10\.244\.1\.5 for Pod shop\/web-0, which has IP 10\.244\.1\.99/, endpoint: '10.244.1.5' }],
  },
  {
    name: 'a slice of a selector Service managed by another controller is reported',
    mutate: (w) => (w.slices[0].metadata.labels!['endpointslice.kubernetes.io/managed-by'] = 'mesh-controller.example.com'),
    expect: [{ title: /managed by mesh-controller\.example\.com/, endpoint: null }],
  },
  {
    name: 'a slice of a selector Service without a managed-by label is reported when the controller labels its slices',
    mutate: (w) => {
      const other = { ...WEB, name: 'agent', clusterIP: '10.96.0.99', endpoints: [{ ip: '10.244.4.4', node: 'n1', pod: null }] };
      w.slices.push({ ...sliceOf(other), metadata: { ...sliceOf(other).metadata, labels: { 'kubernetes.io/service-name': 'agent', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } } });
      delete w.slices[0].metadata.labels!['endpointslice.kubernetes.io/managed-by'];
    },
    expect: [{ title: /not managed by the EndpointSlice controller/, endpoint: null }],
  },
  {
    name: 'missing managed-by labels are not judged when no slice of the export has one',
    mutate: (w) => delete w.slices[0].metadata.labels!['endpointslice.kubernetes.io/managed-by'],
    expect: [],
  },
  {
    name: 'a hand-made slice of a Service without selector is fine',
    mutate: (w) => {
      delete w.services[0].spec.selector;
      delete w.slices[0].metadata.labels!['endpointslice.kubernetes.io/managed-by'];
    },
    expect: [],
  },
  {
    name: 'host-network pods sharing the node IP are fine',
    mutate: (w) => {
      const other = { ...WEB, name: 'agent', endpoints: [{ ip: '10.244.1.5', node: 'n1' }] };
      w.slices.push({ ...sliceOf(other), metadata: { ...sliceOf(other).metadata, labels: { 'kubernetes.io/service-name': 'agent', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } } });
      w.pods.push(podOf('shop', 'agent-0', '10.244.1.5', { node: 'n1' }));
    },
    expect: [],
  },
  {
    name: 'one IP listed for two pods is reported when cluster.json cannot tell which is current',
    mutate: (w) => {
      const other = { ...WEB, name: 'agent', endpoints: [{ ip: '10.244.1.5', node: 'n1' }] };
      w.slices.push({ ...sliceOf(other), metadata: { ...sliceOf(other).metadata, labels: { 'kubernetes.io/service-name': 'agent', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } } });
      w.pods.splice(0);
    },
    expect: [{ title: /10\.244\.1\.5 is listed for 2 different Pods/, endpoint: '10.244.1.5' }],
  },
  {
    name: 'one IP listed for two pods is reported when one of them has no IP yet',
    mutate: (w) => {
      const other = { ...WEB, name: 'agent', endpoints: [{ ip: '10.244.1.5', node: 'n1' }] };
      w.slices.push({ ...sliceOf(other), metadata: { ...sliceOf(other).metadata, labels: { 'kubernetes.io/service-name': 'agent', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } } });
      const agent = podOf('shop', 'agent-0', '10.244.1.5', { node: 'n1' });
      delete agent.status!.podIP;
      delete agent.status!.podIPs;
      w.pods.push(agent);
    },
    expect: [{ title: /10\.244\.1\.5 is listed for 2 different Pods/, endpoint: '10.244.1.5' }],
  },
];

describe('checkEndpointSliceHygiene', () => {
  it.each(cases)('$name', (c) => {
    const w = markManaged(world([WEB]));
    c.mutate(w);
    const findings = checkEndpointSliceHygiene(indexOf(w));
    expect(findings.map((f) => f.endpoint)).toEqual(c.expect.map((e) => e.endpoint));
    findings.forEach((f, i) => {
      expect(f).toMatchObject({ check: 'endpointslice-hygiene', severity: 'medium', node: null });
      expect(f.title).toMatch(c.expect[i].title);
      expect(f.evidence.length).toBeGreaterThan(0);
    });
  });

  it.each(cases)('gives the same findings when called again on the same index: $name', (c) => {
    const w = markManaged(world([WEB]));
    c.mutate(w);
    const index = indexOf(w);
    const first = checkEndpointSliceHygiene(index);
    expect(checkEndpointSliceHygiene(index)).toEqual(first);
  });
});
