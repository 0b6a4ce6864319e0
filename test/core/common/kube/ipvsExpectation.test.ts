import { describe, expect, it } from 'vitest';
import type { ExpectedServicePort } from '../../../../core/common/model';
import { indexCluster } from '../../../../core/common/kube/clusterIndex';
import { expectedServicePorts } from '../../../../core/common/kube/expectedServicePorts';
import { adjustExpectedForIpvs } from '../../../../core/common/kube/ipvsExpectation';
import { clusterBuilder } from '../../../helpers/scenario/clusterBuilder';

// IPVS's Local-policy fallback (pkg/proxy/ipvs/proxier.go syncEndpoint, kubernetes/kubernetes#97081):
// a Local virtual server with no local endpoint gets the cluster endpoints instead of nothing.

// Pods of every Service run on n2 only; n1 has no local endpoint of any of them.
const b = clusterBuilder()
  .node('n1')
  .node('n2')
  .service('ns/lb', { type: 'LoadBalancer', loadBalancerIPs: ['203.0.113.5'], externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80 }] })
  .pods('ns/lb', 2, { nodes: ['n2'] })
  .service('ns/itp', { internalTrafficPolicy: 'Local', ports: [{ port: 5432 }] })
  .pods('ns/itp', 1, { nodes: ['n2'] })
  .service('ns/itp-np', { type: 'NodePort', internalTrafficPolicy: 'Local', ports: [{ port: 8080 }] })
  .pods('ns/itp-np', 1, { nodes: ['n2'] })
  .service('ns/plain', { ports: [{ port: 80 }] })
  .pods('ns/plain', 2, { nodes: ['n2'] })
  .service('ns/terminating', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 9000 }] })
  .pod('ns/terminating', { node: 'n2', ready: true, terminating: true });
const index = indexCluster(b.build());

function expected(node: string): ExpectedServicePort[] {
  return expectedServicePorts(index, node, 4);
}

const byName = (list: ExpectedServicePort[], name: string) => list.find((e) => e.id.name === name)!;
const eps = (list: { ip: string; port: number }[]) => list.map((e) => `${e.ip}:${e.port}`);

function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}

describe('adjustExpectedForIpvs', () => {
  it.each([
    { name: 'lb', story: 'ETP=Local LoadBalancer: the external VSs fall back to the cluster endpoints', changed: true },
    { name: 'itp-np', story: 'ITP=Local with a NodePort (ETP Cluster): the ClusterIP VS falls back to the cluster endpoints', changed: true },
    { name: 'terminating', story: 'ETP=Local with only a terminating endpoint: the fallback carries the serving+terminating cluster set', changed: true },
    { name: 'itp', story: 'ITP=Local without external frontends: no cluster set exists, so the VS stays empty', changed: false },
    { name: 'plain', story: 'Cluster policies: nothing to fall back from', changed: false },
  ])('on a node without local endpoints, $name: $story', ({ name, changed }) => {
    const before = expected('n1');
    const e = byName(before, name);
    const a = byName(adjustExpectedForIpvs(before), name);
    expect(e.localEndpoints).toEqual([]);
    if (!changed) {
      expect(a).toBe(e);
      return;
    }
    expect(a).not.toBe(e);
    expect(eps(a.localEndpoints)).toEqual(eps(e.clusterEndpoints));
    expect(a.localEndpoints.length).toBeGreaterThan(0);
    expect(a.localUsesTerminatingFallback).toBe(e.clusterUsesTerminatingFallback);
    expect({ ...a, localEndpoints: e.localEndpoints, localUsesTerminatingFallback: e.localUsesTerminatingFallback }).toEqual(e);
  });

  it('copies the terminating-fallback flag with the cluster set', () => {
    const a = byName(adjustExpectedForIpvs(expected('n1')), 'terminating');
    expect(a).toMatchObject({ clusterUsesTerminatingFallback: true, localUsesTerminatingFallback: true });
  });

  it('leaves every port alone on a node that has the local endpoints', () => {
    const before = expected('n2');
    const after = adjustExpectedForIpvs(before);
    expect(after).not.toBe(before);
    after.forEach((e, i) => expect(e).toBe(before[i]));
  });

  it('never writes to its input (expected ports are shared across nodes)', () => {
    const before = deepFreeze(expected('n1'));
    const snapshot = JSON.stringify(before);
    expect(() => adjustExpectedForIpvs(before)).not.toThrow();
    expect(JSON.stringify(before)).toBe(snapshot);
  });

  it('leaves ports kube-proxy does not proxy alone', () => {
    const headless = clusterBuilder().node('n1').node('n2').service('ns/h', { headless: true, ports: [{ port: 80 }], internalTrafficPolicy: 'Local' }).pods('ns/h', 1, { nodes: ['n2'] });
    const before = expectedServicePorts(indexCluster(headless.build()), 'n1', 4);
    expect(adjustExpectedForIpvs(before)).toEqual(before);
  });
});
