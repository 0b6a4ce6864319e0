import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIPv4, isIPv6, isShellEcho, parseIpAddr, splitWords } from '../../../../core/common/parse/ipAddr';
import { describeWithTools } from '../../../helpers/requireTool';

// `ip -o addr show` as iproute2 6.x printed it in a private netns (kube-ipvs0 made a bridge there,
// since the dummy module is not loadable without root; the address lines have the same shape).
const SAMPLE = `$ ip -o addr show
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever
2: kube-ipvs0    inet 10.96.0.1/32 scope global kube-ipvs0\\       valid_lft forever preferred_lft forever
2: kube-ipvs0    inet 10.96.0.10/32 scope global kube-ipvs0\\       valid_lft forever preferred_lft forever
2: kube-ipvs0    inet6 fd00::10/128 scope global nodad \\       valid_lft forever preferred_lft forever
4: eth0    inet 192.168.1.5/24 brd 192.168.1.255 scope global eth0:1\\       valid_lft forever preferred_lft forever
4: eth0    inet 192.168.1.6/24 scope global secondary eth0\\       valid_lft forever preferred_lft forever
4: eth0    inet6 2001:db8::5/64 scope global tentative \\       valid_lft forever preferred_lft forever
`;

describe('parseIpAddr', () => {
  const d = parseIpAddr(SAMPLE);

  it('reads every address line and skips the command echo', () => {
    expect(d.malformed).toEqual([]);
    expect(d.skipped).toBe(1);
    expect(d.addresses).toHaveLength(8);
    expect(d.lineCount).toBe(9);
  });

  it('lists the kube-ipvs0 addresses with family and prefix', () => {
    expect(d.byInterface.get('kube-ipvs0')?.map((a) => [a.family, a.address, a.prefix])).toEqual([
      ['inet', '10.96.0.1', 32],
      ['inet', '10.96.0.10', 32],
      ['inet6', 'fd00::10', 128],
    ]);
  });

  it.each([
    { line: 2, want: { index: 1, ifname: 'lo', family: 'inet', address: '127.0.0.1', prefix: 8, scope: 'host', label: 'lo', flags: [] } },
    { line: 6, want: { index: 2, ifname: 'kube-ipvs0', family: 'inet6', scope: 'global', flags: ['nodad'] } },
    { line: 7, want: { ifname: 'eth0', broadcast: '192.168.1.255', label: 'eth0:1', flags: [] } },
    { line: 8, want: { address: '192.168.1.6', flags: ['secondary'], label: 'eth0' } },
    { line: 9, want: { address: '2001:db8::5', prefix: 64, flags: ['tentative'] } },
  ])('reads the options of line $line', ({ line, want }) => {
    const a = d.addresses.find((x) => x.line === line);
    expect(a).toMatchObject(want);
    expect(a?.raw).toBe(SAMPLE.split('\n')[line - 1]);
  });

  it('reads point-to-point peers, veth @peer names and link lines', () => {
    const x = parseIpAddr('5: tun0    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0\\ x\n6: veth1@if5    inet 10.244.0.1/24 scope global veth1\n7: eth1@if8: <BROADCAST,MULTICAST> mtu 1500 qdisc noop\\    link/ether 00:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff');
    expect(x.malformed).toEqual([]);
    expect(x.addresses[0]).toMatchObject({ address: '10.8.0.1', peer: '10.8.0.2/32', prefix: 32, label: 'tun0' });
    expect(x.addresses[1]).toMatchObject({ ifname: 'veth1', label: 'veth1' });
    expect(x.links).toEqual([expect.objectContaining({ index: 7, ifname: 'eth1', line: 3 })]);
  });

  it.each([
    { text: '2: kube-ipvs0    link 10.0.0.1/32', reason: 'unknown address family "link"' },
    { text: '2: kube-ipvs0    inet 10.0.0/32', reason: 'is not an inet address' },
    { text: '2: kube-ipvs0    inet 10.0.0.1/x', reason: 'bad prefix length' },
    { text: 'garbage', reason: 'not `ip -o addr` output' },
  ])('reports "$text" as malformed ($reason)', ({ text, reason }) => {
    expect(parseIpAddr(text).malformed.map((m) => m.reason)).toEqual([expect.stringContaining(reason)]);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void parseIpAddr(s)), { numRuns: 500 });
  });
});

describe('shared capture helpers', () => {
  it.each([
    ['10.96.0.1', true], ['255.255.255.255', true], ['256.1.1.1', false], ['1.2.3', false], ['1.2.3.4.5', false], ['01234.1.1.1', false], ['a.b.c.d', false], ['', false],
  ] as const)('isIPv4(%s) is %s', (s, want) => expect(isIPv4(s)).toBe(want));

  it.each([['fd00::1', true], ['::ffff:10.0.0.1', true], ['::', true], ['ip-10-0-62-121.ec2.internal', false], ['fd00::g', false], ['1', false]] as const)(
    'isIPv6(%s) is %s',
    (s, want) => expect(isIPv6(s)).toBe(want),
  );

  it('splits on runs of spaces and tabs', () => {
    expect(splitWords('  TCP \t 10.0.0.1:80  rr ')).toEqual(['TCP', '10.0.0.1:80', 'rr']);
  });

  it.each(['$ ipset list', '# conntrack -L', '[root@n ~]# x', 'me@host:~/dir$ y', '[sudo] password for me:', 'sudo /usr/sbin/ipset save', 'ipset list'])(
    'treats "%s" as a shell prompt or command echo',
    (line) => expect(isShellEcho(line, ['ipset'])).toBe(true),
  );

  it.each(['10.96.0.10,udp:53', 'Name: KUBE-CLUSTER-IP', 'tcp      6 1 src=1.1.1.1', '[NEW] tcp 6'])('does not treat "%s" as a prompt', (line) =>
    expect(isShellEcho(line, ['ipset'])).toBe(false),
  );
});

// ---- real `ip -o addr show` in a private network namespace ----

function ipAddrInNetns(): string {
  const script = [
    'set -e',
    'ip link set lo up',
    // kube-proxy makes kube-ipvs0 a dummy; the dummy module cannot be loaded without root, a bridge can be created.
    'ip link add kube-ipvs0 type bridge',
    'ip addr add 10.96.0.1/32 dev kube-ipvs0',
    'ip addr add 10.96.0.10/32 dev kube-ipvs0',
    'ip -6 addr add fd00:10:96::1/128 dev kube-ipvs0 nodad',
    'ip -o addr show',
  ].join('\n');
  return execFileSync('unshare', ['-rn', 'sh', '-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describeWithTools(['ip', 'netns'], 'parseIpAddr on real ip -o addr show output (private network namespace)', () => {
  it('lists the addresses bound to kube-ipvs0', () => {
    const d = parseIpAddr(ipAddrInNetns());
    expect(d.malformed).toEqual([]);
    expect(d.byInterface.get('kube-ipvs0')?.map((a) => `${a.address}/${a.prefix}`)).toEqual(['10.96.0.1/32', '10.96.0.10/32', 'fd00:10:96::1/128']);
    expect(d.byInterface.get('lo')?.map((a) => a.address)).toEqual(['127.0.0.1', '::1']);
  });
});
