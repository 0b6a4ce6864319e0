import { describe, expect, it } from 'vitest';
import { checkMissingBackends } from '../../../../core/common/checks/missingBackend';
import { WEB, ctxOf, marker, spOf, world } from './_builders';
import type { SvcSpec, World } from './_builders';

const etpLocal: SvcSpec = { ...WEB, nodePort: 30080, etpLocal: true };
const etpLocalNoLocal: SvcSpec = { ...WEB, nodePort: 30080, etpLocal: true, endpoints: WEB.endpoints.filter((e) => e.node !== 'n1') };
const itpLocal: SvcSpec = { ...WEB, itpLocal: true };

type Case = { name: string; spec: SvcSpec; mutate: (w: World) => void; expect: { endpoint: string | null; severity: string }[] };

const cases: Case[] = [
  { name: 'healthy rules produce no finding', spec: WEB, mutate: () => {}, expect: [] },
  { name: 'a Local-policy Service without local endpoints (DROP) is expected', spec: etpLocalNoLocal, mutate: () => {}, expect: [] },
  { name: 'an internalTrafficPolicy Local Service with its local endpoint is fine', spec: itpLocal, mutate: () => {}, expect: [] },
  {
    name: 'an endpoint the cluster path lacks is missing',
    spec: WEB,
    mutate: (w) => spOf(w, 'web').clusterPath!.backends.splice(1, 1),
    expect: [{ endpoint: '10.244.2.6:8080', severity: 'high' }],
  },
  {
    name: 'a local endpoint the Local path lacks is missing',
    spec: etpLocal,
    mutate: (w) => (spOf(w, 'web').localPath!.backends = []),
    expect: [{ endpoint: null, severity: 'critical' }],
  },
  {
    name: 'a cluster path with no backends at all is one critical finding',
    spec: WEB,
    mutate: (w) => delete spOf(w, 'web').clusterPath,
    expect: [{ endpoint: null, severity: 'critical' }],
  },
  {
    name: 'a path emptied by a stale REJECT is left to no-endpoints',
    spec: WEB,
    mutate: (w) => {
      const sp = spOf(w, 'web');
      delete sp.clusterPath;
      sp.markers.push(marker('reject', 'no-endpoints', sp.frontends[0]));
    },
    expect: [],
  },
  {
    name: 'a Service port with no rules at all is left to service-not-programmed',
    spec: WEB,
    mutate: (w) => (w.programmed.servicePorts = []),
    expect: [],
  },
];

describe('checkMissingBackends', () => {
  it.each(cases)('$name', (c) => {
    const w = world([c.spec]);
    c.mutate(w);
    const findings = checkMissingBackends(ctxOf(w));
    expect(findings.map((f) => ({ endpoint: f.endpoint, severity: f.severity }))).toEqual(c.expect);
    for (const f of findings) {
      expect(f).toMatchObject({ check: 'missing-backend', node: 'n1', service: 'shop/web', port: 'http' });
      expect(f.evidence.length).toBeGreaterThan(0);
    }
  });
});
