import { describe, expect, it } from 'vitest';
import { checkStaleBackends } from '../../../../core/common/checks/staleBackend';
import { WEB, backend, ctxOf, podOf, spOf, world } from './_builders';
import type { World } from './_builders';

type Case = { name: string; mutate: (w: World) => void; expect: { endpoint: string; pod: string | null; title: RegExp }[] };

const cases: Case[] = [
  { name: 'healthy rules produce no finding', mutate: () => {}, expect: [] },
  {
    name: 'a backend whose pod is gone is stale and says so',
    mutate: (w) => spOf(w, 'web').clusterPath!.backends.push(backend('10.244.9.9', 8080)),
    expect: [{ endpoint: '10.244.9.9:8080', pod: null, title: /no longer exists/ }],
  },
  {
    name: 'a backend whose IP now belongs to another pod names that pod (IP reuse)',
    mutate: (w) => {
      spOf(w, 'web').clusterPath!.backends.push(backend('10.244.9.9', 8080));
      w.pods.push(podOf('billing', 'worker-7', '10.244.9.9', { labels: { app: 'worker' } }));
    },
    expect: [{ endpoint: '10.244.9.9:8080', pod: 'billing/worker-7', title: /now used by pod billing\/worker-7/ }],
  },
  {
    name: 'a backend on an old port of a current endpoint IP is stale (targetPort changed)',
    mutate: (w) => spOf(w, 'web').clusterPath!.backends.push(backend('10.244.1.5', 9090)),
    expect: [{ endpoint: '10.244.1.5:9090', pod: null, title: /old port/ }],
  },
  {
    name: 'the same stale backend on both paths is one finding',
    mutate: (w) => {
      const sp = spOf(w, 'web');
      sp.clusterPath!.backends.push(backend('10.244.9.9', 8080));
      sp.localPath = { policy: 'local', chain: 'KUBE-SVL-WEB', backends: [backend('10.244.9.9', 8080)], steps: [], evidence: [] };
    },
    expect: [{ endpoint: '10.244.9.9:8080', pod: null, title: /no longer exists/ }],
  },
  {
    name: 'backends of a deleted Service are left to orphan-rules',
    mutate: (w) => {
      w.services.splice(0, 1);
      w.expected.splice(0, 1);
      spOf(w, 'web').clusterPath!.backends.push(backend('10.244.9.9', 8080));
    },
    expect: [],
  },
];

describe('checkStaleBackends', () => {
  it.each(cases)('$name', (c) => {
    const w = world([WEB]);
    c.mutate(w);
    const findings = checkStaleBackends(ctxOf(w));
    expect(findings.map((f) => f.endpoint)).toEqual(c.expect.map((e) => e.endpoint));
    findings.forEach((f, i) => {
      expect(f).toMatchObject({ check: 'stale-backend', severity: 'critical', node: 'n1', service: 'shop/web', port: 'http', protocol: 'tcp', pod: c.expect[i].pod });
      expect(f.title).toMatch(c.expect[i].title);
      expect(f.evidence.length).toBeGreaterThan(0);
      expect(f.nextSteps.join('\n')).toContain('kubectl -n shop get endpointslices -l kubernetes.io/service-name=web -o wide');
    });
  });

  it('does nothing without cluster.json', () => {
    const w = world([WEB]);
    spOf(w, 'web').clusterPath!.backends.push(backend('10.244.9.9', 8080));
    expect(checkStaleBackends(ctxOf(w, false))).toEqual([]);
  });
});
