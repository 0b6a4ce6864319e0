import { describe, expect, it } from 'vitest';
import { checkReadinessDisagreement } from '../../../../../core/common/checks/catalog/readinessDisagreement';
import { WEB, indexOf, world } from '../_builders';
import type { World } from '../_builders';

type Case = { name: string; mutate: (w: World) => void; expect: { endpoint: string; pod: string; title: RegExp }[] };

const pod = (w: World, name: string) => w.pods.find((p) => p.metadata.name === name)!;

const cases: Case[] = [
  { name: 'slices that agree with their pods give no finding', mutate: () => {}, expect: [] },
  {
    name: 'a ready endpoint whose pod was deleted is reported',
    mutate: (w) => w.pods.splice(w.pods.indexOf(pod(w, 'web-1')), 1),
    expect: [{ endpoint: '10.244.2.6', pod: 'shop/web-1', title: /ready but Pod shop\/web-1 no longer exists/ }],
  },
  {
    name: 'a ready endpoint whose pod is not Ready is reported',
    mutate: (w) => (pod(w, 'web-0').status!.conditions = [{ type: 'Ready', status: 'False' }]),
    expect: [{ endpoint: '10.244.1.5', pod: 'shop/web-0', title: /ready but Pod shop\/web-0 is not Ready/ }],
  },
  {
    name: 'a ready endpoint whose pod is being deleted is reported',
    mutate: (w) => (pod(w, 'web-2').metadata.deletionTimestamp = '2024-05-01T10:00:00Z'),
    expect: [{ endpoint: '10.244.3.7', pod: 'shop/web-2', title: /being deleted/ }],
  },
  {
    name: 'a ready endpoint whose pod now has another IP is reported',
    mutate: (w) => (pod(w, 'web-0').status!.podIP = '10.244.1.99'),
    expect: [{ endpoint: '10.244.1.5', pod: 'shop/web-0', title: /now has IP 10\.244\.1\.99/ }],
  },
  {
    name: 'a not-ready endpoint whose pod is Ready is reported',
    mutate: (w) => (w.slices[0].endpoints![1].conditions = { ready: false, serving: false, terminating: false }),
    expect: [{ endpoint: '10.244.2.6', pod: 'shop/web-1', title: /not ready but Pod shop\/web-1 is Ready/ }],
  },
  {
    name: 'publishNotReadyAddresses makes ready-but-not-Ready endpoints intended (publish-not-ready reports them)',
    mutate: (w) => {
      w.services[0].spec.publishNotReadyAddresses = true;
      pod(w, 'web-0').status!.conditions = [{ type: 'Ready', status: 'False' }];
    },
    expect: [],
  },
  {
    name: 'nothing is said when cluster.json has no pods at all',
    mutate: (w) => w.pods.splice(0),
    expect: [],
  },
];

describe('checkReadinessDisagreement', () => {
  it.each(cases)('$name', (c) => {
    const w = world([WEB]);
    c.mutate(w);
    const findings = checkReadinessDisagreement(indexOf(w));
    expect(findings.map((f) => f.endpoint)).toEqual(c.expect.map((e) => e.endpoint));
    findings.forEach((f, i) => {
      expect(f).toMatchObject({ check: 'readiness-disagreement', severity: 'medium', node: null, service: 'shop/web', pod: c.expect[i].pod });
      expect(f.title).toMatch(c.expect[i].title);
      expect(f.evidence.every((e) => e.file === 'cluster.json' && e.line === 0)).toBe(true);
      expect(f.nextSteps[0]).toContain('get endpointslices -l kubernetes.io/service-name=web');
    });
  });
});
