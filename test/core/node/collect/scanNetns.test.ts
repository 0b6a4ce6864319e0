import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSnapshot } from '../../../../core/common/analyze/analyzeSnapshot';
import type { ClusterState, Finding } from '../../../../core/common/model';
import { scanCluster, scanSnapshotData } from '../../../../core/node/collect/scan';
import type { ScanOptions } from '../../../../core/node/collect/scan';
import { startFakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { FakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { NetnsCluster, NetnsNodeSpec } from '../../../helpers/netnsNodes';
import { canUseIpNetns, startNetnsNodes } from '../../../helpers/netnsNodes';
import { toolsRequiredStrictly } from '../../../helpers/requireTool';
import type { ExpectedFinding, FaultScenario } from '../../../helpers/scenario/faultScenarios';
import { baseCluster, faultScenarios } from '../../../helpers/scenario/faultScenarios';
import { nodeIpOf } from '../../../helpers/scenario/clusterBuilder';
import { DEFAULT_CLUSTER_OPTIONS } from '../../../helpers/scenario/clusterModel';
import { renderKubeProxyIptables } from '../../../helpers/scenario/kubeProxyIptables';
import { renderKubeProxyNftables } from '../../../helpers/scenario/kubeProxyNftables';

// The SSH path against simulated nodes: one network namespace per node with that node's
// kube-proxy rules in its real kernel tables (iptables or nftables mode) and a real sshd on its
// veth address. The fixture API server's Node objects carry those addresses, so nothing is
// overridden per node (except sudo for the node that must refuse it).

/** Seconds per command in the mixed test: long for real dumps of a small cluster, short to wait out. */
const MIXED_COMMAND_TIMEOUT_SEC = 3;

const check = canUseIpNetns();
function describeNetns(title: string, body: () => void): void {
  if (check.ok) {
    describe(title, body);
    return;
  }
  if (toolsRequiredStrictly()) {
    describe(title, () => {
      it('can create network namespaces (CI=true makes this a failure)', () => {
        throw new Error(check.reason);
      });
    });
    return;
  }
  console.warn(`[skipped] ${title}: ${check.reason}`);
  describe.skip(`${title} [skipped: ${check.reason}]`, body);
}

/** Processes in the namespace running `comm` (`ip netns pids` lists every process in it). */
function pidsInNetns(netns: string, comm: string): number[] {
  const pids = execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).split('\n').filter((l) => l !== '').map(Number);
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm;
    } catch {
      return false;
    }
  });
}

function keyOf(f: Finding): ExpectedFinding {
  return { check: f.check, node: f.node, service: f.service, port: f.port, endpoint: f.endpoint };
}

/** The state with each Node's InternalIP replaced by its namespace's address. */
function withAddresses(state: ClusterState, cluster: NetnsCluster): ClusterState {
  const copy = structuredClone(state);
  for (const n of copy.nodes) {
    const sim = cluster.nodes.find((x) => x.name === n.metadata.name);
    if (n.status && sim) n.status.addresses = [{ type: 'InternalIP', address: sim.address }, { type: 'Hostname', address: n.metadata.name }];
  }
  return copy;
}

async function setup(specs: NetnsNodeSpec[], state: ClusterState, work: string, knownFor: (name: string) => boolean): Promise<{ cluster: NetnsCluster; api: FakeApiServer; options: ScanOptions }> {
  const cluster = await startNetnsNodes(specs);
  const api = await startFakeApiServer({ cluster: withAddresses(state, cluster) });
  const kubeconfig = join(work, `kubeconfig-${specs.length}`);
  writeFileSync(kubeconfig, api.kubeconfigFor('netns'), { mode: 0o600 });
  const knownHosts = join(work, `known_hosts-${specs.length}`);
  writeFileSync(knownHosts, cluster.nodes.filter((n) => n.knownHostsLine && knownFor(n.name)).map((n) => n.knownHostsLine).join('\n') + '\n');
  const options: ScanOptions = {
    kubeconfig,
    ssh: { knownHostsFiles: [knownHosts], identityFiles: [cluster.clientKey.path], user: cluster.user, agentSocket: null, home: work, readyTimeoutMs: 10_000 },
    commandTimeoutSec: 20,
  };
  return { cluster, api, options };
}

describeNetns('scanCluster over SSH to simulated nodes (one netns + sshd per node)', () => {
  let work: string;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'proxyscope-netns-scan-'));
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('reads every node\'s kernel rules over SSH, iptables and nftables mode alike, and the snapshot analyses to exactly the injected faults', async () => {
    const scenario = faultScenarios().find((s) => s.name === 'stale-sep-after-scale-down') as FaultScenario;
    // worker-2 carries the fault and runs kube-proxy in nftables mode; the others in iptables mode.
    const nftNode = 'worker-2';
    const specs = scenario.nodes.map((n): NetnsNodeSpec => {
      const state = n.state ?? scenario.state;
      if (n.name === nftNode) {
        const nodeIP = nodeIpOf(scenario.state, n.name);
        const nftRules = renderKubeProxyNftables(state, n.name, {
          clusterCIDR: scenario.clusterCIDR,
          nodeIPs: nodeIP ? [nodeIP] : [],
          serviceCIDRs: [DEFAULT_CLUSTER_OPTIONS.serviceCIDR],
          faults: n.faults ?? [],
        });
        return { name: n.name, nftRules };
      }
      return { name: n.name, rules: renderKubeProxyIptables(state, n.name, { comments: true, clusterCIDR: scenario.clusterCIDR, faults: n.faults ?? [] }) };
    });
    expect(specs.map((s) => (s.nftRules ? 'nftables' : 'iptables'))).toEqual(['iptables', 'nftables', 'iptables']);
    const { cluster, api, options } = await setup(specs, scenario.state, work, () => true);
    cleanups.push(() => cluster.stop(), () => api.close());

    const result = await scanCluster({ ...options, parallelism: 3 });
    expect(result.nodes.map((n) => [n.node, n.status])).toEqual(scenario.nodes.map((n) => [n.name, 'ok']));
    for (const [i, n] of result.nodes.entries()) {
      expect(n.address).toBe(`${cluster.nodes[i].address}:22`);
      expect(n.files['ip-addr.txt']).toContain(`inet ${cluster.nodes[i].address}/24`);
      if (n.node === nftNode) {
        // The real kernel's nft listing of kube-proxy's table, not a fixture file.
        expect(JSON.parse(n.files['nft.json'] ?? 'null')).toMatchObject({ nftables: expect.arrayContaining([{ table: expect.objectContaining({ family: 'ip', name: 'kube-proxy' }) }]) });
        expect(n.files['nft.txt']).toMatch(/^table ip kube-proxy \{/m);
        expect(n.files['iptables-save.txt'] ?? '').not.toMatch(/KUBE-SVC-/);
      } else {
        // The real kernel's iptables-save, not a fixture file.
        expect(n.files['iptables-save.txt']).toMatch(/^# Generated by iptables-save v[\d.]+/);
        expect(n.files['nft.txt'] ?? '').not.toMatch(/table ip kube-proxy/);
      }
    }
    const analysis = analyzeSnapshot(scanSnapshotData(result, 'netns'));
    expect(analysis.findings.filter((f) => f.severity !== 'info').map(keyOf)).toEqual(scenario.expected);
  }, 60_000);

  it('classifies 7 nodes with mixed failures: 1 ok + 6 with their own status and message', async () => {
    const state = baseCluster().build();
    const names = ['node-ok', 'node-unknown-key', 'node-auth', 'node-down', 'node-no-tools', 'node-sudo', 'node-hang'];
    const extra = structuredClone(state.nodes[0]);
    const nodes = names.map((name) => ({ ...structuredClone(extra), metadata: { ...extra.metadata, name } }));
    const mixed = { ...state, nodes };
    const rules = renderKubeProxyIptables(state, 'worker-1', { comments: true, clusterCIDR: '10.244.0.0/16' });
    const specs: NetnsNodeSpec[] = [
      { name: 'node-ok', rules },
      { name: 'node-unknown-key', rules },
      { name: 'node-auth', rules, rejectClient: true },
      { name: 'node-down', noSshd: true },
      { name: 'node-no-tools', rules, bareToolset: true },
      // No sudo on this machine, so a stand-in answers as sudo.8 does with -n when a password is needed.
      { name: 'node-sudo', rules, tools: { sudo: 'echo "sudo: a password is required" >&2\nexit 1' } },
      // exec: the sleep itself gets timeout's TERM, so nothing is left running in the namespace.
      { name: 'node-hang', rules, tools: { 'iptables-save': 'exec sleep 600' } },
    ];
    const { cluster, api, options } = await setup(specs, mixed, work, (n) => n !== 'node-unknown-key');
    cleanups.push(() => cluster.stop(), () => api.close());

    const result = await scanCluster({
      ...options,
      ssh: { ...options.ssh, perNode: { 'node-sudo': { sudo: true } } },
      commandTimeoutSec: MIXED_COMMAND_TIMEOUT_SEC,
      parallelism: names.length,
    });
    const byNode = Object.fromEntries(result.nodes.map((n) => [n.node, n]));
    expect(Object.fromEntries(result.nodes.map((n) => [n.node, n.status]))).toEqual({
      'node-ok': 'ok',
      'node-unknown-key': 'host-key-unknown',
      'node-auth': 'auth-failed',
      'node-down': 'unreachable',
      'node-no-tools': 'command-missing',
      'node-sudo': 'sudo-denied',
      'node-hang': 'timeout',
    });
    expect(byNode['node-ok'].message).toMatch(/commands ok \(iptables-save/);
    expect(byNode['node-unknown-key'].message).toMatch(/SHA256:/);
    expect(byNode['node-auth'].message).toMatch(/authentication failed/);
    expect(byNode['node-down'].message).toMatch(/ECONNREFUSED/);
    expect(byNode['node-no-tools'].message).toMatch(/none of iptables-save, nft or ipvsadm could be run/);
    expect(byNode['node-no-tools'].commands.find((c) => c.id === 'iptables-save')).toMatchObject({ status: 'command-missing', exitCode: 127 });
    expect(byNode['node-sudo'].message).toMatch(/iptables-save: sudo-denied \(sudo -n refused: sudo: a password is required\. Allow the command without a password in sudoers, or connect as root\)/);
    // Only the root-only dumps go through sudo; `ip -o addr show` still ran.
    expect(byNode['node-sudo'].commands.find((c) => c.id === 'ip-addr')?.status).toBe('ok');
    expect(byNode['node-hang'].message).toMatch(new RegExp(`iptables-save: timeout \\(still running after ${MIXED_COMMAND_TIMEOUT_SEC}s on the node; stopped by timeout`));
    expect(byNode['node-hang'].commands.find((c) => c.id === 'iptables-save')).toMatchObject({ status: 'timeout', exitCode: 124, saved: false });
    expect(Object.keys(byNode['node-ok'].files)).toContain('iptables-save.txt');
    for (const n of ['node-unknown-key', 'node-auth', 'node-down', 'node-no-tools']) expect(Object.keys(byNode[n].files)).toEqual([]);
    // The hung node's other dumps were still taken, but never the one that hung.
    expect(Object.keys(byNode['node-hang'].files)).not.toContain('iptables-save.txt');
    expect(Object.keys(byNode['node-sudo'].files)).toEqual(['ip-addr.txt']);
    // No hung dump outlives its timeout in the node's namespace.
    expect(pidsInNetns(cluster.nodes[names.indexOf('node-hang')].netns, 'sleep')).toEqual([]);
    expect(result.ok).toBe(false);
  }, 60_000);
});
