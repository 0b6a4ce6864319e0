import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { traceNode } from '../../../../core/common/trace/traceNode';
import type { TraceOutcome, TraceQuery, TraceResult } from '../../../../core/common/trace/traceTypes';

// The packet trace in IPVS mode: the virtual server picks a real server (weights, draining
// weight-0 servers, persistence), and the iptables rules around it (KUBE-SERVICES match-sets,
// KUBE-IPVS-FILTER, KUBE-POSTROUTING masquerade and KUBE-LOOP-BACK hairpin) are traced from the
// node's iptables-save.txt with ipset.txt. Fixture: test/fixtures/trace/ipvs-node (see README).

const NODE_DIR = join(__dirname, '../../../fixtures/trace/ipvs-node');
const IPVS_CORPUS = join(__dirname, '../../../fixtures/corpus/ipvs');
const nodeFiles: Record<string, string> = {};
for (const f of readdirSync(NODE_DIR)) if (f.endsWith('.txt')) nodeFiles[f] = readFileSync(join(NODE_DIR, f), 'utf8');

function trace(files: Record<string, string>, q: TraceQuery): TraceResult {
  return traceNode({ name: 'n1', files }, q);
}

function short(o: TraceOutcome): string {
  const to = o.kind === 'dnat' ? ` ${o.ip?.includes(':') ? `[${o.ip}]` : o.ip}:${o.port}` : '';
  const masq = o.masquerade === 'conditional' ? ` masq if ${(o.masqueradeWhen ?? []).join(' | ')}` : o.masquerade ? ' masq' : '';
  const when = o.when.length > 0 ? ` when ${o.when.join(' | ')}` : '';
  const w = o.weight !== undefined ? ` w=${o.weight}` : '';
  return `${o.kind}${to} p=${Number(o.probability.toFixed(4))}${w}${o.draining ? ' draining' : ''}${masq}${when}`;
}

function ends(r: TraceResult): string[] {
  expect(r.error).toBeUndefined();
  expect(r.planes.map((p) => p.plane)).toEqual(['ipvs']);
  return r.planes[0].outcomes.map(short).sort();
}

const cases: { name: string; q: TraceQuery; want: string[] }[] = [
  {
    name: 'a ClusterIP virtual server spreads new connections over the weight-1 servers; weight 0 is draining',
    q: { dst: '10.96.100.5', port: 80, protocol: 'tcp', src: '10.244.1.9' },
    want: ['dnat 10.244.0.5:8080 p=0.5', 'dnat 10.244.1.6:8080 p=0.5', 'dnat 10.244.2.7:8080 p=0 w=0 draining'],
  },
  {
    name: 'a client outside the cluster CIDR is marked in KUBE-SERVICES and masqueraded in KUBE-POSTROUTING',
    q: { dst: '10.96.100.5', port: 80, protocol: 'tcp', src: '192.0.2.7' },
    want: ['dnat 10.244.0.5:8080 p=0.5 masq', 'dnat 10.244.1.6:8080 p=0.5 masq', 'dnat 10.244.2.7:8080 p=0 w=0 draining'],
  },
  {
    name: 'a pod reaching itself through the Service is masqueraded by KUBE-LOOP-BACK (hairpin)',
    q: { dst: '10.96.100.5', port: 80, protocol: 'tcp', src: '10.244.0.5' },
    want: ['dnat 10.244.0.5:8080 p=0.5 masq', 'dnat 10.244.1.6:8080 p=0.5', 'dnat 10.244.2.7:8080 p=0 w=0 draining'],
  },
  {
    name: 'without a source, masquerading is listed with its conditions',
    q: { dst: '10.96.100.5', port: 80, protocol: 'tcp' },
    want: [
      'dnat 10.244.0.5:8080 p=0.5 masq if source is 10.244.0.5 | source not in 10.244.0.0/16',
      'dnat 10.244.1.6:8080 p=0.5 masq if source not in 10.244.0.0/16',
      'dnat 10.244.2.7:8080 p=0 w=0 draining',
    ],
  },
  {
    name: 'a virtual server without real servers answers port unreachable',
    q: { dst: '10.96.100.6', port: 80, protocol: 'tcp', src: '10.244.1.9' },
    want: ['reject p=1'],
  },
  {
    name: 'a port that is no Service on an IPVS address is rejected by KUBE-IPVS-FILTER',
    q: { dst: '10.96.100.5', port: 81, protocol: 'tcp', src: '10.244.1.9' },
    want: ['reject p=1'],
  },
  {
    name: 'a NodePort is matched through KUBE-NODE-PORT-TCP and masqueraded',
    q: { dst: '192.168.0.2', port: 30080, protocol: 'tcp', src: '192.0.2.7' },
    want: ['dnat 10.244.0.5:8080 p=0.5 masq', 'dnat 10.244.1.6:8080 p=0.5 masq'],
  },
  {
    name: 'a persistent UDP virtual server keeps one real server',
    q: { dst: '10.96.0.10', port: 53, protocol: 'udp', src: '10.244.1.9' },
    want: ['dnat 10.244.0.3:53 p=1'],
  },
  {
    name: 'a process on the node is scheduled at nat OUTPUT',
    q: { dst: '10.96.0.1', port: 443, protocol: 'tcp', src: '192.168.0.2', fromLocalProcess: true },
    want: ['dnat 192.168.0.2:6443 p=1 masq'],
  },
  {
    name: 'an address with no virtual server is not scheduled by IPVS',
    q: { dst: '10.244.1.6', port: 8080, protocol: 'tcp', src: '10.244.0.9' },
    want: ['accept-no-dnat p=1'],
  },
];

describe('traceNode on IPVS (ipvsadm + iptables + ipset + ip addr)', () => {
  it.each(cases)('$name', ({ q, want }) => {
    expect(ends(trace(nodeFiles, q))).toEqual([...want].sort());
  });

  it('attributes iptables steps to iptables-save.txt and IPVS steps to ipvsadm.txt', () => {
    const r = trace(nodeFiles, { dst: '10.96.100.5', port: 80, protocol: 'tcp', src: '10.244.1.9' });
    const steps = r.planes[0].steps.filter((s) => s.kind === 'rule');
    const byPlane = (plane: string) => steps.filter((s) => s.plane === plane);
    for (const s of byPlane('iptables')) expect(nodeFiles['iptables-save.txt'].split('\n')[s.line - 1]).toBe(s.raw);
    for (const s of byPlane('ipvs')) expect(nodeFiles['ipvsadm.txt'].split('\n')[s.line - 1]).toBe(s.raw);
    expect(byPlane('ipvs').map((s) => s.note)).toEqual([
      'virtual server, scheduler rr',
      'real server 10.244.0.5:8080, weight 1: p=0.5',
      'real server 10.244.1.6:8080, weight 1: p=0.5',
      'real server 10.244.2.7:8080, weight 0: draining, no new connections',
    ]);
    expect(r.planes[0].outcomes.find((o) => o.ip === '10.244.0.5')?.decidedBy?.file).toBe('nodes/n1/ipvsadm.txt');
  });

  it('without ip-addr.txt takes the virtual-server addresses as local and says so', () => {
    const { ['ip-addr.txt']: _omit, ...files } = nodeFiles;
    const r = trace(files, { dst: '10.96.100.5', port: 80, protocol: 'tcp', src: '10.244.1.9' });
    expect(ends(r)).toEqual(['dnat 10.244.0.5:8080 p=0.5', 'dnat 10.244.1.6:8080 p=0.5', 'dnat 10.244.2.7:8080 p=0 w=0 draining']);
    expect(r.planes[0].notes.join('\n')).toContain('taken as local');
  });

  it('without ipset.txt keeps the match-set rules as conditions', () => {
    const { ['ipset.txt']: _omit, ...files } = nodeFiles;
    const r = trace(files, { dst: '10.96.100.5', port: 80, protocol: 'tcp', src: '10.244.1.9' });
    expect(r.planes[0].steps.some((s) => s.matched === 'branch' && /ipset KUBE-CLUSTER-IP/.test(s.note))).toBe(true);
  });
});

describe('traceNode on IPVS listings alone (corpus)', () => {
  const listing = (f: string) => ({ 'ipvsadm.txt': readFileSync(join(IPVS_CORPUS, f), 'utf8') });

  it.each([
    {
      name: 'weight-0 real servers of a NodePort are draining, the others share 1/4 each',
      file: 'k8s-issue-99162-ipvsadm-Ln-t-weight0-graceful.txt',
      q: { dst: '192.168.1.2', port: 32502, protocol: 'tcp' as const },
      want: [
        ...['11.0.2.7', '11.0.2.9', '11.0.2.11', '11.0.3.8'].map((ip) => `dnat ${ip}:80 p=0.25`),
        ...['11.0.1.8', '11.0.2.10', '11.0.3.7'].map((ip) => `dnat ${ip}:80 p=0 w=0 draining`),
      ],
    },
    {
      name: 'an SCTP virtual server',
      file: 'k8s-pr-81477-ipvsadm-ln-sctp.txt',
      q: { dst: '10.103.164.9', port: 1000, protocol: 'sctp' as const },
      want: ['dnat 20.20.195.135:1000 p=0.5', 'dnat 20.20.195.136:1000 p=0.5'],
    },
    {
      name: 'a wlc virtual server with weights shares by weight',
      file: 'k8s-community-pr-692-ipvsadm-persistent-conn.txt',
      q: { dst: '10.11.12.13', port: 6379, protocol: 'tcp' as const },
      want: ['dnat 10.192.0.1:32768 p=1'],
    },
  ])('$name', ({ file, q, want }) => {
    const r = trace(listing(file), q);
    expect(ends(r)).toEqual([...want].sort());
    expect(r.planes[0].notes.join('\n')).toContain('only the IPVS virtual servers are traced');
  });

  it('traces an IPv6 virtual server', () => {
    const text = [
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
      'TCP  [fd00:10:96::10]:80 rr',
      '  -> [fd00:10:244:1::5]:8080      Masq    1      0          0',
      '  -> [fd00:10:244:2::6]:8080      Masq    3      0          0',
      '',
    ].join('\n');
    const r = trace({ 'ipvsadm.txt': text }, { dst: 'fd00:10:96:0::10', port: 80, protocol: 'tcp' });
    expect(r.family).toBe(6);
    // rr ignores weights above 0: equal shares.
    expect(ends(r)).toEqual(['dnat [fd00:10:244:1::5]:8080 p=0.5', 'dnat [fd00:10:244:2::6]:8080 p=0.5']);
  });
});
