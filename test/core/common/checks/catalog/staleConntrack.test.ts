import { describe, expect, it } from 'vitest';
import { checkStaleConntrack } from '../../../../../core/common/checks/catalog/staleConntrack';
import { world } from '../_builders';
import type { SvcSpec } from '../_builders';
import { dumps, levelOf } from './_catalog';

const DNS: SvcSpec = {
  ns: 'kube-system',
  name: 'kube-dns',
  portName: 'dns',
  port: 53,
  targetPort: 53,
  protocol: 'UDP',
  clusterIP: '10.96.0.10',
  endpoints: [{ ip: '10.244.1.5', node: 'n1' }, { ip: '10.244.2.6', node: 'n2' }],
};
const STATSD: SvcSpec = { ns: 'mon', name: 'statsd', portName: 'udp', port: 8125, targetPort: 8125, protocol: 'UDP', clusterIP: '10.96.0.40', nodePort: 30125, endpoints: [{ ip: '10.244.2.9', node: 'n2' }] };

/** One `conntrack -L` UDP line: client -> dst:dport, answered by replySrc. */
function udp(dst: string, dport: number, replySrc: string, sport = 40000, extra = ''): string {
  return `udp      17 29 src=10.244.1.77 dst=${dst} sport=${sport} dport=${dport} ${extra}src=${replySrc} dst=10.244.1.77 sport=${dport} dport=${sport} mark=0 use=1`;
}

type Case = { name: string; lines: string[]; specs?: SvcSpec[]; expect: { service: string; severity: string; title: RegExp }[] };

const cases: Case[] = [
  { name: 'entries answered by serving endpoints are fine', lines: [udp('10.96.0.10', 53, '10.244.1.5'), udp('10.96.0.10', 53, '10.244.2.6', 40001)], expect: [] },
  {
    name: 'an entry still DNATed to a deleted DNS pod is critical',
    lines: [udp('10.96.0.10', 53, '10.244.1.5'), udp('10.96.0.10', 53, '10.244.9.9', 40001)],
    expect: [{ service: 'kube-system/kube-dns', severity: 'critical', title: /1 stale UDP conntrack entry on n1$/ }],
  },
  {
    name: 'an entry never DNATed (reply from the VIP) is a black hole',
    lines: [udp('10.96.0.10', 53, '10.96.0.10', 40002, '[UNREPLIED] ')],
    expect: [{ service: 'kube-system/kube-dns', severity: 'critical', title: /\(black hole\)/ }],
  },
  {
    name: 'TCP entries are never cleaned by kube-proxy and are not reported',
    lines: ['tcp      6 86399 ESTABLISHED src=10.244.1.77 dst=10.96.0.10 sport=40000 dport=53 src=10.244.9.9 dst=10.244.1.77 sport=53 dport=40000 [ASSURED] mark=0 use=1'],
    expect: [],
  },
  {
    name: 'a stale entry of another UDP Service is high',
    specs: [DNS, STATSD],
    lines: [udp('10.96.0.40', 8125, '10.244.7.7')],
    expect: [{ service: 'mon/statsd', severity: 'high', title: /mon\/statsd:udp: 1 stale UDP conntrack entry/ }],
  },
  {
    name: 'an entry to a NodePort on any node address counts',
    specs: [DNS, STATSD],
    lines: [udp('192.168.0.11', 30125, '10.244.7.7'), udp('192.168.0.11', 30125, '10.244.2.9', 40001)],
    expect: [{ service: 'mon/statsd', severity: 'high', title: /1 stale UDP conntrack entry/ }],
  },
  {
    name: 'a Service with no serving endpoint is skipped, as kube-proxy does',
    specs: [{ ...DNS, endpoints: [{ ip: '10.244.1.5', node: 'n1', ready: false, serving: false }] }],
    lines: [udp('10.96.0.10', 53, '10.244.9.9')],
    expect: [],
  },
  {
    name: 'DESTROY events are gone already',
    lines: [`[DESTROY] ${udp('10.96.0.10', 53, '10.244.9.9')}`],
    expect: [],
  },
  { name: 'traffic to addresses that are no Service is ignored', lines: [udp('8.8.8.8', 53, '8.8.8.8')], expect: [] },
];

describe('checkStaleConntrack', () => {
  it.each(cases)('$name', (c) => {
    const w = world(c.specs ?? [DNS]);
    const findings = checkStaleConntrack(levelOf(w, { conntrack: dumps.conntrack(c.lines.join('\n')) }));
    expect(findings.map((f) => f.service)).toEqual(c.expect.map((e) => e.service));
    findings.forEach((f, i) => {
      expect(f).toMatchObject({ check: 'stale-conntrack', severity: c.expect[i].severity, node: 'n1', protocol: 'udp' });
      expect(f.title).toMatch(c.expect[i].title);
      expect(f.evidence[0]).toMatchObject({ node: 'n1', file: 'nodes/n1/conntrack.txt' });
      expect(f.nextSteps.join('\n')).toContain('conntrack -D -p udp');
    });
  });

  it('groups every stale entry of a Service port into one finding with at most 10 dump lines', () => {
    const lines = Array.from({ length: 25 }, (_, i) => udp('10.96.0.10', 53, i % 2 ? '10.244.9.9' : '10.96.0.10', 41000 + i));
    const findings = checkStaleConntrack(levelOf(world([DNS]), { conntrack: dumps.conntrack(lines.join('\n')) }));
    expect(findings).toHaveLength(1);
    expect(findings[0].title).toContain('25 stale UDP conntrack entries');
    expect(findings[0].message).toContain('13 were never DNATed');
    expect(findings[0].message).toContain('12 still point at 10.244.9.9');
    expect(findings[0].evidence.filter((e) => e.file.endsWith('conntrack.txt'))).toHaveLength(10);
    expect(findings[0].evidence.at(-1)!.raw).toContain('serving endpoints 10.244.1.5, 10.244.2.6');
  });

  it('does nothing without cluster.json or without a conntrack dump', () => {
    const ct = dumps.conntrack(udp('10.96.0.10', 53, '10.244.9.9'));
    expect(checkStaleConntrack(levelOf(world([DNS]), { conntrack: ct }, { withCluster: false }))).toEqual([]);
    expect(checkStaleConntrack(levelOf(world([DNS])))).toEqual([]);
  });
});
