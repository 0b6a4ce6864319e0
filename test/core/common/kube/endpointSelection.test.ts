import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { categorizeEndpoints, endpointSetsNeeded, topologyMode } from '../../../../core/common/kube/endpointSelection';
import type { SelectableEndpoint, TrafficPolicy } from '../../../../core/common/kube/endpointSelection';

type E = SelectableEndpoint & { id: string };
const R = (id: string, nodeName?: string, extra: Partial<E> = {}): E => ({ id, ready: true, serving: true, terminating: false, nodeName, ...extra });
const T = (id: string, nodeName?: string, extra: Partial<E> = {}): E => ({ id, ready: false, serving: true, terminating: true, nodeName, ...extra });
const NS = (id: string, nodeName?: string): E => ({ id, ready: false, serving: false, terminating: true, nodeName });
const NR = (id: string, nodeName?: string): E => ({ id, ready: false, serving: false, terminating: false, nodeName });

const clusterPolicy: TrafficPolicy = { internalPolicyLocal: false, externalPolicyLocal: false, hasExternal: false };
const itpLocal: TrafficPolicy = { internalPolicyLocal: true, externalPolicyLocal: false, hasExternal: false };
const etpLocal: TrafficPolicy = { internalPolicyLocal: false, externalPolicyLocal: true, hasExternal: true };
const ids = (l: E[]) => l.map((e) => e.id);

describe('endpointSetsNeeded', () => {
  it.each([
    { policy: clusterPolicy, want: { cluster: true, local: false } },
    { policy: itpLocal, want: { cluster: false, local: true } },
    { policy: { ...itpLocal, hasExternal: true }, want: { cluster: true, local: true } },
    { policy: etpLocal, want: { cluster: true, local: true } },
    { policy: { ...etpLocal, hasExternal: false }, want: { cluster: true, local: false } },
  ])('needs $want for $policy', ({ policy, want }) => {
    expect(endpointSetsNeeded(policy)).toEqual(want);
  });
});

describe('categorizeEndpoints: readiness', () => {
  it.each([
    { name: 'uses ready endpoints only', eps: [R('a'), T('b'), NS('c'), NR('d')], cluster: ['a'], fallback: false },
    { name: 'falls back to serving+terminating when nothing is ready', eps: [T('b'), NS('c'), NR('d'), T('e')], cluster: ['b', 'e'], fallback: true },
    { name: 'ends empty when nothing is ready or serving+terminating', eps: [NS('c'), NR('d')], cluster: [], fallback: false },
    { name: 'ends empty without endpoints', eps: [], cluster: [], fallback: false },
  ])('$name', ({ eps, cluster, fallback }) => {
    const got = categorizeEndpoints(eps, clusterPolicy, { nodeName: 'n1' });
    expect(ids(got.cluster)).toEqual(cluster);
    expect(got.clusterUsesTerminatingFallback).toBe(fallback);
    expect(got.local).toEqual([]);
    expect(got.hasAnyEndpoints).toBe(cluster.length > 0);
  });
});

describe('categorizeEndpoints: local set', () => {
  it.each([
    { name: 'ITP Local keeps local ready endpoints and builds no cluster set', policy: itpLocal, eps: [R('a', 'n1'), R('b', 'n2'), T('c', 'n1')], cluster: [], local: ['a'], localFallback: false },
    { name: 'ITP Local falls back to local serving+terminating', policy: itpLocal, eps: [T('a', 'n1'), R('b', 'n2'), NS('c', 'n1')], cluster: [], local: ['a'], localFallback: true },
    { name: 'ITP Local with no local endpoint is empty', policy: itpLocal, eps: [R('b', 'n2')], cluster: [], local: [], localFallback: false },
    { name: 'ETP Local builds both sets', policy: etpLocal, eps: [R('a', 'n1'), R('b', 'n2'), T('c', 'n1')], cluster: ['a', 'b'], local: ['a'], localFallback: false },
    { name: 'ETP Local local fallback is independent of the cluster set', policy: etpLocal, eps: [T('a', 'n1'), R('b', 'n2')], cluster: ['b'], local: ['a'], localFallback: true },
    { name: 'endpoints without nodeName are never local', policy: etpLocal, eps: [R('a')], cluster: ['a'], local: [], localFallback: false },
  ])('$name', ({ policy, eps, cluster, local, localFallback }) => {
    const got = categorizeEndpoints(eps, policy, { nodeName: 'n1' });
    expect(ids(got.cluster)).toEqual(cluster);
    expect(ids(got.local)).toEqual(local);
    expect(got.localUsesTerminatingFallback).toBe(localFallback);
  });

  it('never calls an endpoint local on a node with an empty name', () => {
    const got = categorizeEndpoints([R('a', '')], itpLocal, { nodeName: '' });
    expect(got.local).toEqual([]);
  });
});

describe('categorizeEndpoints: topology', () => {
  const z = (zones: string[]) => ({ zoneHints: zones });
  const n = (nodes: string[]) => ({ nodeHints: nodes });
  it.each([
    {
      name: 'PreferSameZone keeps endpoints hinted for the node zone',
      eps: [R('a', 'n2', z(['z1'])), R('b', 'n3', z(['z2'])), R('c', 'n4', z(['z1']))],
      zone: 'z1', cluster: ['a', 'c'], topology: 'prefer-same-zone',
    },
    {
      name: 'missing hints on one ready endpoint disable topology',
      eps: [R('a', 'n2', z(['z1'])), R('b', 'n3')],
      zone: 'z1', cluster: ['a', 'b'], topology: 'hints-incomplete',
    },
    {
      name: 'hints on not-ready endpoints do not count',
      eps: [R('a', 'n2', z(['z1'])), R('b', 'n3', z(['z2'])), T('c', 'n3')],
      zone: 'z1', cluster: ['a'], topology: 'prefer-same-zone',
    },
    {
      name: 'no hint for the node zone means no topology',
      eps: [R('a', 'n2', z(['z2'])), R('b', 'n3', z(['z3']))],
      zone: 'z1', cluster: ['a', 'b'], topology: 'hints-incomplete',
    },
    {
      name: 'a node without zone label gets no topology',
      eps: [R('a', 'n2', z(['z2'])), R('b', 'n3', z(['z3']))],
      zone: undefined, cluster: ['a', 'b'], topology: 'hints-incomplete',
    },
    {
      name: 'PreferSameNode keeps endpoints hinted for this node',
      eps: [R('a', 'n1', { ...n(['n1']), ...z(['z1']) }), R('b', 'n2', { ...n(['n2']), ...z(['z1']) })],
      zone: 'z1', cluster: ['a'], topology: 'prefer-same-node',
    },
    {
      name: 'PreferSameNode without a hint for this node falls back to zone hints',
      eps: [R('a', 'n3', { ...n(['n3']), ...z(['z1']) }), R('b', 'n2', { ...n(['n2']), ...z(['z2']) })],
      zone: 'z1', cluster: ['a'], topology: 'prefer-same-zone',
    },
    {
      name: 'no hints at all means no topology',
      eps: [R('a', 'n2'), R('b', 'n3')],
      zone: 'z1', cluster: ['a', 'b'], topology: 'none',
    },
    {
      name: 'the terminating fallback ignores topology',
      eps: [T('a', 'n2', z(['z2'])), T('b', 'n3', z(['z1']))],
      zone: 'z1', cluster: ['a', 'b'], topology: 'none',
    },
  ])('$name', ({ eps, zone, cluster, topology }) => {
    const got = categorizeEndpoints(eps, clusterPolicy, { nodeName: 'n1', nodeZone: zone });
    expect(ids(got.cluster)).toEqual(cluster);
    expect(got.topology).toBe(topology);
  });

  it('ignores node hints when PreferSameTrafficDistribution is off', () => {
    const eps = [R('a', 'n1', { nodeHints: ['n1'], zoneHints: ['z1'] }), R('b', 'n2', { nodeHints: ['n2'], zoneHints: ['z1'] })];
    expect(topologyMode(eps, 'n1', 'z1', false)).toBe('PreferSameZone');
    expect(topologyMode(eps, 'n1', 'z1', true)).toBe('PreferSameNode');
  });

  it('applies topology only to the cluster set, not the local one', () => {
    const eps = [R('a', 'n1', { zoneHints: ['z2'] }), R('b', 'n2', { zoneHints: ['z1'] })];
    const got = categorizeEndpoints(eps, etpLocal, { nodeName: 'n1', nodeZone: 'z1' });
    expect(ids(got.cluster)).toEqual(['b']);
    expect(ids(got.local)).toEqual(['a']);
  });
});

describe('categorizeEndpoints: invariants', () => {
  const arbEp = fc.record({
    id: fc.string({ maxLength: 3 }),
    ready: fc.boolean(),
    serving: fc.boolean(),
    terminating: fc.boolean(),
    nodeName: fc.constantFrom(undefined, 'n1', 'n2'),
    zoneHints: fc.constantFrom(undefined, ['z1'], ['z2'], ['z1', 'z2']),
    nodeHints: fc.constantFrom(undefined, ['n1'], ['n2']),
  }) as fc.Arbitrary<E>;
  const arbPolicy = fc.record({ internalPolicyLocal: fc.boolean(), externalPolicyLocal: fc.boolean(), hasExternal: fc.boolean() });

  it('returns subsets of the input in input order, non-empty whenever a usable endpoint exists', () => {
    fc.assert(
      fc.property(fc.array(arbEp, { maxLength: 8 }), arbPolicy, fc.constantFrom(undefined, 'z1', 'z2'), (eps, policy, zone) => {
        const got = categorizeEndpoints(eps, policy, { nodeName: 'n1', nodeZone: zone });
        for (const set of [got.cluster, got.local]) {
          let last = -1;
          for (const e of set) {
            const i = eps.indexOf(e, last + 1);
            expect(i).toBeGreaterThan(last);
            last = i;
          }
        }
        const usable = eps.some((e) => e.ready || (e.serving && e.terminating));
        if (got.needs.cluster) expect(got.cluster.length > 0).toBe(usable);
        else expect(got.cluster).toEqual([]);
        if (!got.needs.local) expect(got.local).toEqual([]);
        for (const e of got.local) expect(e.nodeName).toBe('n1');
      }),
    );
  });
});
