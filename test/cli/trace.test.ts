import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceResult } from '../../core/common/trace/traceTypes';
import { clusterBuilder, nodeIpOf, toClusterJson } from '../helpers/scenario/clusterBuilder';
import { renderKubeProxyIptables } from '../helpers/scenario/kubeProxyIptables';
import { writeSnapshotDir } from '../helpers/scenario/snapshotFiles';

// `proxyscope trace`, run as the BUILT command on small snapshots written to a temp dir: an
// iptables node (kube-proxy's rules for a test cluster, with cluster.json), an nftables node
// (the upstream proxier's test table as `nft list ruleset` prints it), an IPVS node and an IPv6
// iptables node (test/fixtures/trace).

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin', 'proxyscope.js');
const FIXTURES = join(ROOT, 'test', 'fixtures');
let tmp: string;
let ipt: string;
let nft: string;
let ipvs: string;
let v6: string;

const b = clusterBuilder().node('n1').node('n2');
b.service('shop/web', { clusterIP: '10.96.0.100', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }).pods('shop/web', 3);
b.service('shop/np', { type: 'NodePort', clusterIP: '10.96.0.101', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] }).pods('shop/np', 2);
b.service('shop/dns', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }).pods('shop/dns', 1);
const state = b.build();
const NODE_IP = nodeIpOf(state, 'n1') as string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, 'trace', ...args], { cwd: tmp, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(r: Run): TraceResult {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as TraceResult;
}

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: ROOT, stdio: 'pipe' });
  tmp = await mkdtemp(join(tmpdir(), 'proxyscope-trace-'));
  ipt = join(tmp, 'ipt');
  writeSnapshotDir(ipt, {
    clusterJson: toClusterJson(state),
    nodes: ['n1', 'n2'].map((n) => ({ name: n, files: { 'iptables-save.txt': renderKubeProxyIptables(state, n, { comments: true, clusterCIDR: b.clusterCIDR }) } })),
  });
  nft = join(tmp, 'nft');
  mkdirSync(join(nft, 'nodes', 'n1'), { recursive: true });
  copyFileSync(join(FIXTURES, 'corpus/nftables/derived-nft-1.0.6-a-list-ruleset-of-k8s-test-overall.nft'), join(nft, 'nodes', 'n1', 'nft.txt'));
  ipvs = join(tmp, 'ipvs');
  mkdirSync(join(ipvs, 'nodes', 'n1'), { recursive: true });
  for (const f of readdirSync(join(FIXTURES, 'trace/ipvs-node'))) {
    if (f.endsWith('.txt')) copyFileSync(join(FIXTURES, 'trace/ipvs-node', f), join(ipvs, 'nodes', 'n1', f));
  }
  v6 = join(tmp, 'v6');
  mkdirSync(join(v6, 'nodes', 'n1'), { recursive: true });
  copyFileSync(join(FIXTURES, 'trace/ipv6-iptables/ip6tables-save.txt'), join(v6, 'nodes', 'n1', 'ip6tables-save.txt'));
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('proxyscope trace', () => {
  it('prints the rules met and each backend of a ClusterIP with its probability', () => {
    const r = run(ipt, '--node', 'n1', '--to', '10.96.0.100:80');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Trace of tcp to 10.96.0.100:80 from any source, node n1 (IPv4)');
    expect(r.stdout).toMatch(/\+ L\d+ +-A KUBE-SERVICES -m comment --comment "shop\/web:http cluster IP" .*-d 10\.96\.0\.100 --dport 80 -j KUBE-SVC-/);
    expect(r.stdout).toMatch(/- L\d+ +-A KUBE-SERVICES .*10\.96\.0\.101/);
    const outcomes = r.stdout.slice(r.stdout.indexOf('  Outcomes'));
    expect(outcomes.match(/33\.3% {2}DNAT -> 10\.244\.\d+\.\d+:8080( \(on this node\))?, masqueraded if source not in 10\.244\.0\.0\/16; or source is 10\.244\.\d+\.\d+/g)).toHaveLength(3);
  });

  it('writes the whole result as JSON with --format json', () => {
    const r = json(run(ipt, '--node', 'n1', '--to', '10.96.0.100:80', '--from', '10.244.1.9', '--format', 'json'));
    const [plane] = r.planes;
    expect(plane.plane).toBe('iptables');
    expect(plane.outcomes.map((o) => o.probability.toFixed(4))).toEqual(['0.3333', '0.3333', '0.3333']);
    expect(plane.outcomes.every((o) => o.kind === 'dnat' && o.masquerade === false && o.when.length === 0)).toBe(true);
    expect(plane.steps.every((s) => typeof s.line === 'number' && typeof s.raw === 'string')).toBe(true);
  });

  it('knows the node address from cluster.json for a NodePort (--dst-type LOCAL)', () => {
    const r = json(run(ipt, '--node', 'n1', '--to', `${NODE_IP}:30080`, '--from', '192.0.2.7', '--format', 'json'));
    expect(r.planes[0].outcomes.map((o) => [o.kind, o.probability, o.masquerade, o.when])).toEqual([
      ['dnat', 0.5, true, []],
      ['dnat', 0.5, true, []],
    ]);
  });

  it.each([['/udp'], ['/UDP']])('reads the protocol after the port (%s)', (suffix) => {
    const r = json(run(ipt, '--node', 'n1', '--to', `10.96.0.10:53${suffix}`, '--format', 'json'));
    expect(r.query.protocol).toBe('udp');
    expect(r.planes[0].outcomes.map((o) => o.kind)).toEqual(['dnat']);
  });

  it('starts at nat OUTPUT for a packet sent by a process on the node (--from-node)', () => {
    const r = json(run(ipt, '--node', 'n1', '--to', '10.96.0.101:80', '--from-node', '--format', 'json'));
    expect(r.query.fromLocalProcess).toBe(true);
    expect(r.planes[0].steps[0]).toMatchObject({ table: 'nat', chain: 'OUTPUT', matched: true });
    expect(r.planes[0].outcomes.map((o) => o.kind)).toEqual(['dnat', 'dnat']);
  });

  it('traces the nftables plane when the node has nft.txt', () => {
    const r = run(nft, '--node', 'n1', '--to', '172.30.0.46:80');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('== nftables (nodes/n1/nft.txt)');
    expect(r.stdout).toMatch(/100% {2}REJECT\n +at nodes\/n1\/nft\.txt:134 reject-chain/);
  });

  it('traces IPVS with weights and draining real servers', () => {
    const r = run(ipvs, '--node', 'n1', '--to', '10.96.100.5:80', '--from', '10.244.1.9');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('== ipvs (nodes/n1/ipvsadm.txt)');
    expect(r.stdout).toMatch(/50\.0% {2}DNAT -> 10\.244\.0\.5:8080\n/);
    expect(r.stdout).toMatch(/0\.0% {2}DNAT -> 10\.244\.2\.7:8080 \(weight 0\) draining/);
  });

  it('takes an IPv6 destination in brackets', () => {
    const r = json(run(v6, '--node', 'n1', '--to', '[fd00:10:96::10]:80/tcp', '--from', 'fd00:10:244:2::9', '--format', 'json'));
    expect(r.family).toBe(6);
    expect(r.planes[0].outcomes.map((o) => `${o.ip}:${o.port}`)).toEqual(['fd00:10:244:1::5:8080', 'fd00:10:244:2::6:8080']);
  });

  it('lists the snapshot nodes when the node is unknown (exit 2)', () => {
    const r = run(ipt, '--node', 'n9', '--to', '10.96.0.100:80');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('proxyscope: error: node "n9" is not in the snapshot; nodes: n1, n2\n');
  });

  it.each([
    { name: 'no --to', args: ['--node', 'n1'], error: /--to IP:PORT\[\/tcp\|udp\|sctp\] is required/ },
    { name: 'no --node', args: ['--to', '10.96.0.100:80'], error: /--node NODE is required/ },
    { name: 'a destination without a port', args: ['--node', 'n1', '--to', '10.96.0.100'], error: /--to must look like IP:PORT/ },
    { name: 'an unbracketed IPv6 destination', args: ['--node', 'n1', '--to', 'fd00::10:80'], error: /--to must look like IP:PORT or \[IPv6\]:PORT/ },
    { name: 'a port out of range', args: ['--node', 'n1', '--to', '10.96.0.100:99999'], error: /port "99999" in --to is not a port number/ },
    { name: 'an unknown protocol', args: ['--node', 'n1', '--to', '10.96.0.100:80/icmp'], error: /unknown protocol "icmp"/ },
    { name: 'a host name', args: ['--node', 'n1', '--to', 'web.shop:80'], error: /"web\.shop" in --to is not an IP address/ },
    { name: 'a bad --from', args: ['--node', 'n1', '--to', '10.96.0.100:80', '--from', 'pod-a'], error: /--from "pod-a" is not an IP address/ },
    { name: 'an unknown --format', args: ['--node', 'n1', '--to', '10.96.0.100:80', '--format', 'html'], error: /unknown --format "html"; use text or json/ },
    { name: 'an unknown option', args: ['--node', 'n1', '--to', '10.96.0.100:80', '--verbose'], error: /Unknown option '--verbose'/ },
  ])('rejects $name with one line and exit 2', ({ args, error }) => {
    const r = run(ipt, ...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(error);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('fails with exit 2 when the node has no dump for the family', () => {
    const r = run(ipt, '--node', 'n1', '--to', '[fd00::10]:80');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no data-plane dump for IPv6/);
  });

  it('prints its help with --help', () => {
    const r = run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: proxyscope trace <snapshot> --node NODE --to IP:PORT[/tcp|udp|sctp]');
  });

  it('is listed in the main help', () => {
    const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(r.stdout).toContain('proxyscope trace <snapshot> --node NODE --to IP:PORT');
  });
});
