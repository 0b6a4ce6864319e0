import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { ApiEvent, ScanRequest } from '../../../../core/common/contract';
import type { ClusterState } from '../../../../core/common/model';
import { createBackend } from '../../../../core/node/app/backend';
import type { Backend } from '../../../../core/node/app/backendTypes';
import { startFakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { FakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import { describeWithTools } from '../../../helpers/requireTool';
import type { FaultScenario } from '../../../helpers/scenario/faultScenarios';
import { faultScenarios } from '../../../helpers/scenario/faultScenarios';
import { renderKubeProxyIptables } from '../../../helpers/scenario/kubeProxyIptables';
import { generateKey, startSshd } from '../../../helpers/sshd/sshdServer';
import type { KeyPair, SshdServer } from '../../../helpers/sshd/sshdServer';
import { onLoopback, value, waitFor } from '../../../helpers/apiTestKit';

// `nodes` and the rescan on a snapshot a scan made (set up like startScan.test.ts: the fixture
// API server on loopback, one real sshd per node). worker-2 missed a scale-down; after it is
// "fixed" (its iptables-save prints the current rules) a rescan of worker-2 alone gives a new
// session in which only worker-2 changed, cluster.json comes from the new listing, and the
// stale-backend finding is gone.

const SCENARIO = 'stale-sep-after-scale-down';
const HEALTHZ = '{"lastUpdated": "2025-01-01T00:00:00Z","currentTime": "2025-01-01T00:00:02Z", "nodeEligible": true}';
const CURL = `case "$4" in */proxyMode) echo iptables;; */healthz) echo '${HEALTHZ}';; *) echo "# metrics";; esac`;




type Done = Extract<ApiEvent, { type: 'scan-done' }>;

describeWithTools(['sshd', 'ssh-keygen', 'timeout'], 'nodes and rescans of a scanned snapshot', () => {
  let home: string;
  let api: FakeApiServer;
  let kubeconfig: string;
  let scenario: FaultScenario;
  let state: ClusterState;
  let key: KeyPair;
  let backend: Backend;
  const servers = new Map<string, SshdServer>();
  const events: ApiEvent[] = [];
  let names: string[];
  let first: string;

  beforeAll(async () => {
    vi.stubEnv('XDG_CONFIG_HOME', '');
    vi.stubEnv('SSH_AUTH_SOCK', '');
    home = mkdtempSync(join(tmpdir(), 'proxyscope-nodescan-'));
    scenario = faultScenarios().find((s) => s.name === SCENARIO) as FaultScenario;
    state = onLoopback(scenario.state);
    names = scenario.nodes.map((n) => n.name);
    api = await startFakeApiServer({ cluster: state });
    kubeconfig = join(home, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfigFor('node-scan'), { mode: 0o600 });
    key = await generateKey(home, 'scan_client');
    const started = await Promise.all(names.map(() => startSshd()));
    scenario.nodes.forEach((n, i) => {
      const server = started[i];
      servers.set(n.name, server);
      server.authorize(key.publicLine);
      const rulesFile = join(server.dir, 'rules.txt');
      writeFileSync(rulesFile, renderKubeProxyIptables(n.state ?? state, n.name, { comments: true, clusterCIDR: scenario.clusterCIDR, faults: n.faults ?? [] }));
      server.setScript('iptables-save', `cat '${rulesFile}'`);
      server.setScript('curl', CURL);
    });
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    writeFileSync(join(home, '.ssh', 'known_hosts'), [...servers.values()].map((s) => s.knownHostsLine).join('\n') + '\n');
    backend = createBackend({ version: 'test', demoDir: join(__dirname, '..', '..', '..', '..', 'assets', 'demo'), home, tmpDir: home });
    backend.onEvent((e) => events.push(e));
    const { scanId } = value(await backend.startScan(request()));
    const done = await waitFor(() => events.find((e): e is Done => e.type === 'scan-done' && e.scanId === scanId));
    if (done.sessionId === null) throw new Error(`the first scan failed: ${done.error?.message}`);
    first = done.sessionId;
  }, 90_000);

  afterAll(async () => {
    await backend?.dispose();
    await Promise.all([...servers.values()].map((s) => s.stop()));
    await api?.close();
    vi.unstubAllEnvs();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  function request(): ScanRequest {
    return {
      context: 'node-scan',
      kubeconfig,
      via: 'ssh',
      ssh: { identityFile: key.path, perNode: Object.fromEntries(names.map((n) => [n, { port: servers.get(n)?.port ?? 0 }])) },
    };
  }

  async function rescan(req: ScanRequest): Promise<Done> {
    const { scanId } = value(await backend.startScan(req));
    return waitFor(() => events.find((e): e is Done => e.type === 'scan-done' && e.scanId === scanId));
  }

  const exported = async (sessionId: string, node: string): Promise<string[]> => value(await backend.ruleText({ sessionId, node, file: 'iptables-save.txt' })).lines;

  it('shows how each node was reached, its scan status and kube-proxy\'s answers, and that it can be rescanned', async () => {
    const nodes = value(await backend.nodes({ sessionId: first }));
    expect(nodes.map((n) => n.summary.node)).toEqual(names);
    for (const n of nodes) {
      expect(n).toMatchObject({
        via: 'ssh',
        address: `127.0.0.1:${servers.get(n.summary.node)?.port}`,
        scanStatus: 'ok',
        kubeProxy: { mode: 'iptables', healthz: HEALTHZ },
        rescannable: true,
        context: 'node-scan',
      });
      expect(n.commands.find((c) => c.id === 'iptables-save')).toMatchObject({ status: 'ok', bytes: expect.any(Number) });
      expect(n.commands.every((c) => typeof c.durationMs === 'number')).toBe(true);
    }
  });

  it('rescans one node into a new session where only that node changed', async () => {
    const target = 'worker-2';
    const before = value(await backend.analysis({ sessionId: first }));
    expect(before.findings.some((f) => f.check === 'stale-backend' && f.node === target)).toBe(true);
    const oldRules = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await exported(first, n)] as const)));

    // worker-2's kube-proxy caught up; a new pod appeared in the cluster since the first scan.
    const server = servers.get(target) as SshdServer;
    const fixed = join(server.dir, 'fixed.txt');
    writeFileSync(fixed, renderKubeProxyIptables(state, target, { comments: true, clusterCIDR: scenario.clusterCIDR, faults: [] }));
    server.setScript('iptables-save', `cat '${fixed}'`);
    api.addPod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'rescan-marker', namespace: 'default', uid: 'rescan-marker-uid' }, spec: { nodeName: target, containers: [] }, status: { phase: 'Pending' } });

    const seen = events.length;
    const done = await rescan({ context: 'node-scan', via: 'ssh', nodes: [target], mergeInto: first });
    expect(done.error).toBeUndefined();
    const merged = done.sessionId as string;
    expect(merged).not.toBe(first);

    // Only the rescanned node was visited.
    const visited = new Set(events.slice(seen).flatMap((e) => (e.type === 'scan-node' && e.scanId === done.scanId ? [e.node] : [])));
    expect([...visited]).toEqual([target]);

    for (const n of names) {
      const rules = await exported(merged, n);
      if (n === target) expect(rules).not.toEqual(oldRules[n]);
      else expect(rules).toEqual(oldRules[n]);
    }
    const after = value(await backend.analysis({ sessionId: merged }));
    expect(after.nodes.map((n) => n.node)).toEqual(names);
    expect(after.findings.filter((f) => f.severity !== 'info' && f.node === target)).toEqual([]);
    expect(after.snapshot.cluster?.pods).toBe((before.snapshot.cluster?.pods ?? 0) + 1);

    // The merged session is a scan session too: rescannable again, with the same settings.
    const nodes = value(await backend.nodes({ sessionId: merged }));
    expect(nodes.every((n) => n.rescannable === true && n.context === 'node-scan' && n.scanStatus === 'ok')).toBe(true);
    // The old session is untouched.
    expect(await exported(first, target)).toEqual(oldRules[target]);
  }, 90_000);

  it('keeps a failed node\'s reason, in words, in the merged session', async () => {
    const target = 'worker-3';
    const server = servers.get(target) as SshdServer;
    server.setScript('iptables-save', 'echo "sudo: a password is required" >&2; exit 1');
    try {
      const done = await rescan({ context: 'node-scan', via: 'ssh', nodes: [target], mergeInto: first });
      const merged = done.sessionId as string;
      const view = value(await backend.nodes({ sessionId: merged })).find((n) => n.summary.node === target);
      expect(view?.scanStatus).not.toBe('ok');
      expect(view?.scanMessage).toBeTruthy();
      expect(view?.commands.find((c) => c.id === 'iptables-save')?.status).not.toBe('ok');
    } finally {
      server.setScript('iptables-save', `cat '${join(server.dir, 'rules.txt')}'`);
    }
  }, 90_000);

  it('refuses to merge a scan of another context', async () => {
    const r = await backend.startScan({ context: 'elsewhere', via: 'ssh', nodes: ['worker-1'], mergeInto: first });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });
});
