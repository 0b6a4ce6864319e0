import { describe, expect, it } from 'vitest';
import { checkOrphanRules } from '../../../../core/common/checks/orphanRules';
import { WEB, ctxOf, ev, spOf, world } from './_builders';
import type { SvcSpec, World } from './_builders';

const API: SvcSpec = { ...WEB, name: 'api', clusterIP: '10.96.0.20', endpoints: [{ ip: '10.244.1.9', node: 'n1' }] };

/** Delete a Service from the API side (its Service object and expected ports), keeping its rules. */
function deleteService(w: World, name: string) {
  w.services = w.services.filter((s) => s.metadata.name !== name);
  w.expected = w.expected.filter((e) => e.id.name !== name);
}

type Case = { name: string; mutate: (w: World) => void; expect: { service: string | null; severity: string; message: RegExp }[] };

const cases: Case[] = [
  { name: 'healthy rules produce no finding', mutate: () => {}, expect: [] },
  {
    name: 'rules of a deleted Service are one high finding, not one per backend',
    mutate: (w) => deleteService(w, 'api'),
    expect: [{ service: 'shop/api', severity: 'high', message: /does not exist in the API/ }],
  },
  {
    name: 'rules for a port the Service no longer has are orphaned',
    mutate: (w) => {
      w.services.find((s) => s.metadata.name === 'api')!.spec.ports![0].name = 'grpc';
      const e = w.expected.find((x) => x.id.name === 'api')!;
      e.id = { ...e.id, portName: 'grpc' };
    },
    expect: [{ service: 'shop/api', severity: 'high', message: /has no port named "http" \(TCP\) any more \(its ports now: 80\/TCP "grpc"\)/ }],
  },
  {
    name: 'unreferenced leftover chains of a deleted Service are low',
    mutate: (w) => {
      deleteService(w, 'api');
      spOf(w, 'api').frontends = [];
    },
    expect: [{ service: 'shop/api', severity: 'low', message: /harmless leftovers/ }],
  },
  {
    name: 'rules for a ClusterIP the Service no longer has are flagged',
    mutate: (w) => (w.expected.find((e) => e.id.name === 'api')!.clusterIP = '10.96.0.99'),
    expect: [{ service: 'shop/api', severity: 'high', message: /cluster-ip 10\.96\.0\.20:80 .* now ClusterIP 10\.96\.0\.99:80/ }],
  },
  {
    name: 'unmapped kube-proxy chains are one low finding',
    mutate: (w) => w.programmed.facts.unmappedChains.push({ chain: 'KUBE-SVC-AAAAAAAAAAAAAAAA', evidence: ev(':KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]') }),
    expect: [{ service: null, severity: 'low', message: /KUBE-SVC-AAAAAAAAAAAAAAAA is in kube-proxy's namespace/ }],
  },
  {
    name: 'rules for a Service that became headless are orphaned',
    mutate: (w) => {
      const e = w.expected.find((x) => x.id.name === 'api')!;
      e.proxied = false;
      e.notProxiedReason = 'headless';
    },
    expect: [{ service: 'shop/api', severity: 'high', message: /headless/ }],
  },
];

describe('checkOrphanRules', () => {
  it.each(cases)('$name', (c) => {
    const w = world([WEB, API]);
    c.mutate(w);
    const findings = checkOrphanRules(ctxOf(w));
    expect(findings.map((f) => ({ service: f.service, severity: f.severity }))).toEqual(c.expect.map(({ service, severity }) => ({ service, severity })));
    findings.forEach((f, i) => {
      expect(f.check).toBe('orphan-rules');
      expect(f.message).toMatch(c.expect[i].message);
      expect(f.evidence.length).toBeGreaterThan(0);
    });
  });

  it('ignores unmapped chains without cluster.json', () => {
    const w = world([WEB]);
    w.programmed.facts.unmappedChains.push({ chain: 'KUBE-SVC-AAAAAAAAAAAAAAAA', evidence: ev('x') });
    expect(checkOrphanRules(ctxOf(w, false))).toEqual([]);
  });
});
