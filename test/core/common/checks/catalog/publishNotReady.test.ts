import { describe, expect, it } from 'vitest';
import { checkPublishNotReady } from '../../../../../core/common/checks/catalog/publishNotReady';
import { WEB, indexOf, world } from '../_builders';
import type { World } from '../_builders';

type Case = { name: string; mutate: (w: World) => void; expect: string[] };

const notReady = (w: World, name: string) => (w.pods.find((p) => p.metadata.name === name)!.status!.conditions = [{ type: 'Ready', status: 'False' }]);

const cases: Case[] = [
  { name: 'a Service without the flag gives no finding', mutate: (w) => notReady(w, 'web-0'), expect: [] },
  { name: 'the flag with every pod ready gives no finding', mutate: (w) => (w.services[0].spec.publishNotReadyAddresses = true), expect: [] },
  {
    name: 'the flag on a ClusterIP Service with a not-ready pod is reported',
    mutate: (w) => {
      w.services[0].spec.publishNotReadyAddresses = true;
      notReady(w, 'web-0');
    },
    expect: ['shop/web'],
  },
  {
    name: 'an endpoint the slice says is not serving counts even without its pod',
    mutate: (w) => {
      w.services[0].spec.publishNotReadyAddresses = true;
      w.slices[0].endpoints![2].conditions = { ready: true, serving: false, terminating: false };
      w.pods.splice(2, 1);
    },
    expect: ['shop/web'],
  },
  {
    name: 'a headless Service with the flag is its intended use and is not reported',
    mutate: (w) => {
      w.services[0].spec.publishNotReadyAddresses = true;
      w.services[0].spec.clusterIP = 'None';
      notReady(w, 'web-0');
    },
    expect: [],
  },
];

describe('checkPublishNotReady', () => {
  it.each(cases)('$name', (c) => {
    const w = world([WEB]);
    c.mutate(w);
    const findings = checkPublishNotReady(indexOf(w));
    expect(findings.map((f) => f.service)).toEqual(c.expect);
    for (const f of findings) {
      expect(f).toMatchObject({ check: 'publish-not-ready', severity: 'medium', node: null });
      expect(f.title).toMatch(/not-ready pod/);
      expect(f.evidence[0].raw).toContain('publishNotReadyAddresses=true');
      expect(f.nextSteps.join('\n')).toContain('publishNotReadyAddresses":false');
    }
  });
});
