import { describe, expect, it } from 'vitest';
import { checkNotReadyBackends } from '../../../../core/common/checks/notReadyBackend';
import { WEB, backend, ctxOf, spOf, world } from './_builders';
import type { SvcSpec, World } from './_builders';

const notReady: SvcSpec = { ...WEB, endpoints: [...WEB.endpoints, { ip: '10.244.4.8', node: 'n4', ready: false, serving: false, pod: 'web-bad' }] };
const terminating: SvcSpec = { ...WEB, endpoints: [...WEB.endpoints, { ip: '10.244.4.8', node: 'n4', ready: false, serving: true, terminating: true, pod: 'web-old' }] };
const onlyTerminating: SvcSpec = { ...WEB, endpoints: [{ ip: '10.244.4.8', node: 'n4', ready: false, serving: true, terminating: true }] };
const etpLocal: SvcSpec = { ...WEB, nodePort: 30080, etpLocal: true };

type Case = { name: string; spec: SvcSpec; mutate: (w: World) => void; expect: { endpoint: string; pod: string | null; message: RegExp }[] };

const cases: Case[] = [
  { name: 'healthy rules produce no finding', spec: WEB, mutate: () => {}, expect: [] },
  { name: 'terminating-only endpoints used as the fallback are fine', spec: onlyTerminating, mutate: () => {}, expect: [] },
  { name: 'a Local path holding only local endpoints is fine', spec: etpLocal, mutate: () => {}, expect: [] },
  {
    name: 'a not-ready pod still in the rules is flagged with its pod and conditions',
    spec: notReady,
    mutate: (w) => spOf(w, 'web').clusterPath!.backends.push(backend('10.244.4.8', 8080)),
    expect: [{ endpoint: '10.244.4.8:8080', pod: 'shop/web-bad', message: /not serving.*ready=false serving=false terminating=false.*Ready=False/ }],
  },
  {
    name: 'a terminating pod is flagged while ready endpoints exist',
    spec: terminating,
    mutate: (w) => spOf(w, 'web').clusterPath!.backends.push(backend('10.244.4.8', 8080)),
    expect: [{ endpoint: '10.244.4.8:8080', pod: 'shop/web-old', message: /terminating endpoints are only used when no cluster endpoint is ready \(3 are\)/ }],
  },
  {
    name: 'a remote endpoint on a Local path is flagged as not local',
    spec: etpLocal,
    mutate: (w) => spOf(w, 'web').localPath!.backends.push(backend('10.244.2.6', 8080)),
    expect: [{ endpoint: '10.244.2.6:8080', pod: 'shop/web-1', message: /runs on node n2.*only use endpoints on n1/ }],
  },
  {
    name: 'a ready endpoint outside the topology subset is flagged as such',
    spec: WEB,
    mutate: (w) => {
      w.expected[0].clusterEndpoints = w.expected[0].clusterEndpoints.slice(0, 1);
      w.expected[0].topology = 'prefer-same-zone';
    },
    expect: [
      { endpoint: '10.244.2.6:8080', pod: 'shop/web-1', message: /topology-aware routing/ },
      { endpoint: '10.244.3.7:8080', pod: 'shop/web-2', message: /topology-aware routing/ },
    ],
  },
];

describe('checkNotReadyBackends', () => {
  it.each(cases)('$name', (c) => {
    const w = world([c.spec]);
    c.mutate(w);
    const findings = checkNotReadyBackends(ctxOf(w));
    expect(findings.map((f) => f.endpoint)).toEqual(c.expect.map((e) => e.endpoint));
    findings.forEach((f, i) => {
      expect(f).toMatchObject({ check: 'not-ready-backend', severity: 'high', node: 'n1', service: 'shop/web', pod: c.expect[i].pod });
      expect(f.message).toMatch(c.expect[i].message);
      expect(f.evidence.length).toBeGreaterThan(0);
    });
  });
});
