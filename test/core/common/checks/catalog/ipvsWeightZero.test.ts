import { describe, expect, it } from 'vitest';
import { checkIpvsWeightZero } from '../../../../../core/common/checks/catalog/ipvsWeightZero';
import type { ProxyMode } from '../../../../../core/common/model';
import { WEB, world } from '../_builders';
import type { SvcSpec } from '../_builders';
import { IPVS_HEADER, dumps, levelOf } from './_catalog';

/** `-> ip:port Masq weight active inact`. */
function rs(ip: string, weight: number, active = 0, inact = 0, port = 8080): string {
  return `  -> ${`${ip}:${port}`.padEnd(28)}Masq    ${weight}      ${active}          ${inact}`;
}

function ipvsText(servers: string[], vs = 'TCP  10.96.0.10:80 rr'): string {
  return [IPVS_HEADER, vs, ...servers].join('\n');
}

type Case = {
  name: string;
  servers: string[];
  spec?: SvcSpec;
  vs?: string;
  mode?: ProxyMode;
  withCluster?: boolean;
  expect: { severity: string; endpoint: string; service: string | null; title: RegExp }[];
};

const OLD = { ...WEB, endpoints: WEB.endpoints.slice(0, 2) };

const cases: Case[] = [
  { name: 'weight 1 everywhere is healthy', servers: [rs('10.244.1.5', 1), rs('10.244.2.6', 1), rs('10.244.3.7', 1)], expect: [] },
  {
    name: 'weight 0 on a Ready endpoint is critical',
    servers: [rs('10.244.1.5', 1), rs('10.244.2.6', 0), rs('10.244.3.7', 1)],
    expect: [{ severity: 'critical', endpoint: '10.244.2.6:8080', service: 'shop/web', title: /has weight 0 although the endpoint is Ready/ }],
  },
  {
    name: 'weight 0 on a removed endpoint that still has connections is a normal drain',
    spec: OLD,
    servers: [rs('10.244.1.5', 1), rs('10.244.2.6', 1), rs('10.244.3.7', 0, 2, 7)],
    expect: [],
  },
  {
    name: 'weight 0 on a removed endpoint with no connections left is medium',
    spec: OLD,
    servers: [rs('10.244.1.5', 1), rs('10.244.2.6', 1), rs('10.244.3.7', 0)],
    expect: [{ severity: 'medium', endpoint: '10.244.3.7:8080', service: 'shop/web', title: /left at weight 0 with no connections/ }],
  },
  {
    name: 'a UDP real server at weight 0 should have been deleted at once',
    spec: { ...OLD, protocol: 'UDP' },
    vs: 'UDP  10.96.0.10:80 rr',
    servers: [rs('10.244.1.5', 1), rs('10.244.3.7', 0, 0, 3)],
    expect: [{ severity: 'medium', endpoint: '10.244.3.7:8080', service: 'shop/web', title: /left at weight 0$/ }],
  },
  {
    name: 'without cluster.json a drained leftover is still medium, with no Service named',
    withCluster: false,
    servers: [rs('10.244.1.5', 1), rs('10.244.3.7', 0)],
    expect: [{ severity: 'medium', endpoint: '10.244.3.7:8080', service: null, title: /virtual server TCP 10\.96\.0\.10:80 on n1/ }],
  },
  { name: 'nothing is checked on a node that does not run IPVS', mode: 'iptables', servers: [rs('10.244.2.6', 0)], expect: [] },
];

describe('checkIpvsWeightZero', () => {
  it.each(cases)('$name', (c) => {
    const w = world([c.spec ?? WEB]);
    const ctx = levelOf(w, { ipvs: dumps.ipvs(ipvsText(c.servers, c.vs)) }, { mode: c.mode ?? 'ipvs', withCluster: c.withCluster });
    const findings = checkIpvsWeightZero(ctx);
    expect(findings.map((f) => f.endpoint)).toEqual(c.expect.map((e) => e.endpoint));
    findings.forEach((f, i) => {
      expect(f).toMatchObject({ check: 'ipvs-weight-zero', severity: c.expect[i].severity, node: 'n1', service: c.expect[i].service });
      expect(f.title).toMatch(c.expect[i].title);
      expect(f.evidence.some((e) => e.file === 'nodes/n1/ipvsadm.txt' && e.raw.includes(c.expect[i].endpoint))).toBe(true);
    });
  });

  it('gives the command that restores the weight for a Ready endpoint', () => {
    const ctx = levelOf(world([WEB]), { ipvs: dumps.ipvs(ipvsText([rs('10.244.2.6', 0)])) }, { mode: 'ipvs' });
    expect(checkIpvsWeightZero(ctx)[0].nextSteps.join('\n')).toContain('ipvsadm -e -t 10.96.0.10:80 -r 10.244.2.6:8080 -m -w 1');
  });

  it('merges the ClusterIP and NodePort virtual servers of one endpoint into one finding', () => {
    const text = [IPVS_HEADER, 'TCP  10.96.0.10:80 rr', rs('10.244.2.6', 0), 'TCP  192.168.0.11:30080 rr', rs('10.244.2.6', 0)].join('\n');
    const ctx = levelOf(world([{ ...WEB, nodePort: 30080 }]), { ipvs: dumps.ipvs(text) }, { mode: 'ipvs' });
    const findings = checkIpvsWeightZero(ctx);
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('TCP 192.168.0.11:30080');
  });
});
