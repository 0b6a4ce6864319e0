import { describe, expect, it } from 'vitest';
import { checkTopologyExpectation } from '../../../../../core/common/checks/catalog/topologyExpectation';
import { WEB, ctxOf, indexOf, world } from '../_builders';
import type { World } from '../_builders';
import { buildNodeCheckContext } from '../../../../../core/common/checks/context';

/** Zone hints on every slice endpoint (n1 in zone a, the others in b and c). */
function hinted(w: World, all = true): World {
  const zones = ['zone-a', 'zone-b', 'zone-c'];
  w.slices[0].endpoints!.forEach((ep, i) => {
    ep.zone = zones[i];
    if (all || i > 0) ep.hints = { forZones: [{ name: zones[i] }] };
  });
  w.expected[0].allEndpoints.forEach((ep, i) => (ep.zone = zones[i]));
  return w;
}

function ctx(w: World, zone?: string) {
  const index = indexOf(w);
  if (zone) index.nodeZones.set('n1', zone);
  return buildNodeCheckContext(w.programmed, { index, expected: w.expected });
}

describe('checkTopologyExpectation', () => {
  it('finds nothing without topology', () => {
    expect(checkTopologyExpectation(ctxOf(world([WEB])))).toEqual([]);
  });

  it('finds nothing when the node programs exactly its zone subset', () => {
    const w = hinted(world([WEB]));
    const e = w.expected[0];
    e.topology = 'prefer-same-zone';
    e.clusterEndpoints = [e.allEndpoints[0]];
    const sp = w.programmed.servicePorts[0];
    sp.clusterPath!.backends = sp.clusterPath!.backends.slice(0, 1);
    expect(checkTopologyExpectation(ctx(w, 'zone-a'))).toEqual([]);
  });

  it('reports a node that routes to ready endpoints outside its zone subset (hints not applied)', () => {
    const w = hinted(world([WEB]));
    const e = w.expected[0];
    e.topology = 'prefer-same-zone';
    e.clusterEndpoints = [e.allEndpoints[0]];
    const findings = checkTopologyExpectation(ctx(w, 'zone-a'));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'topology-expectation', severity: 'high', node: 'n1', service: 'shop/web', port: 'http' });
    expect(findings[0].title).toMatch(/ignores topology: it also routes to 2 endpoints outside zone zone-a/);
    expect(findings[0].message).toContain('10.244.2.6:8080 (zone zone-b, node n2)');
  });

  it.each([
    { name: 'the node has no zone label', zone: undefined, all: true, reason: /has no topology\.kubernetes\.io\/zone label/ },
    { name: 'an endpoint has no hint', zone: 'zone-a', all: false, reason: /1 of 3 ready endpoints have no hint/ },
    { name: 'no hint names the node zone', zone: 'zone-x', all: true, reason: /no endpoint is hinted for zone zone-x/ },
  ])('explains a silent fallback to all endpoints when $name (info)', (c) => {
    const w = hinted(world([WEB]), c.all);
    w.expected[0].topology = 'hints-incomplete';
    const findings = checkTopologyExpectation(ctx(w, c.zone));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'topology-expectation', severity: 'info', node: 'n1' });
    expect(findings[0].message).toMatch(c.reason);
  });

  it('does nothing without cluster.json', () => {
    const w = hinted(world([WEB]));
    w.expected[0].topology = 'hints-incomplete';
    expect(checkTopologyExpectation(ctxOf(w, false))).toEqual([]);
  });
});
