import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IpsetDump, IpsetMember } from '../../../../core/common/model/ipset';
import { parseIpset } from '../../../../core/common/parse/ipset';
import { describeWithTools } from '../../../helpers/requireTool';

const corpus = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/corpus/ipset');
const load = (file: string): IpsetDump => parseIpset(readFileSync(join(corpus, file), 'utf8'));

interface CorpusCase {
  file: string;
  /** Set name -> member count, in order of appearance. */
  sets: Record<string, number>;
  commands: number;
  skipped: number;
  malformedLines: number[];
}

// Every file of test/fixtures/corpus/ipset with its exact counts.
const corpusCases: CorpusCase[] = [
  { file: 'k8s-issue-54203-ipset-list-and-counters.txt', sets: { test: 2 }, commands: 0, skipped: 1, malformedLines: [11, 12] },
  {
    file: 'kube-proxy-issue-13-ipset-list-ipv6-sets.txt',
    sets: {
      'KUBE-HEALTH-CHECK-NODE-PORT': 0, 'KUBE-6-CLUSTER-IP': 0, 'KUBE-6-EXTERNAL-IP-LOCAL': 0, 'KUBE-6-LOAD-BALANCER-SOURCE-CID': 0,
      'KUBE-6-LOOP-BACK': 0, 'KUBE-6-EXTERNAL-IP': 0, 'KUBE-6-NODE-PORT-SCTP-HASH': 0,
    },
    commands: 0, skipped: 7, malformedLines: [],
  },
  {
    file: 'kube-router-issue-1685-ipset-restore-input-inet6.txt',
    sets: { 'inet6:kube-router-svip-prt': 0, 'inet6:kube-router-local-ips': 0, 'TMP-3TF2IQ5MKRP6NAJL': 10, 'inet6:kube-router-svip': 0, 'TMP-54ALMNP65S4KA7CE': 0 },
    commands: 9, skipped: 0, malformedLines: [6],
  },
  { file: 'kube-router-pr-618-ipset-list-timeout-members.txt', sets: { 'kube-router-local-ips': 2, 'kube-router-service-ips': 5, 'kube-router-ipvs-services': 6 }, commands: 0, skipped: 3, malformedLines: [10] },
  { file: 'sealos-issue-2108-ipset-list-kube-cluster-ip-excerpt.txt', sets: { 'KUBE-CLUSTER-IP': 50 }, commands: 0, skipped: 1, malformedLines: [] },
  {
    file: 'weave-issue-3452-ipset-save-kube-proxy-ipvs.txt',
    sets: {
      'KUBE-NODE-PORT-LOCAL-UDP': 0, 'KUBE-LOOP-BACK': 6, 'KUBE-EXTERNAL-IP': 0, 'KUBE-LOAD-BALANCER': 0, 'KUBE-LOAD-BALANCER-FW': 0,
      'KUBE-LOAD-BALANCER-SOURCE-IP': 0, 'KUBE-LOAD-BALANCER-SOURCE-CIDR': 0, 'KUBE-CLUSTER-IP': 4, 'KUBE-LOAD-BALANCER-LOCAL': 0,
      'KUBE-NODE-PORT-TCP': 0, 'KUBE-NODE-PORT-LOCAL-TCP': 0,
    },
    commands: 0, skipped: 1, malformedLines: [],
  },
];

describe('parseIpset on the corpus', () => {
  it.each(corpusCases)('reads $file with exact set and member counts', (c) => {
    const d = load(c.file);
    expect(Object.fromEntries([...d.sets.values()].map((s) => [s.name, s.members.length]))).toEqual(c.sets);
    expect([...d.sets.keys()]).toEqual(Object.keys(c.sets));
    expect(d.commands).toHaveLength(c.commands);
    expect(d.skipped).toBe(c.skipped);
    expect(d.malformed.map((m) => m.line)).toEqual(c.malformedLines);
    expect(d.problem).toBeUndefined();
  });

  it.each(corpusCases)('keeps the line number and raw text of every record in $file', (c) => {
    const lines = readFileSync(join(corpus, c.file), 'utf8').split('\n');
    const d = load(c.file);
    for (const s of d.sets.values()) {
      if (s.line > 0) expect(lines[s.line - 1]).toBe(s.raw);
      for (const m of s.members) expect(lines[m.line - 1]).toBe(m.raw);
    }
    for (const x of [...d.commands, ...d.malformed]) expect(lines[x.line - 1]).toBe(x.raw);
  });

  it('reads the ipset list header fields of a block', () => {
    const s = load('sealos-issue-2108-ipset-list-kube-cluster-ip-excerpt.txt').sets.get('KUBE-CLUSTER-IP');
    expect(s).toMatchObject({ type: 'hash:ip,port', revision: 5, sizeInMemory: 8696, references: 2, entryCount: 143, line: 2, source: 'list' });
    expect(s?.header).toMatchObject({ family: 'inet', hashsize: 1024, maxelem: 65536, counters: false, comment: false });
    expect(s?.members.find((m) => m.protocol === 'udp')).toMatchObject({ element: '10.68.0.10,udp:53', address: '10.68.0.10', port: 53 });
  });

  it('flags 31-character set names as possibly truncated by kube-proxy', () => {
    const d = load('kube-proxy-issue-13-ipset-list-ipv6-sets.txt');
    expect([...d.sets.values()].filter((s) => s.possiblyTruncatedName).map((s) => s.name)).toEqual(['KUBE-6-LOAD-BALANCER-SOURCE-CID']);
    expect(d.sets.get('KUBE-HEALTH-CHECK-NODE-PORT')?.header).toMatchObject({ range: '0-65535', tokens: ['range', '0-65535'] });
    expect(d.sets.get('KUBE-6-LOOP-BACK')).toMatchObject({ type: 'hash:ip,port,ip', entryCount: 0, header: { family: 'inet6' } });
  });

  it('reads hash:ip,port,ip members of ipset save (KUBE-LOOP-BACK)', () => {
    const s = load('weave-issue-3452-ipset-save-kube-proxy-ipvs.txt').sets.get('KUBE-LOOP-BACK');
    expect(s).toMatchObject({ source: 'save', line: 3, type: 'hash:ip,port,ip' });
    expect(s?.members[1]).toMatchObject({ line: 5, address: '10.32.0.3', protocol: 'udp', port: 53, address2: '10.32.0.3' });
  });

  it('reads member timeouts and reports a masked address as malformed', () => {
    const d = load('kube-router-pr-618-ipset-list-timeout-members.txt');
    expect(d.sets.get('kube-router-ipvs-services')?.members[0]).toMatchObject({ element: '10.96.0.10,udp:53', timeout: 0 });
    expect(d.sets.get('kube-router-local-ips')?.header.timeout).toBe(0);
    expect(d.malformed[0].reason).toContain('"XXX.XXX.174.108" is not an IP address');
  });

  it('records restore commands and sets only seen in add lines', () => {
    const d = load('kube-router-issue-1685-ipset-restore-input-inet6.txt');
    expect(d.commands.map((c) => c.op)).toEqual(['swap', 'flush', 'destroy', 'destroy', 'flush', 'swap', 'flush', 'swap', 'flush']);
    expect(d.commands[0].args).toEqual(['TMP-54ALMNP65S4KA7CE', 'inet6:kube-router-svip-prt']);
    expect(d.sets.get('TMP-3TF2IQ5MKRP6NAJL')).toMatchObject({ line: 0, source: 'save' });
    expect(d.sets.get('TMP-3TF2IQ5MKRP6NAJL')?.type).toBeUndefined();
    expect(d.sets.get('TMP-3TF2IQ5MKRP6NAJL')?.members[0]).toMatchObject({ address: 'fdcd:5f23:4ab4:12::', timeout: 0 });
    expect(d.sets.get('inet6:kube-router-svip-prt')?.header).toMatchObject({ family: 'inet6', timeout: 0 });
  });
});

describe('parseIpset member syntax by set type', () => {
  it.each([
    { type: 'hash:ip,port', element: '10.96.0.10,udp:53', want: { address: '10.96.0.10', protocol: 'udp', port: 53, portEnd: 53 } },
    { type: 'hash:ip,port', element: 'fd00::1,ipv6-icmp:echo-request', want: { address: 'fd00::1', protocol: 'ipv6-icmp', portName: 'echo-request' } },
    { type: 'hash:ip,port,ip', element: '10.32.0.3,udp:53,10.32.0.3', want: { address: '10.32.0.3', port: 53, address2: '10.32.0.3' } },
    { type: 'hash:ip,port,net', element: '1.2.3.4,tcp:80,10.0.0.0/8', want: { address: '1.2.3.4', port: 80, address2: '10.0.0.0', prefix2: 8 } },
    { type: 'hash:ip,port,net', element: 'fd00::1,tcp:80,fd00::/64', want: { address2: 'fd00::', prefix2: 64 } },
    { type: 'hash:ip', element: '10.0.0.1', want: { address: '10.0.0.1' } },
    { type: 'hash:net', element: '192.168.1.0/24', want: { address: '192.168.1.0', prefix: 24 } },
    { type: 'bitmap:port', element: '30080', want: { port: 30080, portEnd: 30080 } },
    { type: 'bitmap:port', element: '30000-30002', want: { port: 30000, portEnd: 30002 } },
  ])('reads a $type member $element', ({ type, element, want }) => {
    const d = parseIpset(`create S ${type}\nadd S ${element}\n`);
    expect(d.malformed).toEqual([]);
    expect(d.sets.get('S')?.members[0]).toMatchObject({ element, ...want });
  });

  it('reads trailing timeout, counters, quoted comment and nomatch', () => {
    const d = parseIpset('create T hash:net family inet counters comment\nadd T 10.0.0.0/8 timeout 20 packets 5 bytes 300 comment "hello world" nomatch skbmark 0x1\n');
    expect(d.sets.get('T')?.header).toMatchObject({ family: 'inet', counters: true, comment: true });
    expect(d.sets.get('T')?.members[0]).toMatchObject({ timeout: 20, packets: 5, bytes: 300, comment: 'hello world', nomatch: true, extra: ['skbmark', '0x1'] });
  });

  it.each([
    { line: 'add S 10.0.0.1', reason: 'does not match set type hash:ip,port' },
    { line: 'add S 10.0.0.1,tcp:99999', reason: 'port out of range' },
    { line: 'add S host.example,tcp:80', reason: 'is not an IP address' },
    { line: 'add S 10.0.0.1,:80', reason: 'missing protocol' },
    { line: 'add S', reason: 'add without a member' },
    { line: 'create', reason: 'create without a set name' },
    { line: 'create X', reason: 'create without a set type' },
    { line: 'create S hash:ip', reason: 'created again with another type' },
    { line: 'something else', reason: 'not ipset output' },
  ])('reports "$line" as malformed ($reason)', ({ line, reason }) => {
    const d = parseIpset(`create S hash:ip,port family inet\n${line}\nadd S 10.0.0.9,tcp:1\n`);
    expect(d.malformed.map((m) => m.reason)).toEqual([expect.stringContaining(reason)]);
    expect(d.sets.get('S')?.members.at(-1)?.address).toBe('10.0.0.9');
  });

  it('reports `ipset list -o xml` as unsupported', () => {
    const d = parseIpset('<ipsets>\n<ipset name="KUBE-CLUSTER-IP">\n</ipsets>\n');
    expect(d.problem).toContain('-o xml');
    expect(d.malformed).toEqual([]);
  });

  it('reads `ipset list -t` (headers only, no Members line)', () => {
    const d = parseIpset('Name: A\nType: hash:ip\nNumber of entries: 3\n\nName: B\nType: bitmap:port\nHeader: range 0-65535\n');
    expect([...d.sets.values()].map((s) => [s.name, s.type, s.entryCount, s.members.length])).toEqual([['A', 'hash:ip', 3, 0], ['B', 'bitmap:port', undefined, 0]]);
  });
});

// ---- real ipset in a private network namespace ----

function ipsetInNetns(restore: string): { list: string; save: string } {
  const dir = mkdtempSync(join(tmpdir(), 'proxyscope-ipset-'));
  const file = join(dir, 'restore');
  try {
    writeFileSync(file, restore);
    const out = execFileSync('unshare', ['-rn', 'sh', '-c', 'ipset restore < "$1" && ipset list && echo ===SAVE=== && ipset save', 'sh', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [list, save] = out.split('===SAVE===\n');
    return { list, save };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// kube-proxy IPVS-mode sets (pkg/proxy/ipvs/ipset.go), including a 31-character IPv6 name.
const RESTORE = `create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536
add KUBE-CLUSTER-IP 10.96.0.10,udp:53
add KUBE-CLUSTER-IP 10.96.0.10,tcp:53
add KUBE-CLUSTER-IP 10.96.0.1,tcp:443
create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536
add KUBE-LOOP-BACK 10.244.1.5,tcp:80,10.244.1.5
create KUBE-NODE-PORT-TCP bitmap:port range 0-65535
add KUBE-NODE-PORT-TCP 30080
add KUBE-NODE-PORT-TCP 30000-30002
create KUBE-LOAD-BALANCER-SOURCE-CIDR hash:ip,port,net family inet hashsize 1024 maxelem 65536
add KUBE-LOAD-BALANCER-SOURCE-CIDR 1.2.3.4,tcp:80,10.0.0.0/8
create KUBE-6-LOAD-BALANCER-SOURCE-CID hash:ip,port,net family inet6 hashsize 1024 maxelem 65536
add KUBE-6-LOAD-BALANCER-SOURCE-CID fd00::1,tcp:80,fd00::/64
create T hash:ip family inet timeout 30 counters comment
add T 10.0.0.1 timeout 20 packets 5 bytes 300 comment "hello world"
`;

const memberKey = (m: IpsetMember): string => `${m.address}|${m.protocol}|${m.port}|${m.portEnd}|${m.address2}|${m.prefix2}|${m.comment}`;

describeWithTools(['ipset', 'netns'], 'parseIpset on real ipset output (private network namespace)', () => {
  const { list, save } = ipsetInNetns(RESTORE);

  it.each([
    { name: 'ipset list', text: () => list, source: 'list' },
    { name: 'ipset save', text: () => save, source: 'save' },
  ])('reads every set and member of $name without malformed lines', ({ text, source }) => {
    const d = parseIpset(text());
    expect(d.malformed).toEqual([]);
    expect([...d.sets.keys()].sort()).toEqual(['KUBE-6-LOAD-BALANCER-SOURCE-CID', 'KUBE-CLUSTER-IP', 'KUBE-LOAD-BALANCER-SOURCE-CIDR', 'KUBE-LOOP-BACK', 'KUBE-NODE-PORT-TCP', 'T']);
    for (const s of d.sets.values()) expect(s.source).toBe(source);
    expect(d.sets.get('KUBE-CLUSTER-IP')?.members.map((m) => m.element).sort()).toEqual(['10.96.0.1,tcp:443', '10.96.0.10,tcp:53', '10.96.0.10,udp:53']);
    expect(d.sets.get('KUBE-NODE-PORT-TCP')?.members.map((m) => m.port)).toEqual([30000, 30001, 30002, 30080]);
    expect(d.sets.get('KUBE-6-LOAD-BALANCER-SOURCE-CID')).toMatchObject({ possiblyTruncatedName: true, header: { family: 'inet6' } });
    expect(d.sets.get('T')?.members[0]).toMatchObject({ address: '10.0.0.1', packets: 5, bytes: 300, comment: 'hello world' });
    expect(d.sets.get('T')?.header).toMatchObject({ timeout: 30, counters: true, comment: true });
  });

  it('reads the same members from ipset list and ipset save', () => {
    const a = parseIpset(list);
    const b = parseIpset(save);
    for (const [name, s] of a.sets) {
      expect(s.type).toBe(b.sets.get(name)?.type);
      expect(s.entryCount).toBe(s.members.length);
      // Timeouts tick between the two commands, so they are left out of the comparison.
      expect(s.members.map(memberKey).sort()).toEqual(b.sets.get(name)?.members.map(memberKey).sort());
    }
  });
});

// ---- properties ----

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc.tuple(fc.nat(0xffff), fc.nat(0xffff)).map(([a, b]) => `fd00:${a.toString(16)}::${b.toString(16)}`);
const proto = fc.constantFrom('tcp', 'udp', 'sctp');
const port = fc.nat(65535);

interface GenMember { element: string; address?: string; prefix?: number; protocol?: string; port?: number; address2?: string; prefix2?: number }

function memberArb(type: string, inet6: boolean): fc.Arbitrary<GenMember> {
  const ip = inet6 ? ipv6 : ipv4;
  const bits = inet6 ? 128 : 32;
  switch (type) {
    case 'hash:ip,port':
      return fc.tuple(ip, proto, port).map(([a, p, n]) => ({ element: `${a},${p}:${n}`, address: a, protocol: p, port: n }));
    case 'hash:ip,port,ip':
      return fc.tuple(ip, proto, port, ip).map(([a, p, n, b]) => ({ element: `${a},${p}:${n},${b}`, address: a, protocol: p, port: n, address2: b }));
    case 'hash:ip,port,net':
      return fc.tuple(ip, proto, port, ip, fc.integer({ min: 1, max: bits })).map(([a, p, n, b, l]) => ({ element: `${a},${p}:${n},${b}/${l}`, address: a, protocol: p, port: n, address2: b, prefix2: l }));
    case 'hash:net':
      return fc.tuple(ip, fc.integer({ min: 1, max: bits })).map(([a, l]) => ({ element: `${a}/${l}`, address: a, prefix: l }));
    case 'bitmap:port':
      return port.map((n) => ({ element: String(n), port: n }));
    default:
      return ip.map((a) => ({ element: a, address: a }));
  }
}

const setArb = fc
  .record({
    name: fc.stringMatching(/^[A-Z][A-Z0-9-]{0,30}$/),
    type: fc.constantFrom('hash:ip,port', 'hash:ip,port,ip', 'hash:ip,port,net', 'hash:ip', 'hash:net', 'bitmap:port'),
    inet6: fc.boolean(),
    timeout: fc.option(fc.nat(100000), { nil: undefined }),
    comment: fc.option(fc.stringMatching(/^[a-zA-Z0-9 ._-]{0,20}$/), { nil: undefined }),
  })
  .chain((s) => fc.record({ set: fc.constant(s), members: fc.array(memberArb(s.type, s.inet6 && s.type !== 'bitmap:port'), { maxLength: 8 }) }));

describe('parseIpset properties', () => {
  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (s) => void parseIpset(s)), { numRuns: 500 });
  });

  it('reads back what ipset save prints for generated sets', () => {
    fc.assert(
      fc.property(fc.uniqueArray(setArb, { selector: (x) => x.set.name, maxLength: 4 }), (sets) => {
        const lines: string[] = [];
        for (const { set, members } of sets) {
          const header = set.type === 'bitmap:port' ? 'range 0-65535' : `family ${set.inet6 ? 'inet6' : 'inet'} hashsize 1024 maxelem 65536`;
          lines.push(`create ${set.name} ${set.type} ${header}${set.timeout !== undefined ? ' timeout 0' : ''}${set.comment !== undefined ? ' comment' : ''}`);
          for (const m of members) {
            lines.push(`add ${set.name} ${m.element}${set.timeout !== undefined ? ` timeout ${set.timeout}` : ''}${set.comment !== undefined ? ` comment "${set.comment}"` : ''}`);
          }
        }
        const d = parseIpset(lines.join('\n'));
        expect(d.malformed).toEqual([]);
        expect([...d.sets.keys()]).toEqual(sets.map((s) => s.set.name));
        for (const { set, members } of sets) {
          const got = d.sets.get(set.name);
          expect(got?.type).toBe(set.type);
          expect(got?.possiblyTruncatedName).toBe(set.name.length === 31);
          expect(got?.members).toHaveLength(members.length);
          members.forEach((m, i) => {
            const g = got?.members[i];
            expect(g).toMatchObject(m);
            expect([g?.timeout, g?.comment, g?.protocol]).toEqual([set.timeout, set.comment, m.protocol]);
          });
        }
      }),
      { numRuns: 300 },
    );
  });
});
