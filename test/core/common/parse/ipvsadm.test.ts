import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IpvsDump, IpvsListingFormat, IpvsVirtualService } from '../../../../core/common/model/ipvs';
import { NON_NUMERIC_PROBLEM, parseIpvsadm } from '../../../../core/common/parse/ipvsadm';

const corpus = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/corpus/ipvs');
const load = (file: string): IpvsDump => parseIpvsadm(readFileSync(join(corpus, file), 'utf8'));
const rsCount = (d: IpvsDump): number => d.services.reduce((n, s) => n + s.realServers.length, 0);
const svc = (d: IpvsDump, protocol: string, ip: string, port: number): IpvsVirtualService | undefined =>
  d.services.find((s) => s.protocol === protocol && s.address?.ip === ip && s.address.port === port);

interface CorpusCase {
  file: string;
  services: number;
  realServers: number;
  connections: number;
  skipped: number;
  formats: IpvsListingFormat[];
  malformedLines: number[];
  nonNumeric: number;
}

// Every file of test/fixtures/corpus/ipvs with its exact counts.
const corpusCases: CorpusCase[] = [
  { file: 'alibaba-lvs-issue-29-ipvsadm-Lnc-fullnat.txt', services: 0, realServers: 0, connections: 2, skipped: 3, formats: ['connections'], malformedLines: [], nonNumeric: 0 },
  { file: 'k8s-community-pr-692-ipvsadm-persistent-conn.txt', services: 2, realServers: 2, connections: 0, skipped: 8, formats: ['list', 'persistent-conn'], malformedLines: [], nonNumeric: 0 },
  { file: 'k8s-ipvs-readme-ipvsadm-ln.txt', services: 3, realServers: 3, connections: 0, skipped: 4, formats: ['list'], malformedLines: [2, 3, 4], nonNumeric: 0 },
  { file: 'k8s-issue-89923-ipvsadm-Ln-nodeport-127.txt', services: 4, realServers: 9, connections: 0, skipped: 4, formats: ['list'], malformedLines: [2], nonNumeric: 0 },
  { file: 'k8s-issue-99162-ipvsadm-Ln-t-weight0-graceful.txt', services: 1, realServers: 7, connections: 0, skipped: 3, formats: ['list'], malformedLines: [], nonNumeric: 0 },
  { file: 'k8s-pr-81477-ipvsadm-ln-sctp.txt', services: 7, realServers: 13, connections: 0, skipped: 3, formats: ['list'], malformedLines: [], nonNumeric: 0 },
  { file: 'keepalived-issue-1028-ipvsadm-L-n-collapsed-whitespace.txt', services: 14, realServers: 14, connections: 0, skipped: 4, formats: ['list'], malformedLines: [], nonNumeric: 0 },
  { file: 'keepalived-issue-1431-ipvsadm-Ln-fwm.txt', services: 2, realServers: 4, connections: 0, skipped: 2, formats: ['list'], malformedLines: [], nonNumeric: 0 },
  { file: 'kube-router-issue-415-ipvsadm-L-no-n-hostnames.txt', services: 0, realServers: 0, connections: 0, skipped: 2, formats: ['list'], malformedLines: [], nonNumeric: 22 },
  { file: 'kube-router-pr-160-ipvsadm-ln-stats.txt', services: 3, realServers: 10, connections: 0, skipped: 2, formats: ['stats'], malformedLines: [], nonNumeric: 0 },
  { file: 'opsnull-issue-251-ipvsadm-L-n.txt', services: 7, realServers: 14, connections: 0, skipped: 3, formats: ['list'], malformedLines: [], nonNumeric: 0 },
];

describe('parseIpvsadm on the corpus', () => {
  it.each(corpusCases)('reads $file with exact record counts', (c) => {
    const d = load(c.file);
    expect(d.services).toHaveLength(c.services);
    expect(rsCount(d)).toBe(c.realServers);
    expect(d.connections).toHaveLength(c.connections);
    expect(d.skipped).toBe(c.skipped);
    expect(d.formats).toEqual(c.formats);
    expect(d.malformed.map((m) => m.line)).toEqual(c.malformedLines);
    expect(d.nonNumeric).toHaveLength(c.nonNumeric);
    expect(d.numeric).toBe(c.nonNumeric === 0);
  });

  it.each(corpusCases)('keeps the line number and raw text of every record in $file', (c) => {
    const lines = readFileSync(join(corpus, c.file), 'utf8').split('\n');
    const d = load(c.file);
    expect(d.lineCount).toBe(lines.length - (lines[lines.length - 1] === '' ? 1 : 0));
    for (const s of d.services) {
      expect(lines[s.line - 1]).toBe(s.raw);
      for (const r of s.realServers) expect(lines[r.line - 1]).toBe(r.raw);
    }
    for (const x of [...d.connections, ...d.malformed, ...d.nonNumeric]) expect(lines[x.line - 1]).toBe(x.raw);
  });

  it('keeps weight 0 real servers (graceful termination) with their connection counts', () => {
    const d = load('k8s-issue-99162-ipvsadm-Ln-t-weight0-graceful.txt');
    const rs = d.services[0].realServers;
    expect(rs.map((r) => r.weight)).toEqual([0, 1, 1, 0, 1, 0, 1]);
    expect(rs[0]).toMatchObject({ address: { ip: '11.0.1.8', port: 80, family: 4 }, forward: 'Masq', weight: 0, activeConn: 3, inActConn: 555 });
    expect(d.version).toBeUndefined();
  });

  it('reads persistence (sessionAffinity ClientIP) and the version line', () => {
    const d = load('k8s-ipvs-readme-ipvsadm-ln.txt');
    expect(d.version).toEqual({ version: '1.2.1', size: 4096, line: 6 });
    expect(svc(d, 'TCP', '10.0.0.1', 443)).toMatchObject({ scheduler: 'rr', persistent: 10800, format: 'list' });
    expect(svc(d, 'UDP', '10.0.0.10', 53)?.persistent).toBeUndefined();
    expect(svc(d, 'UDP', '10.0.0.10', 53)?.realServers[0].address).toEqual({ ip: '172.17.0.2', port: 53, family: 4 });
  });

  it('reads SCTP virtual services next to TCP and UDP ones', () => {
    const d = load('k8s-pr-81477-ipvsadm-ln-sctp.txt');
    expect(d.services.map((s) => s.protocol)).toEqual(['TCP', 'TCP', 'TCP', 'TCP', 'UDP', 'SCTP', 'SCTP']);
    expect(svc(d, 'SCTP', '10.0.2.15', 31514)?.realServers.map((r) => r.address.ip)).toEqual(['20.20.195.135', '20.20.195.136', '20.20.195.137']);
    expect(svc(d, 'TCP', '10.96.232.136', 6666)?.realServers[0].activeConn).toBe(5);
  });

  it('reads firewall-mark services with Local and Route real servers on port 0', () => {
    const d = load('keepalived-issue-1431-ipvsadm-Ln-fwm.txt');
    expect(d.services[0]).toMatchObject({ protocol: 'FWM', fwmark: 3, family: 4, scheduler: 'wrr' });
    expect(d.services[0].address).toBeUndefined();
    expect(d.services[0].realServers.map((r) => [r.address.ip, r.address.port, r.forward])).toEqual([
      ['10.0.88.214', 0, 'Local'],
      ['10.0.88.215', 0, 'Route'],
    ]);
  });

  it('tokenises collapsed whitespace exactly like the padded layout', () => {
    const d = load('keepalived-issue-1028-ipvsadm-L-n-collapsed-whitespace.txt');
    expect(d.services[0]).toMatchObject({ address: { ip: '10.10.40.42', port: 8066 }, scheduler: 'wlc', persistent: 1800 });
    expect(d.services[0].realServers[0]).toMatchObject({ address: { ip: '10.244.2.6', port: 8066 }, forward: 'Masq', weight: 1, activeConn: 0, inActConn: 0 });
  });

  it('reads a NodePort virtual service on 127.0.0.1', () => {
    expect(svc(load('k8s-issue-89923-ipvsadm-Ln-nodeport-127.txt'), 'TCP', '127.0.0.1', 30100)?.realServers).toHaveLength(3);
  });

  it('reads the --stats layout (no scheduler, five counters)', () => {
    const s = svc(load('kube-router-pr-160-ipvsadm-ln-stats.txt'), 'TCP', '10.3.0.42', 80);
    expect(s?.scheduler).toBeUndefined();
    expect(s?.stats).toEqual({ conns: 14209, inPkts: 111769, outPkts: 74613, inBytes: 7207174, outBytes: 8334358, approximate: false });
    expect(s?.realServers[3].stats).toMatchObject({ conns: 3, inBytes: 1161, outBytes: 1341 });
  });

  it('reads the --persistent-conn layout, which has no Forward column', () => {
    const d = load('k8s-community-pr-692-ipvsadm-persistent-conn.txt');
    expect(d.services.map((s) => [s.format, s.persistent])).toEqual([['list', 10], ['persistent-conn', 60]]);
    expect(d.services[1].realServers[0]).toMatchObject({ weight: 1, persistConn: 1, activeConn: 1, inActConn: 0 });
    expect(d.services[1].realServers[0].forward).toBeUndefined();
  });

  it('reads -Lnc connection entries, including a patched kernel hex state', () => {
    const d = load('alibaba-lvs-issue-29-ipvsadm-Lnc-fullnat.txt');
    expect(d.connections[0]).toMatchObject({
      protocol: 'TCP', expire: '00:01', expireSeconds: 1, state: 'C0A8C86D',
      source: { ip: '192.168.0.109', port: 36519 }, virtual: { ip: '192.168.0.120', port: 8080 }, destination: { ip: '192.168.200.108', port: 23536 },
    });
  });

  it('refuses a listing without -n instead of guessing, and says how to capture it', () => {
    const d = load('kube-router-issue-415-ipvsadm-L-no-n-hostnames.txt');
    expect(d.numeric).toBe(false);
    expect(d.problem).toBe(NON_NUMERIC_PROBLEM);
    expect(d.problem).toContain('ipvsadm -Ln --exact');
    expect(d.nonNumeric[0]).toMatchObject({ line: 4, reason: expect.stringContaining('host name') });
    expect(d.nonNumeric.find((m) => m.raw.includes(':http '))?.reason).toMatch(/real server of a virtual service printed as a name/);
  });
});

// ipvsadm -S -n as ipvsadm 1.31 prints it (print_service_entry with FMT_RULE, print_tunnel_rule);
// no real capture exists in the corpus.
const SAVE = `-A -t 10.96.0.1:443 -s rr -p 10800
-a -t 10.96.0.1:443 -r 192.168.0.1:6443 -m -w 1
-A -u 10.96.0.10:53 -s rr
-a -u 10.96.0.10:53 -r 10.244.0.2:53 -m -w 1
-a -u 10.96.0.10:53 -r 10.244.0.3:53 -m -w 0
-A --sctp-service 10.96.5.5:9000 -s rr
-a --sctp-service 10.96.5.5:9000 -r 10.244.1.9:9000 -m -w 1
-A -t [fd00:10:96::1]:443 -s rr -p 10800 -M 64
-a -t [fd00:10:96::1]:443 -r [fd00:10:244::5]:6443 -m -w 1
-A -f 3 -s wrr -p 300 -M 255.255.255.0 --pe sip -o -b flag-1,flag-2
-a -f 3 -r 10.0.88.214:0 -g -w 1
-A -f 7 -6 -s sh -b sh-fallback,sh-port
-a -f 7 -6 -r [fd00::7]:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum
`;

describe('parseIpvsadm on ipvsadm-save -n output', () => {
  const d = parseIpvsadm(SAVE);

  it('reads every -A as a virtual service and attaches every -a to it', () => {
    expect(d.malformed).toEqual([]);
    expect(d.formats).toEqual(['save']);
    expect(d.services.map((s) => [s.protocol, s.address?.ip ?? s.fwmark, s.realServers.length])).toEqual([
      ['TCP', '10.96.0.1', 1], ['UDP', '10.96.0.10', 2], ['SCTP', '10.96.5.5', 1], ['TCP', 'fd00:10:96::1', 1], ['FWM', 3, 1], ['FWM', 7, 1],
    ]);
  });

  it.each([
    { i: 0, want: { scheduler: 'rr', persistent: 10800, family: 4, format: 'save' } },
    { i: 3, want: { family: 6, persistent: 10800, mask: '64', address: { ip: 'fd00:10:96::1', port: 443, family: 6 } } },
    { i: 4, want: { fwmark: 3, family: 4, persistent: 300, mask: '255.255.255.0', pe: 'sip', onePacket: true, schedulerFlags: ['flag-1', 'flag-2'] } },
    { i: 5, want: { fwmark: 7, family: 6, scheduler: 'sh', schedulerFlags: ['sh-fallback', 'sh-port'] } },
  ])('reads the options of service $i', ({ i, want }) => {
    expect(d.services[i]).toMatchObject(want);
  });

  it('reads forwarding switches, weights (0 kept) and tunnel options of real servers', () => {
    expect(d.services[1].realServers.map((r) => [r.address.ip, r.forward, r.weight])).toEqual([['10.244.0.2', 'Masq', 1], ['10.244.0.3', 'Masq', 0]]);
    expect(d.services[4].realServers[0]).toMatchObject({ forward: 'Route', address: { ip: '10.0.88.214', port: 0 } });
    expect(d.services[5].realServers[0]).toMatchObject({ forward: 'Tunnel', tunnelInfo: '--tun-type gue --tun-port 6080 --tun-nocsum', address: { family: 6 } });
  });

  it('refuses ipvsadm-save without -n (host and service names)', () => {
    const x = parseIpvsadm('-A -t kubernetes.default.svc:https -s rr\n-a -t kubernetes.default.svc:https -r 10.0.0.1:6443 -m -w 1\n');
    expect(x.numeric).toBe(false);
    expect(x.services).toEqual([]);
    expect(x.nonNumeric.map((m) => m.line)).toEqual([1, 2]);
    expect(x.malformed).toEqual([]);
  });
});

const layoutCases = [
  {
    name: 'an IPv6 listing with pe/ops/mask flags and an IPv6 FWM service',
    text: `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  [fd00:10:96::1]:443 rr persistent 10800 mask 64 pe sip ops
  -> [fd00:10:244::5]:6443        Masq    1      0          0
FWM  5 IPv6 sh (sh-fallback,sh-port)
  -> [fd00::9]:0                  Route   0      2          7`,
    check: (d: IpvsDump) => {
      expect(d.services[0]).toMatchObject({ family: 6, address: { ip: 'fd00:10:96::1', port: 443 }, persistent: 10800, mask: '64', pe: 'sip', onePacket: true });
      expect(d.services[0].realServers[0].address).toEqual({ ip: 'fd00:10:244::5', port: 6443, family: 6 });
      expect(d.services[1]).toMatchObject({ protocol: 'FWM', fwmark: 5, family: 6, scheduler: 'sh', schedulerFlags: ['sh-fallback', 'sh-port'] });
      expect(d.services[1].realServers[0]).toMatchObject({ forward: 'Route', weight: 0, activeConn: 2, inActConn: 7 });
    },
  },
  {
    name: '--stats without --exact (K/M suffixes read as approximate values)',
    text: `Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
  -> RemoteAddress:Port
TCP  10.96.0.1:443                   14209   111769    74613  123456K    5678M
  -> 10.244.0.5:6443                     2       12        8      774      894`,
    check: (d: IpvsDump) => {
      expect(d.services[0].stats).toEqual({ conns: 14209, inPkts: 111769, outPkts: 74613, inBytes: 123456000, outBytes: 5678000000, approximate: true });
      expect(d.services[0].realServers[0].stats?.approximate).toBe(false);
    },
  },
  {
    name: '--stats --exact (wide numbers, no suffix)',
    text: `Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
  -> RemoteAddress:Port
TCP  10.96.0.1:443                   14209   111769    74613 123456789 5678901234`,
    check: (d: IpvsDump) => expect(d.services[0].stats).toMatchObject({ inBytes: 123456789, outBytes: 5678901234, approximate: false }),
  },
  {
    name: '--rate',
    text: `Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS
  -> RemoteAddress:Port
UDP  10.96.0.10:53                       3       40       40     3200     6400
  -> 10.244.0.2:53                       1       20       20     1600    1234K`,
    check: (d: IpvsDump) => {
      expect(d.formats).toEqual(['rate']);
      expect(d.services[0].rate).toEqual({ cps: 3, inPps: 40, outPps: 40, inBps: 3200, outBps: 6400, approximate: false });
      expect(d.services[0].realServers[0].rate).toMatchObject({ cps: 1, outBps: 1234000, approximate: true });
    },
  },
  {
    name: '--thresholds',
    text: `Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn
  -> RemoteAddress:Port
TCP  10.96.0.1:443 rr
  -> 192.168.0.1:6443             100        10         1          0`,
    check: (d: IpvsDump) => {
      expect(d.services[0].realServers[0]).toMatchObject({ upperThreshold: 100, lowerThreshold: 10, activeConn: 1, inActConn: 0 });
      expect(d.services[0].realServers[0].weight).toBeUndefined();
    },
  },
  {
    name: '--tun-info',
    text: `Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn
TCP  10.0.0.1:80 rr
  -> 10.0.1.1:80                  Tunnel  gue:6080:-c   1      0          0
  -> 10.0.1.2:80                  Masq    n/a           1      4          0`,
    check: (d: IpvsDump) => {
      expect(d.formats).toEqual(['list', 'tun-info']);
      expect(d.services[0].realServers.map((r) => [r.forward, r.tunnelInfo, r.activeConn])).toEqual([['Tunnel', 'gue:6080:-c', 0], ['Masq', 'n/a', 4]]);
    },
  },
  {
    name: '--timeout and sync daemon lines',
    text: 'Timeout (tcp tcpfin udp): 900 120 300\nmaster sync daemon (mcast=eth0, syncid=1)',
    check: (d: IpvsDump) => {
      expect(d.timeouts).toEqual({ tcp: 900, tcpFin: 120, udp: 300, line: 1 });
      expect(d.skipped).toBe(1);
    },
  },
  {
    name: '-Lnc --persistent-conn and IPv6 connections',
    text: `IPVS connection entries
pro expire state       source             virtual            destination        pe name          pe_data
UDP 04:59  UDP         10.0.0.1:1234      10.96.0.10:53      10.244.0.2:53      sip              abc
TCP 14:59  ESTABLISHED [fd00::1]:5 [fd00:10:96::1]:443 [fd00:10:244::5]:6443`,
    check: (d: IpvsDump) => {
      expect(d.connections[0]).toMatchObject({ expireSeconds: 299, peName: 'sip', peData: 'abc' });
      expect(d.connections[1]).toMatchObject({ state: 'ESTABLISHED', expireSeconds: 899, virtual: { ip: 'fd00:10:96::1', port: 443, family: 6 } });
    },
  },
  {
    name: 'a listing without column header (layout inferred per line)',
    text: 'TCP  10.96.0.1:443 rr\n  -> 192.168.0.1:6443             Masq    1      0          0',
    check: (d: IpvsDump) => expect(d.services[0].realServers[0]).toMatchObject({ forward: 'Masq', weight: 1 }),
  },
];

describe('parseIpvsadm on the other documented layouts', () => {
  it.each(layoutCases)('reads $name', ({ text, check }) => {
    const d = parseIpvsadm(text);
    expect(d.malformed).toEqual([]);
    expect(d.numeric).toBe(true);
    check(d);
  });
});

describe('parseIpvsadm on damaged input', () => {
  it.each([
    { text: '  -> 10.0.0.1:80 Masq 1 0 0', reason: 'before any virtual service' },
    { text: 'TCP  10.0.0.1:80 rr bogus', reason: 'unknown service flag "bogus"' },
    { text: 'TCP  10.0.0.1:80 rr\n  -> 10.0.0.2:80 Foo 1 0 0', reason: 'unknown forwarding method "Foo"' },
    { text: 'TCP  10.0.0.1:80 rr\n  -> 10.0.0.2:80 Masq 1 0', reason: 'expected 4 columns' },
    { text: '-a -t 10.0.0.9:80 -r 10.0.0.1:80 -m -w 1', reason: 'not added before' },
    { text: '-A -t 10.0.0.9:80 -s rr --frobnicate', reason: 'unknown option "--frobnicate"' },
    { text: '-C', reason: 'unsupported ipvsadm command "-C"' },
    { text: 'FWM  x wrr', reason: 'numeric mark' },
    { text: 'hello world', reason: 'not ipvsadm output' },
  ])('reports "$text" as malformed ($reason) and goes on', ({ text, reason }) => {
    const d = parseIpvsadm(`${text}\nTCP  10.1.1.1:1 rr`);
    expect(d.malformed.map((m) => m.reason)).toEqual([expect.stringContaining(reason)]);
    expect(d.services.at(-1)?.address?.ip).toBe('10.1.1.1');
  });

  it.each(['$ ipvsadm -Ln', '[root@node ~]# ipvsadm -Ln', 'user@node:~$ sudo ipvsadm -L -n', 'sudo ipvsadm -S -n', '# comment', '[sudo] password for d:', ''])(
    'skips the prompt or echo line "%s"',
    (line) => {
      const d = parseIpvsadm(line);
      expect(d.malformed).toEqual([]);
      expect(d.skipped).toBe(line === '' ? 0 : 1);
    },
  );

  it('handles CRLF line ends', () => {
    const d = parseIpvsadm('TCP  10.0.0.1:80 rr\r\n  -> 10.0.0.2:80 Masq 1 0 0\r\n');
    expect(d.services[0].raw).toBe('TCP  10.0.0.1:80 rr');
    expect(d.services[0].realServers).toHaveLength(1);
  });
});

const ipvsWords = ['TCP', 'UDP', 'SCTP', 'FWM', 'IPv6', '->', 'Masq', 'Route', 'rr', 'persistent', 'mask', 'pe', 'ops', '-A', '-a', '-t', '-u', '-f', '-r', '-m', '-w', '-p', '-s', 'Prot', 'LocalAddress:Port', 'Conns', 'CPS', 'PersistConn', 'RemoteAddress:Port', 'TunnelInfo', 'IPVS', 'connection', 'pro', 'expire', '10.0.0.1:80', '[fd00::1]:80', 'host:http', '0', '1', '12K', '00:01', '(sh-port)', 'Timeout', '$', '#', '[', ']:'];

describe('parseIpvsadm properties', () => {
  it('never throws and accounts for every line, on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        const d = parseIpvsadm(s);
        expect(d.lineCount).toBe(s === '' ? 0 : s.split('\n').length - (s.endsWith('\n') ? 1 : 0));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on lines built from ipvsadm words, and every record cites its own line', () => {
    const line = fc.array(fc.constantFrom(...ipvsWords), { maxLength: 9 }).map((w) => w.join(' '));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 25 }), (lines) => {
        const d = parseIpvsadm(lines.join('\n'));
        for (const s of d.services) {
          expect(lines[s.line - 1]).toBe(s.raw);
          for (const r of s.realServers) expect(lines[r.line - 1]).toBe(r.raw);
        }
        for (const m of [...d.malformed, ...d.nonNumeric, ...d.connections]) expect(lines[m.line - 1]).toBe(m.raw);
      }),
      { numRuns: 500 },
    );
  });
});
