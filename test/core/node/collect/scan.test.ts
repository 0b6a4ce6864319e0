import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { analyzeSnapshot } from '../../../../core/common/analyze/analyzeSnapshot';
import type { Finding } from '../../../../core/common/model';
import { scanCluster, writeScanSnapshot } from '../../../../core/node/collect/scan';
import type { ScanEvent, ScanOptions } from '../../../../core/node/collect/scan';
import { loadSnapshot } from '../../../../core/node/snapshot/loadSnapshot';
import { startFakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { FakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import { describeWithTools } from '../../../helpers/requireTool';
import type { ExpectedFinding, FaultScenario } from '../../../helpers/scenario/faultScenarios';
import { faultScenarios } from '../../../helpers/scenario/faultScenarios';
import { renderKubeProxyIptables } from '../../../helpers/scenario/kubeProxyIptables';
import { waitUntilGone, waitUntilRunning } from '../../../helpers/sshd/processes';
import { generateKey, opensshFingerprint, startSshd } from '../../../helpers/sshd/sshdServer';
import type { KeyPair, SshdServer } from '../../../helpers/sshd/sshdServer';
import { onLoopback } from '../../../helpers/apiTestKit';

// `scanCluster` end to end: the fixture API server serves a 3-node cluster whose Nodes all have
// InternalIP 127.0.0.1, and per-node port overrides point each node at its own real sshd whose
// fake iptables-save prints that node's kube-proxy rules (worker-2 missed a scale-down: a stale
// backend). The snapshot the scan writes must analyse to exactly that fault.

const SCENARIO = 'stale-sep-after-scale-down';
const SLEEP_MARKER = 'sleep 31.25';

/** The scenario's state with every Node's addresses replaced by loopback. */

function keyOf(f: Finding): ExpectedFinding {
  return { check: f.check, node: f.node, service: f.service, port: f.port, endpoint: f.endpoint };
}

async function closedPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

describeWithTools(['sshd', 'ssh-keygen', 'pgrep', 'timeout'], 'scanCluster over real sshd nodes', () => {
  let work: string;
  let api: FakeApiServer;
  let kubeconfig: string;
  let scenario: FaultScenario;
  let key: KeyPair;
  const servers = new Map<string, SshdServer>();
  let names: string[];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'proxyscope-scan-'));
    scenario = faultScenarios().find((s) => s.name === SCENARIO) as FaultScenario;
    const state = onLoopback(scenario.state);
    names = scenario.nodes.map((n) => n.name);
    api = await startFakeApiServer({ cluster: state });
    kubeconfig = join(work, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfigFor('scan-test'), { mode: 0o600 });
    key = await generateKey(work, 'scan_client');
    const started = await Promise.all(names.map(() => startSshd()));
    scenario.nodes.forEach((n, i) => {
      const server = started[i];
      servers.set(n.name, server);
      server.authorize(key.publicLine);
      const rules = renderKubeProxyIptables(n.state ?? state, n.name, { comments: true, clusterCIDR: scenario.clusterCIDR, faults: n.faults ?? [] });
      const rulesFile = join(server.dir, 'rules.txt');
      writeFileSync(rulesFile, rules);
      server.setScript('iptables-save', `cat '${rulesFile}'`);
      server.setScript('ip', `echo '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever'`);
      server.setScript('curl', 'case "$4" in */proxyMode) echo iptables;; */healthz) echo \'{"lastUpdated":"2026-01-01T00:00:00Z"}\';; *) echo "# metrics";; esac');
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    await api?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function options(knownFor: string[], perNodePort: Record<string, number>, extra: Partial<ScanOptions> = {}): ScanOptions {
    const knownHosts = join(work, `known_hosts-${knownFor.join('-') || 'none'}`);
    writeFileSync(knownHosts, knownFor.map((n) => servers.get(n)?.knownHostsLine ?? '').join('\n') + '\n');
    return {
      kubeconfig,
      nodes: 'all',
      ssh: {
        knownHostsFiles: [knownHosts],
        identityFiles: [key.path],
        agentSocket: null,
        home: work,
        readyTimeoutMs: 10_000,
        perNode: Object.fromEntries(Object.entries(perNodePort).map(([n, port]) => [n, { port }])),
      },
      commandTimeoutSec: 20,
      ...extra,
    };
  }

  const ports = (): Record<string, number> => Object.fromEntries(names.map((n) => [n, servers.get(n)?.port ?? 0]));

  it('scans every node over SSH and the snapshot it writes analyses to exactly the injected fault', async () => {
    const events: ScanEvent[] = [];
    const result = await scanCluster(options(names, ports(), { onProgress: (e) => events.push(e) }));
    expect(result.nodes.map((n) => [n.node, n.status])).toEqual(names.map((n) => [n, 'ok']));
    expect(result.ok).toBe(true);
    // Optional tools this node lacks are per-command, not node failures.
    const w1 = result.nodes[0];
    expect(w1.commands.find((c) => c.id === 'ipvsadm')?.status).toBe('command-missing');
    expect(w1.commands.find((c) => c.id === 'iptables-save')).toMatchObject({ status: 'ok', exitCode: 0, saved: true, truncated: false });
    expect(events.filter((e) => e.type === 'node-done')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'command-done')).toHaveLength(3 * w1.commands.length);

    const out = join(work, 'snap-ok');
    await writeScanSnapshot(result, out);
    const snapshot = await loadSnapshot(out);
    expect(snapshot.nodes.map((n) => n.name)).toEqual(names);
    const nodeJson = JSON.parse(snapshot.nodes[1].files['node.json']) as { status: string; commands: { id: string; bytes: number; durationMs: number }[] };
    expect(nodeJson.status).toBe('ok');
    expect(nodeJson.commands.find((c) => c.id === 'iptables-save')?.bytes).toBeGreaterThan(0);
    const scanJson = JSON.parse(readFileSync(join(out, 'scan.json'), 'utf8')) as { context: string; insecureSkipTlsVerify: boolean };
    expect(scanJson).toMatchObject({ context: 'scan-test', insecureSkipTlsVerify: false });
    // The bearer token never reaches the snapshot.
    for (const f of ['scan.json', 'cluster.json']) expect(readFileSync(join(out, f), 'utf8')).not.toContain(api.token);

    const analysis = analyzeSnapshot(snapshot);
    const actionable = analysis.findings.filter((f) => f.severity !== 'info').map(keyOf);
    expect(actionable).toEqual(scenario.expected);
  }, 60_000);

  it('classifies an unknown host key and a closed port while the healthy node is still scanned', async () => {
    const [good, unknownKey, closed] = names;
    const perNode = { ...ports(), [closed]: await closedPort() };
    const bad = servers.get(unknownKey) as SshdServer;
    const mark = bad.logMark();
    const result = await scanCluster(options([good, closed], perNode, { parallelism: 3 }));
    const byNode = new Map(result.nodes.map((n) => [n.node, n]));
    expect(byNode.get(good)?.status).toBe('ok');
    expect(byNode.get(unknownKey)?.status).toBe('host-key-unknown');
    const fingerprint = await opensshFingerprint(`${bad.hostKey.path}.pub`);
    expect(byNode.get(unknownKey)?.hostKeyFingerprint).toBe(fingerprint);
    expect(byNode.get(unknownKey)?.message).toContain(fingerprint);
    expect(byNode.get(closed)?.status).toBe('unreachable');
    expect(result.ok).toBe(false);
    // Refused during key exchange: the node's sshd never saw an authentication request.
    await bad.waitForLog(/Connection closed by|Disconnected from|Connection reset by|Received disconnect/, mark);
    expect(bad.logSince(mark)).not.toMatch(/userauth-request|Accepted |Failed /);

    const out = join(work, 'snap-mixed');
    await writeScanSnapshot(result, out);
    const snapshot = await loadSnapshot(out);
    const failed = snapshot.nodes.find((n) => n.name === unknownKey);
    expect(Object.keys(failed?.files ?? {})).toEqual(['node.json']);
  }, 60_000);

  it('cancels a running command and the nodes not started yet when the signal aborts', async () => {
    const first = names[0];
    const server = servers.get(first) as SshdServer;
    server.setScript('iptables-save', `exec ${SLEEP_MARKER}`);
    const controller = new AbortController();
    try {
      const onProgress = (e: ScanEvent): void => {
        if (e.type === 'command-start' && e.node === first && e.command === 'iptables-save') {
          void waitUntilRunning(SLEEP_MARKER, 10_000).then(() => controller.abort());
        }
      };
      const result = await scanCluster(options(names, ports(), { parallelism: 1, signal: controller.signal, onProgress }));
      expect(result.nodes.map((n) => n.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
      expect(result.nodes[0].commands.find((c) => c.id === 'iptables-save')?.status).toBe('cancelled');
      expect(result.nodes[1].commands).toEqual([]);
      // The node's watcher stopped the command: nothing is left running remotely.
      expect(await waitUntilGone([SLEEP_MARKER], 15_000)).toEqual([]);
    } finally {
      const rulesFile = join(server.dir, 'rules.txt');
      server.setScript('iptables-save', `cat '${rulesFile}'`);
    }
  }, 60_000);
});
