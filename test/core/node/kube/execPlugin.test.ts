import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExecNotApprovedError, saveExecApproval } from '../../../../core/node/kube/execApproval';
import { ExecPluginError } from '../../../../core/node/kube/execPlugin';
import { connectContext } from '../../../../core/node/kube/kubeClient';
import { listContexts, loadKubeconfig } from '../../../../core/node/kube/kubeconfig';
import { listClusterObjects } from '../../../../core/node/kube/listCluster';
import { loginShellPath } from '../../../../core/node/kube/loginShellPath';
import type { FakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import { startFakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { TempDir } from '../../../helpers/fakeApiServer/kubeTestKit';
import { clientFor, tempDir } from '../../../helpers/fakeApiServer/kubeTestKit';

// Exec credential plugins, kubectl-test style: small shell scripts stand in for aws /
// kubelogin. K1: never run before approval (the marker file proves it). K2: a plugin that
// hangs, floods or prints garbage is stopped with an exact error. K3: a 401 re-runs the plugin
// once for any number of concurrent requests.

const V1 = 'client.authentication.k8s.io/v1';
const GOOD_TOKEN = 'plugin-token-0123456789';
const ENV_CANARY = 'CANARY-exec-env-6d1f0c2a';

let api: FakeApiServer;
let dir: TempDir;
let n = 0;

beforeAll(async () => {
  api = await startFakeApiServer({ tokens: [GOOD_TOKEN] });
  dir = tempDir();
});
afterAll(async () => {
  await api?.close();
  dir?.remove();
});
beforeEach(() => {
  api.clearFaults();
  api.requests.length = 0;
});

/** Running (a zombie waiting for a reaper that may not exist in a container counts as dead). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function credential(status: Record<string, unknown>, apiVersion = V1): string {
  return JSON.stringify({ kind: 'ExecCredential', apiVersion, status });
}

/** A plugin script plus a kubeconfig whose user runs it; returns paths. */
function setup(body: string, opts: { command?: string; args?: string[]; interactiveMode?: string; installHint?: string } = {}) {
  n++;
  const marker = join(dir.path, `marker-${n}`);
  const script = dir.file(`plugin-${n}.sh`, `#!/bin/sh\ntouch '${marker}'\n${body}\n`, 0o755);
  const args = opts.args ?? ['--cluster', 'prod'];
  const userYaml = [
    '    exec:',
    `      apiVersion: ${V1}`,
    `      command: ${JSON.stringify(opts.command ?? script)}`,
    `      args: ${JSON.stringify(args)}`,
    '      env:',
    '      - name: PLUGIN_SECRET',
    `        value: ${JSON.stringify(ENV_CANARY)}`,
    `      interactiveMode: ${opts.interactiveMode ?? 'Never'}`,
    ...(opts.installHint ? [`      installHint: ${JSON.stringify(opts.installHint)}`] : []),
  ].join('\n');
  const kubeconfig = dir.file(`kubeconfig-${n}`, api.kubeconfigFor('exec-ctx', { userYaml }));
  return { marker, script, kubeconfig, approvals: join(dir.path, `approvals-${n}.json`) };
}

describe('exec plugin approval (K1)', () => {
  it('refuses to run an unapproved plugin: nothing spawned, nothing sent, and the error says how to approve', async () => {
    const s = setup(`echo '${credential({ token: GOOD_TOKEN })}'`);
    const err = await clientFor(s.kubeconfig, { approvalsPath: s.approvals }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecNotApprovedError);
    const msg = (err as Error).message;
    expect(msg).toContain(`command: ${s.script}`);
    expect(msg).toContain('args:    --cluster prod');
    expect(msg).toContain('env:     PLUGIN_SECRET (values not shown)');
    expect(msg).toContain('--allow-exec');
    expect(msg).toContain('proxyscope contexts --approve-exec exec-ctx');
    expect(msg).not.toContain(ENV_CANARY);
    expect(existsSync(s.marker)).toBe(false);
    expect(api.requests).toHaveLength(0);
  });

  it('lists the plugin without running it', () => {
    const s = setup(`echo '${credential({ token: GOOD_TOKEN })}'`);
    const [info] = listContexts(loadKubeconfig({ explicit: s.kubeconfig }));
    expect(info).toMatchObject({ auth: 'exec', exec: { command: s.script, args: ['--cluster', 'prod'], envNames: ['PLUGIN_SECRET'] } });
    expect(JSON.stringify(info)).not.toContain(ENV_CANARY);
    expect(existsSync(s.marker)).toBe(false);
  });

  it.each([
    { name: '--allow-exec for this run', approve: (_s: ReturnType<typeof setup>) => ({ allowExec: true }) },
    {
      name: 'a stored approval',
      approve: (s: ReturnType<typeof setup>) => {
        saveExecApproval({ command: s.script, args: ['--cluster', 'prod'], envNames: ['PLUGIN_SECRET'] }, s.approvals);
        return {};
      },
    },
  ])('runs the plugin after $name and uses its token', async ({ approve }) => {
    const s = setup(`echo '${credential({ token: GOOD_TOKEN, expirationTimestamp: '2099-01-01T00:00:00Z' })}'`);
    const t = await clientFor(s.kubeconfig, { approvalsPath: s.approvals, ...approve(s) });
    const listing = await listClusterObjects(t.client);
    t.client.close();
    expect(listing.partial).toBe(false);
    expect(existsSync(s.marker)).toBe(true);
    expect(api.requests.every((r) => r.token === GOOD_TOKEN)).toBe(true);
  });

  it('needs a new approval when the kubeconfig changes the plugin’s args', async () => {
    const s = setup(`echo '${credential({ token: GOOD_TOKEN })}'`, { args: ['--cluster', 'evil'] });
    saveExecApproval({ command: s.script, args: ['--cluster', 'prod'], envNames: ['PLUGIN_SECRET'] }, s.approvals);
    await expect(clientFor(s.kubeconfig, { approvalsPath: s.approvals })).rejects.toBeInstanceOf(ExecNotApprovedError);
    expect(existsSync(s.marker)).toBe(false);
  });
});

describe('misbehaving plugins are bounded (K2)', () => {
  const cases = [
    {
      name: 'hangs',
      body: (pidFile: string) => `sleep 30 &\necho $! > '${pidFile}'\nwait`,
      error: /did not finish within 0\.3 s and was stopped/,
    },
    { name: 'floods stdout', body: () => 'yes', error: /printed more than 1048576 bytes and was stopped/ },
    { name: 'prints garbage', body: () => "echo 'token: hunter2-not-json'", error: /printed 24 bytes that are not JSON/ },
    { name: 'prints another kind', body: () => `echo '{"kind":"Secret"}'`, error: /printed JSON that is not an ExecCredential \(kind "Secret"\)/ },
    {
      name: 'answers with another apiVersion',
      body: () => `echo '${credential({ token: GOOD_TOKEN }, 'client.authentication.k8s.io/v1beta1')}'`,
      error: /returned apiVersion "client.authentication.k8s.io\/v1beta1", but the kubeconfig asked for "client.authentication.k8s.io\/v1"/,
    },
    { name: 'returns a certificate without its key', body: () => `echo '${credential({ clientCertificateData: 'CERT' })}'`, error: /client certificate without its key/ },
    { name: 'returns no credential at all', body: () => `echo '${credential({})}'`, error: /neither a token nor a client certificate/ },
    { name: 'has no status', body: () => `echo '{"kind":"ExecCredential","apiVersion":"${V1}"}'`, error: /without a status/ },
    {
      name: 'fails and echoes its env into stderr',
      body: () => 'echo "login failed for secret $PLUGIN_SECRET" >&2\nexit 3',
      error: /failed \(exit 3\): login failed for secret \[redacted\]/,
    },
  ];

  it.each(cases)('stops a plugin that $name with a clear error', async ({ body, error }) => {
    const pidFile = join(dir.path, `pid-${n + 1}`);
    const s = setup(body(pidFile));
    const t = await clientFor(s.kubeconfig, { allowExec: true, execTimeoutMs: 300 });
    const err = await listClusterObjects(t.client).catch((e: unknown) => e);
    t.client.close();
    expect(err).toBeInstanceOf(ExecPluginError);
    expect((err as Error).message).toMatch(error);
    expect((err as Error).message).toContain(`the credential plugin "${s.script}" of context "exec-ctx"`);
    expect((err as Error).message).not.toContain(ENV_CANARY);
    expect(api.requests).toHaveLength(0);
    if (existsSync(pidFile)) {
      // The whole process group was killed, the plugin's children too.
      const pid = Number(readFileSync(pidFile, 'utf8'));
      await expect.poll(() => alive(pid), { timeout: 2000 }).toBe(false);
    }
  });

  it.each([
    { name: 'cannot be found', opts: { command: 'no-such-plugin-xyz', installHint: 'Install it with: brew install xyz' }, error: /"no-such-plugin-xyz".*was not found on the login shell's PATH\nInstall it with: brew install xyz/ },
    { name: 'needs a terminal', opts: { interactiveMode: 'Always' }, error: /needs an interactive terminal/ },
  ])('explains a plugin that $name', async ({ opts, error }) => {
    const s = setup('exit 0', opts);
    const t = await clientFor(s.kubeconfig, { allowExec: true });
    const err = await listClusterObjects(t.client).catch((e: unknown) => e);
    t.client.close();
    expect((err as Error).message).toMatch(error);
    expect(existsSync(s.marker)).toBe(false);
  });
});

describe('expired credentials (K3)', () => {
  it('re-runs the plugin once when 20 concurrent requests get 401 with its old token', async () => {
    const counter = join(dir.path, 'runs');
    const stale = 'stale-token-0123456789';
    // First run prints a token the server no longer accepts, later runs the good one.
    const s = setup(
      [
        `echo x >> '${counter}'`,
        `if [ "$(wc -l < '${counter}')" -eq 1 ]; then`,
        `  echo '${credential({ token: stale })}'`,
        'else',
        `  echo '${credential({ token: GOOD_TOKEN })}'`,
        'fi',
      ].join('\n'),
    );
    const t = await clientFor(s.kubeconfig, { allowExec: true });
    const results = await Promise.all(Array.from({ length: 20 }, () => t.client.getJson('/api/v1/nodes')));
    t.client.close();
    expect(results).toHaveLength(20);
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(api.requests.filter((r) => r.token === stale).every((r) => r.status === 401)).toBe(true);
    expect(api.requests.filter((r) => r.token === GOOD_TOKEN)).toHaveLength(20);
  });

  it('gives up with "credentials rejected" when the fresh token is rejected too', async () => {
    const s = setup(`echo '${credential({ token: 'never-valid-0123456789' })}'`);
    const t = await clientFor(s.kubeconfig, { allowExec: true });
    const err = await t.client.getJson('/api/v1/nodes').catch((e: unknown) => e);
    t.client.close();
    expect((err as Error).message).toMatch(/^credentials rejected/);
    expect(api.requests.map((r) => r.status)).toEqual([401, 401]);
  });
});

describe("the login shell's PATH", () => {
  it('finds a plugin that only the login shell’s PATH knows', async () => {
    const bin = join(dir.path, 'login-bin');
    mkdirSync(bin, { recursive: true });
    const s = setup(`echo '${credential({ token: GOOD_TOKEN })}'`, { command: 'login-only-plugin' });
    dir.file('login-bin/login-only-plugin', readFileSync(s.script, 'utf8'), 0o755);
    // A fake login shell: chatty profile output, then `env` output.
    const shell = dir.file('fake-shell', `#!/bin/sh\necho "Welcome to the machine"\necho "PATH=${bin}:/usr/bin:/bin"\n`, 0o755);
    const kc = loadKubeconfig({ explicit: s.kubeconfig });
    const client = await connectContext(kc, { allowExec: true, loginPath: { shell, env: { PATH: '/usr/bin:/bin' } } });
    await client.getJson('/api/v1/nodes');
    client.close();
    expect(existsSync(s.marker)).toBe(true);
  });

  it.each([
    { name: 'prints the PATH after profile noise', script: 'echo hello\necho "PATH=/opt/x/bin:/usr/bin"', want: { source: 'login-shell', path: '/opt/x/bin:/usr/bin:/own/bin' } },
    { name: 'hangs', script: 'sleep 30', want: { source: 'process', path: '/usr/bin:/own/bin', warning: expect.stringMatching(/did not finish within 200 ms/) } },
    { name: 'fails', script: 'exit 4', want: { source: 'process', path: '/usr/bin:/own/bin', warning: expect.stringMatching(/exited with 4/) } },
  ])('falls back sensibly when the shell $name', async ({ script, want }) => {
    const shell = dir.file(`shell-${n++}`, `#!/bin/sh\n${script}\n`, 0o755);
    expect(await loginShellPath({ shell, timeoutMs: 200, env: { PATH: '/usr/bin:/own/bin' } })).toEqual(want);
  });
});
