import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConntrackDump, ConntrackEntry, ConntrackTuple } from '../../../../core/common/model/conntrack';
import { conntrackDetail, conntrackFields, parseConntrack } from '../../../../core/common/parse/conntrack';
import { describeWithTools } from '../../../helpers/requireTool';

const corpus = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/corpus/conntrack');
const load = (file: string): ConntrackDump => parseConntrack(readFileSync(join(corpus, file), 'utf8'));

interface CorpusCase {
  file: string;
  entryLines: number[];
  summaries: number;
  skipped: number;
  malformedLines: number[];
  events: boolean;
  unsupportedLines: number;
}

// Every file of test/fixtures/corpus/conntrack with its exact counts.
const corpusCases: CorpusCase[] = [
  { file: 'k8s-issue-101607-kind-stale-unreplied.txt', entryLines: [1, 2], summaries: 0, skipped: 0, malformedLines: [], events: false, unsupportedLines: 0 },
  { file: 'k8s-issue-126130-gke-udp-clusterip-conntrack.txt', entryLines: [1, 6, 7], summaries: 0, skipped: 0, malformedLines: [2, 3, 4, 5], events: false, unsupportedLines: 0 },
  { file: 'k8s-issue-129617-conntrack-L-acct-delta-time.txt', entryLines: [2, 3, 4], summaries: 0, skipped: 1, malformedLines: [], events: false, unsupportedLines: 0 },
  { file: 'k8s-issue-38802-conntrack-L-close-wait.txt', entryLines: [2, 3, 4, 5, 6, 7, 8], summaries: 0, skipped: 1, malformedLines: [], events: false, unsupportedLines: 0 },
  { file: 'k8s-issue-91216-ci-conntrack-dns-time-wait.txt', entryLines: [1, 2, 3, 4, 5], summaries: 0, skipped: 0, malformedLines: [], events: false, unsupportedLines: 0 },
  { file: 'ovn-k-pr-2829-conntrack-E-sctp-zones.txt', entryLines: [2, 3, 4, 5], summaries: 0, skipped: 1, malformedLines: [], events: true, unsupportedLines: 0 },
  { file: 'real-kthw-nginx-conntrack-L.txt', entryLines: [5, 8], summaries: 1, skipped: 5, malformedLines: [], events: false, unsupportedLines: 0 },
  { file: 'weave-scope-issue-1408-conntrack-E-o-xml.txt', entryLines: [], summaries: 0, skipped: 1, malformedLines: [], events: false, unsupportedLines: 1 },
];

describe('parseConntrack on the corpus', () => {
  it.each(corpusCases)('reads $file with exact entry counts', (c) => {
    const d = load(c.file);
    expect(d.entries.map((e) => e.line)).toEqual(c.entryLines);
    expect(d.summaries).toHaveLength(c.summaries);
    expect(d.skipped).toBe(c.skipped);
    expect(d.malformed.map((m) => m.line)).toEqual(c.malformedLines);
    expect(d.events).toBe(c.events);
    expect(d.extended).toBe(false);
    expect(d.unsupportedLines).toBe(c.unsupportedLines);
  });

  it.each(corpusCases)('keeps the raw text of every record in $file', (c) => {
    const lines = readFileSync(join(corpus, c.file), 'utf8').split('\n');
    const d = load(c.file);
    for (const x of [...d.entries, ...d.summaries, ...d.malformed]) expect(lines[x.line - 1]).toBe(x.raw);
  });

  it('tells a DNATed stale TCP entry from a UDP entry that was never DNATed', () => {
    const [tcp, udp] = load('k8s-issue-101607-kind-stale-unreplied.txt').entries;
    expect(tcp).toMatchObject({
      origSrc: '172.18.0.1', origDst: '10.10.10.10', origSport: 60000, origDport: 80,
      replySrc: '10.244.2.3', replyDst: '172.18.0.2', replySport: 80, replyDport: 45815,
    });
    expect(conntrackDetail(tcp)).toMatchObject({
      protocol: 'tcp', protoNum: 6, timeout: 119, state: 'SYN_SENT', unreplied: true, assured: false, mark: 0, use: 1,
      original: { src: '172.18.0.1', dst: '10.10.10.10', sport: 60000, dport: 80 },
      reply: { src: '10.244.2.3', dst: '172.18.0.2', sport: 80, dport: 45815 },
    });
    expect(udp.state).toBeUndefined();
    expect(udp.replySrc).toBe(udp.origDst);
  });

  it('reads tab-indented entries inside kube-proxy log output blocks', () => {
    const d = load('k8s-issue-126130-gke-udp-clusterip-conntrack.txt');
    expect(conntrackDetail(d.entries[1])).toMatchObject({ timeout: 23, original: { src: '10.11.4.30', dst: '10.12.201.0', dport: 8125 }, reply: { src: '10.11.4.22' } });
    expect(d.malformed[0].reason).toBe('not a conntrack entry');
  });

  it('reads per-direction counters and delta-time, keeping repeated keys in order', () => {
    const entry = load('k8s-issue-129617-conntrack-L-acct-delta-time.txt').entries[0];
    const e = conntrackDetail(entry);
    expect(e.original).toMatchObject({ packets: 1, bytes: 80 });
    expect(e.reply).toMatchObject({ packets: 1, bytes: 176 });
    expect(e.deltaTime).toBe(27);
    const fields = conntrackFields(entry);
    expect(fields.filter((_, i) => i % 2 === 0)).toEqual(['src', 'dst', 'sport', 'dport', 'packets', 'bytes', 'src', 'dst', 'sport', 'dport', 'packets', 'bytes', 'mark', 'delta-time', 'use']);
    expect(fields.slice(0, 4)).toEqual(['src', '10.128.0.103', 'dst', '169.254.169.254']);
  });

  it('reads TCP state words and [ASSURED]', () => {
    const d = load('k8s-issue-38802-conntrack-L-close-wait.txt');
    expect(d.entries.map((e) => e.state)).toEqual(['CLOSE_WAIT', 'CLOSE_WAIT', 'ESTABLISHED', 'CLOSE_WAIT', 'CLOSE_WAIT', 'ESTABLISHED', 'ESTABLISHED']);
    expect(d.entries.every((e) => e.assured && !e.unreplied)).toBe(true);
  });

  it('maps DNS flows to the Service VIP and the endpoints that answered', () => {
    const d = load('k8s-issue-91216-ci-conntrack-dns-time-wait.txt');
    const toVip = d.entries.filter((e) => e.origDst === '10.0.0.10' && e.origDport === 53);
    expect(toVip.map((e) => e.replySrc)).toEqual(['10.64.1.6', '10.64.1.6', '10.64.2.4', '10.64.1.6']);
  });

  it('reads -E events with SCTP and zones, padded or not', () => {
    const d = load('ovn-k-pr-2829-conntrack-E-sctp-zones.txt');
    expect(d.entries.map((e) => [e.event, e.protocol, e.protoNum, e.timeout, e.state, e.zone])).toEqual([
      ['NEW', 'sctp', 132, 3, undefined, undefined],
      ['NEW', 'sctp', 132, 3, undefined, 64001],
      ['NEW', 'sctp', 132, 3, undefined, 12],
      ['NEW', 'sctp', 132, 3, undefined, undefined],
    ]);
  });

  it('records the stderr summary line as a summary, not as malformed', () => {
    const d = load('real-kthw-nginx-conntrack-L.txt');
    expect(d.summaries[0]).toMatchObject({ line: 7, version: '1.4.4', count: 4, action: 'shown' });
    expect(conntrackDetail(d.entries[0])).toMatchObject({ original: { dst: '10.32.0.251', dport: 80 }, reply: { src: '10.64.2.4', sport: 80 } });
  });

  it('reports -o xml output as unsupported', () => {
    const d = load('weave-scope-issue-1408-conntrack-E-o-xml.txt');
    expect(d.problem).toContain('-o xml');
    expect(d.entries).toEqual([]);
  });
});

describe('parseConntrack on the other documented layouts', () => {
  it.each([
    {
      name: '-o extended with ICMP (tuple id) and the conntrack id (-o id)',
      line: 'ipv4     2 icmp     1 29 src=10.0.0.3 dst=10.96.0.5 type=8 code=0 id=77 [UNREPLIED] src=10.96.0.5 dst=10.0.0.3 type=0 code=0 id=77 mark=0 zone=3 use=1 id=2886327413',
      want: { l3: 'ipv4', l3Num: 2, protocol: 'icmp', original: { icmpType: 8, icmpCode: 0, icmpId: 77 }, reply: { icmpType: 0, icmpId: 77 }, zone: 3, id: 2886327413 },
    },
    {
      name: 'an -E -o timestamp DESTROY event with directional zones, secctx, ktimestamps, helper and labels',
      line: '[1700000000.123456]\t [DESTROY] tcp      6 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 zone-orig=4 packets=3 bytes=180 src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1 zone-reply=5 packets=2 bytes=100 [ASSURED] mark=0 secctx=system_u:object_r:unlabeled_t:s0 delta-time=3 [start=Thu Jan  1 00:00:00 2024] [stop=Thu Jan  1 00:00:03 2024] helper=ftp use=1 labels=a,b',
      want: {
        event: 'DESTROY', eventTime: '1700000000.123456', original: { zone: 4, packets: 3 }, reply: { zone: 5, bytes: 100 }, assured: true,
        secctx: 'system_u:object_r:unlabeled_t:s0', start: 'Thu Jan  1 00:00:00 2024', stop: 'Thu Jan  1 00:00:03 2024', helper: 'ftp', labels: ['a', 'b'],
      },
    },
    {
      name: 'GRE keys and [OFFLOAD]',
      line: 'gre      47 29 src=10.0.0.9 dst=10.0.0.8 srckey=0x1 dstkey=0x2 src=10.0.0.8 dst=10.0.0.9 srckey=0x2 dstkey=0x1 [OFFLOAD] mark=0 use=1',
      want: { protocol: 'gre', original: { srcKey: '0x1', dstKey: '0x2' }, offload: true, assured: false },
    },
    {
      name: 'an unknown protocol number without ports',
      line: 'unknown  50 29 src=10.0.0.9 dst=10.0.0.7 [UNREPLIED] src=10.0.0.7 dst=10.0.0.9 mark=0 use=1',
      want: { protocol: 'unknown', protoNum: 50, original: { src: '10.0.0.9', dst: '10.0.0.7' }, unreplied: true },
    },
    {
      name: 'IPv6 and [HW_OFFLOAD]',
      line: 'ipv6     10 tcp      6 431999 ESTABLISHED src=fd00::1 dst=fd00:10:96::1 sport=40000 dport=443 src=fd00:10:244::5 dst=fd00::1 sport=6443 dport=40000 [HW_OFFLOAD] mark=0 secmark=7 use=2',
      want: { l3: 'ipv6', l3Num: 10, original: { dst: 'fd00:10:96::1' }, reply: { src: 'fd00:10:244::5', sport: 6443 }, hwOffload: true, secmark: 7, use: 2 },
    },
  ])('reads $name', ({ line, want }) => {
    const d = parseConntrack(line);
    expect(d.malformed).toEqual([]);
    expect(conntrackDetail(d.entries[0])).toMatchObject(want);
  });

  it.each([
    { text: 'tcp 6 10 ESTABLISHED sport=1', reason: 'without an original' },
    { text: 'I0815 12:15:14.624545       1 cleanup.go:63] "Deleting"', reason: 'not a conntrack entry' },
    { text: 'tcp      6 10 [start=unterminated', reason: 'without an original' },
  ])('reports "$text" as malformed ($reason) and goes on', ({ text, reason }) => {
    const d = parseConntrack(`${text}\nudp      17 29 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 use=1\n`);
    expect(d.malformed.map((m) => m.reason)).toEqual([expect.stringContaining(reason)]);
    expect(d.entries).toHaveLength(1);
  });

  it.each([
    { name: 'tabs between tokens', line: 'udp\t17\t29\tsrc=10.0.0.1\tdst=10.96.0.10\tsport=1234\tdport=53\t[UNREPLIED]\tsrc=10.96.0.10\tdst=10.0.0.1\tsport=53\tdport=1234\tmark=0\tuse=1' },
    { name: 'runs of blanks and CRLF', line: '  udp  17   29 src=10.0.0.1  dst=10.96.0.10 \t sport=1234 dport=53 [UNREPLIED]  src=10.96.0.10 dst=10.0.0.1 sport=53 dport=1234 mark=0 use=1\r' },
  ])('reads an entry with $name', ({ line }) => {
    const d = parseConntrack(`${line}\n`);
    expect(d.malformed).toEqual([]);
    expect(d.entries[0]).toMatchObject({
      protocol: 'udp', protoNum: 17, timeout: 29, unreplied: true, mark: 0,
      origSrc: '10.0.0.1', origDst: '10.96.0.10', origSport: 1234, origDport: 53, replySrc: '10.96.0.10', replyDst: '10.0.0.1', replySport: 53, replyDport: 1234,
    });
    expect(conntrackFields(d.entries[0]).filter((_, i) => i % 2 === 0)).toEqual(['src', 'dst', 'sport', 'dport', 'src', 'dst', 'sport', 'dport', 'mark', 'use']);
  });

  it('reuses the original address strings for the swapped reply addresses', () => {
    const [e] = parseConntrack('udp      17 29 src=10.0.0.1 dst=10.96.0.10 sport=1 dport=53 src=10.96.0.10 dst=10.0.0.1 sport=53 dport=1 use=1').entries;
    expect([e.replySrc, e.replyDst]).toEqual([e.origDst, e.origSrc]);
  });

  it('keeps reading after long stretches without blanks, `=` or `]`', () => {
    const junk = Array.from({ length: 300 }, () => 'x'.repeat(2000)).join('\n');
    const d = parseConntrack(`${junk}\ntcp 6 5 ESTABLISHED src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1 [ASSURED] use=1\n[NEW`);
    expect(d.malformed).toHaveLength(301);
    expect(d.entries.map((e) => [e.line, e.state, e.assured])).toEqual([[301, 'ESTABLISHED', true]]);
  });

  it('gives the details of an entry whose raw text is no conntrack line from its own fields', () => {
    const e = { line: 3, raw: 'edited', protocol: 'udp', protoNum: 17, origSrc: '10.0.0.1', origDst: '10.96.0.10', origDport: 53, replySrc: '10.244.1.5', replyDst: '10.0.0.1', unreplied: false, assured: false };
    expect(conntrackDetail(e)).toMatchObject({ ...e, original: { src: '10.0.0.1', dst: '10.96.0.10', dport: 53 }, reply: { src: '10.244.1.5', dst: '10.0.0.1' }, fields: [], flags: [] });
  });

  it('reads conntrack-tools error messages as summaries without a count', () => {
    const d = parseConntrack('conntrack v1.4.7 (conntrack-tools): Operation failed: invalid parameters');
    expect(d.summaries[0]).toMatchObject({ count: null, action: null, message: 'Operation failed: invalid parameters' });
  });
});

// ---- real conntrack in a private network namespace ----

// Entries created with conntrack -I (ClusterIP DNS over UDP, kubernetes API over TCP, ICMP, SCTP,
// IPv6, an unknown protocol, ICMPv6, a zone), listed with -L and -L -o extended,id (stderr merged, as captured).
const INSERTS = [
  '-p udp -s 10.0.0.1 -d 10.96.0.10 --sport 1234 --dport 53 -t 30 --reply-src 10.244.1.5 --reply-dst 10.0.0.1 --reply-port-src 53 --reply-port-dst 1234',
  '-p tcp -s 10.0.0.2 -d 10.96.0.1 --sport 40000 --dport 443 -t 300 --state ESTABLISHED --reply-src 192.168.0.1 --reply-dst 10.0.0.2 --reply-port-src 6443 --reply-port-dst 40000 -u ASSURED -m 16384',
  '-p icmp -s 10.0.0.3 -d 10.96.0.5 --icmp-type 8 --icmp-code 0 --icmp-id 77 -t 30',
  '-p sctp -s 10.0.0.4 -d 10.96.0.6 --sport 5000 --dport 5001 -t 30 --state ESTABLISHED --orig-vtag 1 --reply-vtag 2 --reply-src 10.96.0.6 --reply-dst 10.0.0.4 --reply-port-src 5001 --reply-port-dst 5000',
  '-p tcp -s fd00::1 -d fd00::2 --sport 1 --dport 2 -t 30 --state SYN_SENT --reply-src fd00::2 --reply-dst fd00::1 --reply-port-src 2 --reply-port-dst 1',
  '-p 50 -s 10.0.0.9 -d 10.0.0.7 -t 30 --reply-src 10.0.0.7 --reply-dst 10.0.0.9',
  '-p icmpv6 -s fd00::1 -d fd00::3 --icmpv6-type 128 --icmpv6-code 0 --icmpv6-id 5 -t 30',
  '-p udp -s 10.0.0.1 -d 10.96.0.10 --sport 1235 --dport 53 -t 30 --reply-src 10.244.1.6 --reply-dst 10.0.0.1 --reply-port-src 53 --reply-port-dst 1235 -w 7',
];

function conntrackInNetns(): { list: string; extended: string } {
  const script = [
    'set -e',
    // Each argument is one whole conntrack -I option string, split by the shell on purpose.
    'for a in "$@"; do conntrack -I $a 2>/dev/null; done',
    'conntrack -L 2>&1',
    'echo ===EXT===',
    'conntrack -L -o extended,id 2>&1',
  ].join('\n');
  const out = execFileSync('unshare', ['-rn', 'sh', '-c', script, 'sh', ...INSERTS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [list, extended] = out.split('===EXT===\n');
  return { list, extended };
}

const byOrigDst = (d: ConntrackDump, dst: string, sport?: number): ConntrackEntry | undefined =>
  d.entries.find((e) => e.origDst === dst && (sport === undefined || e.origSport === sport));

describeWithTools(['conntrack', 'netns'], 'parseConntrack on real conntrack -L output (private network namespace)', () => {
  const { list, extended } = conntrackInNetns();

  it.each([
    { name: 'conntrack -L', text: () => list, ext: false },
    { name: 'conntrack -L -o extended,id', text: () => extended, ext: true },
  ])('reads every entry of $name and its summary line', ({ text, ext }) => {
    const d = parseConntrack(text());
    expect(d.malformed).toEqual([]);
    expect(d.entries).toHaveLength(INSERTS.length);
    expect(d.summaries).toHaveLength(1);
    expect(d.summaries[0]).toMatchObject({ count: INSERTS.length, action: 'shown' });
    expect(d.extended).toBe(ext);
    expect(d.entries.map(conntrackDetail).every((e) => (ext ? typeof e.id === 'number' && e.l3 !== undefined : e.id === undefined))).toBe(true);
  });

  it.each([
    { name: 'the UDP DNS flow to the ClusterIP', dst: '10.96.0.10', sport: 1234, want: { protocol: 'udp', unreplied: true, original: { dport: 53 }, reply: { src: '10.244.1.5', sport: 53 } } },
    { name: 'the TCP flow with state, ASSURED and mark', dst: '10.96.0.1', want: { state: 'ESTABLISHED', assured: true, mark: 16384, reply: { src: '192.168.0.1', sport: 6443 } } },
    { name: 'the ICMP echo', dst: '10.96.0.5', want: { protocol: 'icmp', original: { icmpType: 8, icmpCode: 0, icmpId: 77 }, reply: { icmpType: 0, icmpId: 77 } } },
    { name: 'the SCTP flow with its state', dst: '10.96.0.6', want: { protocol: 'sctp', protoNum: 132, state: 'ESTABLISHED', original: { sport: 5000, dport: 5001 } } },
    { name: 'the IPv6 TCP flow', dst: 'fd00::2', want: { state: 'SYN_SENT', reply: { src: 'fd00::2' } } },
    { name: 'the unknown protocol', dst: '10.0.0.7', want: { protocol: 'unknown', protoNum: 50 } },
    { name: 'the ICMPv6 echo', dst: 'fd00::3', want: { protocol: 'icmpv6', protoNum: 58, original: { icmpType: 128, icmpId: 5 }, reply: { icmpType: 129, icmpId: 5 } } },
    { name: 'the flow in zone 7', dst: '10.96.0.10', sport: 1235, want: { zone: 7, reply: { src: '10.244.1.6' } } },
  ])('reads $name', ({ dst, sport, want }) => {
    for (const text of [list, extended]) {
      const e = byOrigDst(parseConntrack(text), dst, sport);
      expect(e && conntrackDetail(e)).toMatchObject(want);
    }
  });
});

// ---- properties ----

interface GenEntry {
  l3: boolean;
  event?: 'NEW' | 'UPDATE' | 'DESTROY';
  proto: { name: string; num: number };
  timeout?: number;
  state?: string;
  original: ConntrackTuple;
  reply: ConntrackTuple;
  unreplied: boolean;
  assured: boolean;
  mark?: number;
  zone?: number;
  deltaTime?: number;
  use: number;
  id?: number;
}

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const protoArb = fc.constantFrom({ name: 'tcp', num: 6 }, { name: 'udp', num: 17 }, { name: 'icmp', num: 1 }, { name: 'sctp', num: 132 }, { name: 'unknown', num: 50 }, { name: 'udplite', num: 136 });

function tupleArb(proto: number, acct: boolean): fc.Arbitrary<ConntrackTuple> {
  return fc.record({ src: ipv4, dst: ipv4, a: fc.nat(65535), b: fc.nat(65535), c: fc.nat(255), p: fc.nat(1e9), y: fc.nat(1e12) }).map(({ src, dst, a, b, c, p, y }) => {
    const t: ConntrackTuple = { src, dst };
    if (proto === 1) Object.assign(t, { icmpType: c, icmpCode: c % 16, icmpId: a });
    else if (proto !== 50) Object.assign(t, { sport: a, dport: b });
    if (acct) Object.assign(t, { packets: p, bytes: y });
    return t;
  });
}

const entryArb: fc.Arbitrary<GenEntry> = fc.record({ proto: protoArb, acct: fc.boolean() }).chain(({ proto, acct }) =>
  fc.record({
    l3: fc.boolean(),
    event: fc.option(fc.constantFrom('NEW' as const, 'UPDATE' as const, 'DESTROY' as const), { nil: undefined }),
    proto: fc.constant(proto),
    timeout: fc.option(fc.nat(432000), { nil: undefined }),
    state: proto.num === 6 || proto.num === 132 ? fc.constantFrom('ESTABLISHED', 'TIME_WAIT', 'SYN_SENT', 'CLOSE_WAIT') : fc.constant(undefined),
    original: tupleArb(proto.num, acct),
    reply: tupleArb(proto.num, acct),
    unreplied: fc.boolean(),
    assured: fc.boolean(),
    mark: fc.option(fc.nat(0xffffffff), { nil: undefined }),
    zone: fc.option(fc.nat(65535), { nil: undefined }),
    deltaTime: fc.option(fc.nat(1e6), { nil: undefined }),
    use: fc.nat(9),
    id: fc.option(fc.nat(0xffffffff), { nil: undefined }),
  }),
);

/** Prints one entry the way __snprintf_conntrack_default does. */
function printTuple(t: ConntrackTuple): string {
  let s = `src=${t.src} dst=${t.dst} `;
  if (t.sport !== undefined) s += `sport=${t.sport} dport=${t.dport} `;
  if (t.icmpType !== undefined) s += `type=${t.icmpType} code=${t.icmpCode} id=${t.icmpId} `;
  if (t.packets !== undefined) s += `packets=${t.packets} bytes=${t.bytes} `;
  return s;
}

function printEntry(e: GenEntry): string {
  let s = e.event ? `${`[${e.event}]`.padStart(9)} ` : '';
  if (e.l3) s += `${'ipv4'.padEnd(8)} 2 `;
  s += `${e.proto.name.padEnd(8)} ${e.proto.num} `;
  if (e.timeout !== undefined) s += `${e.timeout} `;
  if (e.state) s += `${e.state} `;
  s += printTuple(e.original);
  if (e.unreplied) s += '[UNREPLIED] ';
  s += printTuple(e.reply);
  if (e.assured) s += '[ASSURED] ';
  if (e.mark !== undefined) s += `mark=${e.mark} `;
  if (e.zone !== undefined) s += `zone=${e.zone} `;
  if (e.deltaTime !== undefined) s += `delta-time=${e.deltaTime} `;
  s += `use=${e.use} `;
  if (e.id !== undefined) s += `id=${e.id} `;
  return s.slice(0, -1);
}

describe('parseConntrack properties', () => {
  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (s) => void parseConntrack(s)), { numRuns: 500 });
  });

  it('never throws on lines built from conntrack tokens', () => {
    const words = ['tcp', '6', 'udp', '17', 'ipv4', '2', '[NEW]', '[UNREPLIED]', '[ASSURED]', '[start=x y]', 'src=1.2.3.4', 'dst=5.6.7.8', 'sport=1', 'id=3', 'type=8', 'use=1', 'ESTABLISHED', '=', '[', ']', 'conntrack', '<flow>'];
    const line = fc.array(fc.constantFrom(...words), { maxLength: 14 }).map((w) => w.join(' '));
    fc.assert(fc.property(fc.array(line, { maxLength: 20 }), (lines) => {
      const d = parseConntrack(lines.join('\n'));
      for (const x of [...d.entries, ...d.malformed, ...d.summaries]) expect(lines[x.line - 1]).toBe(x.raw);
    }), { numRuns: 500 });
  });

  it('reads back what conntrack prints for generated entries', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { minLength: 1, maxLength: 10 }), (gen) => {
        const d = parseConntrack(gen.map(printEntry).join('\n'));
        expect(d.malformed).toEqual([]);
        expect(d.entries).toHaveLength(gen.length);
        gen.forEach((g, i) => {
          const e = conntrackDetail(d.entries[i]);
          expect(e.original).toEqual(expect.objectContaining(g.original));
          expect(e.reply).toEqual(expect.objectContaining(g.reply));
          expect([e.protocol, e.protoNum, e.l3, e.event, e.timeout, e.state]).toEqual([g.proto.name, g.proto.num, g.l3 ? 'ipv4' : undefined, g.event, g.timeout, g.state]);
          expect([e.unreplied, e.assured, e.mark, e.zone, e.deltaTime, e.use, e.id]).toEqual([g.unreplied, g.assured, g.mark, g.zone, g.deltaTime, g.use, g.id]);
          expect(e.fields.length % 2).toBe(0);
          // The eager fields the checks read agree with the full re-read of the line.
          expect([e.origSrc, e.origDst, e.origSport, e.origDport]).toEqual([e.original.src, e.original.dst, e.original.sport, e.original.dport]);
          expect([e.replySrc, e.replyDst, e.replySport, e.replyDport]).toEqual([e.reply?.src, e.reply?.dst, e.reply?.sport, e.reply?.dport]);
        });
      }),
      { numRuns: 300 },
    );
  });
});
