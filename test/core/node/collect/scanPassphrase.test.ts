import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiEvent, ScanRequest } from '../../../../core/common/contract';
import type { SnapshotData } from '../../../../core/common/model';
import { runScan, scanSshOptions } from '../../../../core/node/app/scanJob';
import { scanCluster, writeScanSnapshot } from '../../../../core/node/collect/scan';
import type { ScanEvent, ScanOptions, ScanResult } from '../../../../core/node/collect/scan';
import { passphraseProvider } from '../../../../core/node/collect/scanNode';
import { startFakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { FakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import { describeWithTools } from '../../../helpers/requireTool';
import { faultScenarios } from '../../../helpers/scenario/faultScenarios';
import type { FaultScenario } from '../../../helpers/scenario/faultScenarios';
import { renderKubeProxyIptables } from '../../../helpers/scenario/kubeProxyIptables';
import { generateKey, startSshd } from '../../../helpers/sshd/sshdServer';
import type { KeyPair, SshdServer } from '../../../helpers/sshd/sshdServer';
import { onLoopback } from '../../../helpers/apiTestKit';

// Encrypted identity files in a scan (issue 4; issue 5's secrets rule): a real loopback sshd
// accepts only a key encrypted with a canary passphrase. With the passphrase the node is
// scanned; without it (or with a wrong one) it is auth-failed and the message says a passphrase
// is needed. The canary must never reach the snapshot files (node.json, scan.json, dumps), the
// progress events, the node messages or anything written to the console.

const CANARY = 'canary-pass-5e1f0c9a-do-not-leak';
const SCENARIO = 'stale-sep-after-scale-down';


function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Everything written to the console or stdout/stderr while `fn` runs. */
async function captureLogs<T>(fn: () => Promise<T>): Promise<{ value: T; logs: string }> {
  const seen: string[] = [];
  const spies = [
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((m) => vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void seen.push(a.map(String).join(' ')))),
    vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (seen.push(String(c)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (seen.push(String(c)), true)),
  ];
  try {
    return { value: await fn(), logs: seen.join('\n') };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

describe('passphraseProvider', () => {
  it.each([
    ['the same path', '/keys/id', '/keys/id', CANARY],
    ['a path that resolves to it', '/keys/../keys/./id', '/keys/id', CANARY],
    ['another key', '/keys/id', '/keys/other', undefined],
  ])('answers for %s', (_name, given, asked, expected) => {
    expect(passphraseProvider({ [given]: CANARY })(asked)).toBe(expected);
  });
});

describe('scanSshOptions', () => {
  const settings = { home: '/nonexistent-home' };
  it.each<[string, ScanRequest['ssh'], Record<string, string> | undefined]>([
    ['maps the passphrase to the identity file', { identityFile: '/k/id', identityPassphrase: CANARY }, { '/k/id': CANARY }],
    ['ignores a passphrase without an identity file', { identityPassphrase: CANARY }, undefined],
    ['has none when none is given', { identityFile: '/k/id' }, undefined],
  ])('%s', (_name, ssh, expected) => {
    const built = scanSshOptions({ context: 'c', via: 'ssh', ...(ssh ? { ssh } : {}) }, settings);
    if ('error' in built) throw new Error(built.error);
    expect(built.ssh.passphrases).toEqual(expected);
  });
});

describeWithTools(['sshd', 'ssh-keygen', 'pgrep', 'timeout'], 'scanning with a passphrase-protected key', () => {
  let work: string;
  let api: FakeApiServer;
  let kubeconfig: string;
  let server: SshdServer;
  let locked: KeyPair;
  let node: string;

  beforeAll(async () => {
    vi.stubEnv('XDG_CONFIG_HOME', '');
    vi.stubEnv('SSH_AUTH_SOCK', '');
    work = mkdtempSync(join(tmpdir(), 'proxyscope-scanpass-'));
    const scenario = faultScenarios().find((s) => s.name === SCENARIO) as FaultScenario;
    const state = onLoopback(scenario.state);
    node = scenario.nodes[0].name;
    api = await startFakeApiServer({ cluster: state });
    kubeconfig = join(work, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfigFor('pass-test'), { mode: 0o600 });
    locked = await generateKey(work, 'locked_key', 'ed25519', CANARY);
    server = await startSshd();
    // Only the encrypted key gets in (the helper's own client key is not offered).
    server.authorize(locked.publicLine);
    const rulesFile = join(server.dir, 'rules.txt');
    writeFileSync(rulesFile, renderKubeProxyIptables(scenario.nodes[0].state ?? state, node, { comments: true, clusterCIDR: scenario.clusterCIDR, faults: scenario.nodes[0].faults ?? [] }));
    server.setScript('iptables-save', `cat '${rulesFile}'`);
    server.setScript('curl', 'case "$4" in */proxyMode) echo iptables;; *) echo "# metrics";; esac');
    mkdirSync(join(work, '.ssh'), { mode: 0o700 });
    writeFileSync(join(work, '.ssh', 'known_hosts'), `${server.knownHostsLine}\n`);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await api?.close();
    vi.unstubAllEnvs();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function options(passphrases: Record<string, string> | undefined, events: ScanEvent[]): ScanOptions {
    return {
      kubeconfig,
      nodes: [node],
      ssh: {
        knownHostsFiles: [join(work, '.ssh', 'known_hosts')],
        identityFiles: [locked.path],
        ...(passphrases ? { passphrases } : {}),
        agentSocket: null,
        home: work,
        readyTimeoutMs: 10_000,
        perNode: { [node]: { port: server.port } },
      },
      commandTimeoutSec: 20,
      onProgress: (e) => events.push(e),
    };
  }

  async function scanAndWrite(passphrases: Record<string, string> | undefined, name: string): Promise<{ result: ScanResult; events: ScanEvent[]; written: string; logs: string }> {
    const events: ScanEvent[] = [];
    const out = join(work, name);
    const { value: result, logs } = await captureLogs(async () => {
      const r = await scanCluster(options(passphrases, events));
      await writeScanSnapshot(r, out);
      return r;
    });
    const written = filesUnder(out)
      .map((f) => `${relative(out, f)}\n${readFileSync(f, 'utf8')}`)
      .join('\n');
    return { result, events, written, logs };
  }

  it('scans the node with the passphrase, and the passphrase is nowhere in what the scan wrote, emitted or logged', async () => {
    const { result, events, written, logs } = await scanAndWrite({ [locked.path]: CANARY }, 'with');
    expect(result.nodes.map((n) => [n.node, n.status])).toEqual([[node, 'ok']]);
    expect(written).toContain('scan.json');
    expect(written).toContain('node.json');
    expect(written).toContain('iptables-save.txt');
    expect(written).not.toContain(CANARY);
    expect(JSON.stringify(events)).not.toContain(CANARY);
    expect(JSON.stringify(result.info)).not.toContain(CANARY);
    expect(logs).not.toContain(CANARY);
  }, 60_000);

  it.each([
    ['without a passphrase', undefined, /needs a passphrase|a passphrase is needed/],
    ['with a wrong passphrase', { wrong: `${CANARY}-wrong` }, /wrong passphrase/],
  ])('reports auth-failed saying why %s', async (_name, given, why) => {
    const passphrases = given ? { [locked.path]: given.wrong } : undefined;
    const { result, events, written, logs } = await scanAndWrite(passphrases, given ? 'wrong' : 'without');
    const n = result.nodes[0];
    expect(n.status).toBe('auth-failed');
    expect(n.message).toContain(locked.path);
    expect(n.message).toMatch(why);
    expect(n.message).toMatch(/encrypted/);
    for (const text of [written, JSON.stringify(events), JSON.stringify(result), logs]) expect(text).not.toContain(CANARY);
  }, 60_000);

  it('runs an app scan whose request carries the passphrase, and neither its events nor its snapshot hold it', async () => {
    const events: ApiEvent[] = [];
    let snapshot: SnapshotData | undefined;
    const req: ScanRequest = {
      context: 'pass-test',
      kubeconfig,
      via: 'ssh',
      nodes: [node],
      ssh: { identityFile: locked.path, identityPassphrase: CANARY, perNode: { [node]: { port: server.port } } },
    };
    const { logs } = await captureLogs(() =>
      runScan('scan-1', req, new AbortController().signal, {
        settings: { home: work },
        emit: (e) => events.push(e),
        openSession: async (s) => {
          snapshot = s;
          return { ok: true, id: 'session-1' };
        },
      }),
    );
    const done = events.find((e) => e.type === 'scan-done');
    expect(done).toEqual({ type: 'scan-done', scanId: 'scan-1', sessionId: 'session-1' });
    const last = events.filter((e): e is Extract<ApiEvent, { type: 'scan-node' }> => e.type === 'scan-node').at(-1);
    expect(last?.state).toBe('ok');
    expect(JSON.stringify(events)).not.toContain(CANARY);
    expect(JSON.stringify(snapshot)).not.toContain(CANARY);
    expect(logs).not.toContain(CANARY);
  }, 60_000);
});
