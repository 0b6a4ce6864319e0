import { describe, expect, it } from 'vitest';
import { checkNoEndpoints } from '../../../../core/common/checks/noEndpoints';
import { WEB, ctxOf, marker, podOf, spOf, world } from './_builders';
import type { SvcSpec, World } from './_builders';

const EMPTY: SvcSpec = { ...WEB, name: 'cart', clusterIP: '10.96.0.30', endpoints: [] };

type Case = { name: string; specs: SvcSpec[]; mutate: (w: World) => void; expect: { node: string | null; service: string; message: RegExp }[] };

const cases: Case[] = [
  { name: 'a Service with ready endpoints produces no finding', specs: [WEB], mutate: () => {}, expect: [] },
  {
    name: 'a selector that matches no pod is explained',
    specs: [WEB, EMPTY],
    mutate: () => {},
    expect: [{ node: null, service: 'shop/cart', message: /selector app=cart matches no pod in namespace shop/ }],
  },
  {
    name: 'matching pods that are not ready are named',
    specs: [WEB, EMPTY],
    mutate: (w) => w.pods.push(podOf('shop', 'cart-1', '10.244.1.40', { ready: false, labels: { app: 'cart' } })),
    expect: [{ node: null, service: 'shop/cart', message: /matches 1 pod but none is ready: shop\/cart-1 \(phase Running, Ready=False/ }],
  },
  {
    name: 'a named targetPort missing on the pods is explained',
    specs: [WEB, { ...EMPTY, targetPort: 'grpc' }],
    mutate: (w) => w.pods.push(podOf('shop', 'cart-1', '10.244.1.40', { labels: { app: 'cart' } })),
    expect: [{ node: null, service: 'shop/cart', message: /targetPort "grpc" is a port name and none of them declares a container port named "grpc"/ }],
  },
  {
    name: 'ready pods that no slice lists point at the EndpointSlice controller',
    specs: [WEB, EMPTY],
    mutate: (w) => w.pods.push(podOf('shop', 'cart-1', '10.244.1.40', { labels: { app: 'cart' } })),
    expect: [{ node: null, service: 'shop/cart', message: /1 ready pod matches the selector app=cart \(e\.g\. shop\/cart-1\), but the EndpointSlices list none of them/ }],
  },
  {
    name: 'slices without the Service port name are explained',
    specs: [WEB, EMPTY],
    mutate: (w) => {
      w.pods.push(podOf('shop', 'cart-1', '10.244.1.40', { labels: { app: 'cart' } }));
      w.slices.push({ kind: 'EndpointSlice', metadata: { name: 'cart-x', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'cart' } }, addressType: 'IPv4', ports: [{ name: 'web', port: 8080 }], endpoints: [{ addresses: ['10.244.1.40'] }] });
    },
    expect: [{ node: null, service: 'shop/cart', message: /EndpointSlices have no port named "http" \(they have "web"\)/ }],
  },
  {
    name: 'a Service without selector and without slices is explained',
    specs: [WEB, { ...EMPTY, selector: null }],
    mutate: () => {},
    expect: [{ node: null, service: 'shop/cart', message: /no selector and no EndpointSlices/ }],
  },
  {
    name: 'slices whose endpoints are all unready are quoted',
    specs: [WEB, { ...EMPTY, endpoints: [{ ip: '10.244.1.41', ready: false, serving: false }] }],
    mutate: (w) => spOf(w, 'cart').markers.push(marker('reject', 'no-endpoints', spOf(w, 'cart').frontends[0])),
    expect: [{ node: null, service: 'shop/cart', message: /none is ready or serving: 10\.244\.1\.41:8080 ready=false/ }],
  },
  {
    name: 'a REJECT although the Service has endpoints is stale and node-specific',
    specs: [WEB],
    mutate: (w) => {
      const sp = spOf(w, 'web');
      sp.markers.push(marker('reject', 'no-endpoints', sp.frontends[0]));
      delete sp.clusterPath;
    },
    expect: [{ node: 'n1', service: 'shop/web', message: /still has kube-proxy's "has no endpoints" REJECT rule.*3 endpoints/ }],
  },
];

describe('checkNoEndpoints', () => {
  it.each(cases)('$name', (c) => {
    const w = world(c.specs);
    c.mutate(w);
    const findings = checkNoEndpoints(ctxOf(w));
    expect(findings.map((f) => ({ node: f.node, service: f.service }))).toEqual(c.expect.map(({ node, service }) => ({ node, service })));
    findings.forEach((f, i) => {
      expect(f).toMatchObject({ check: 'no-endpoints', severity: 'high' });
      expect(f.message).toMatch(c.expect[i].message);
      expect(f.evidence.length).toBeGreaterThan(0);
    });
  });

  it('cites the REJECT rule of the node when there is one', () => {
    const w = world([WEB, EMPTY]);
    const [f] = checkNoEndpoints(ctxOf(w));
    expect(f.evidence.some((e) => e.raw.includes('REJECT'))).toBe(true);
  });
});
