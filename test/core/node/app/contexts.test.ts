import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiEvent } from '../../../../core/common/contract';
import { createBackend } from '../../../../core/node/app/backend';
import type { Backend } from '../../../../core/node/app/backendTypes';
import { value, waitFor } from '../../../helpers/apiTestKit';

// The Clusters view's kubeconfig side: contexts with their exec plugins and approval state, the
// approval itself (stored under the backend's HOME), and a scan refused until it is approved.

const DEMO = join(__dirname, '..', '..', '..', '..', 'assets', 'demo');


const KUBECONFIG = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'c1', cluster: { server: 'https://127.0.0.1:1' } }],
  users: [
    { name: 'token-user', user: { token: 'secret-token-value' } },
    {
      name: 'exec-user',
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: 'aws',
          args: ['eks', 'get-token', '--cluster-name', 'prod'],
          env: [{ name: 'AWS_PROFILE', value: 'secret-profile' }],
          interactiveMode: 'Never',
        },
      },
    },
  ],
  contexts: [
    { name: 'plain', context: { cluster: 'c1', user: 'token-user' } },
    { name: 'eks', context: { cluster: 'c1', user: 'exec-user' } },
    { name: 'broken', context: { cluster: 'nope', user: 'token-user' } },
  ],
  'current-context': 'plain',
});

let home: string;
let backend: Backend;
const events: ApiEvent[] = [];

beforeAll(() => {
  vi.stubEnv('XDG_CONFIG_HOME', '');
  vi.stubEnv('KUBECONFIG', '');
  home = mkdtempSync(join(tmpdir(), 'proxyscope-ctx-'));
  mkdirSync(join(home, '.kube'));
  writeFileSync(join(home, '.kube', 'config'), KUBECONFIG, { mode: 0o600 });
  backend = createBackend({ version: 'test', demoDir: DEMO, home, tmpDir: home });
  backend.onEvent((e) => events.push(e));
});

afterAll(async () => {
  await backend?.dispose();
  vi.unstubAllEnvs();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('contexts', () => {
  it('lists every context of ~/.kube/config with its own verdict and its exec plugin (names only)', async () => {
    const list = value(await backend.contexts({}));
    expect(list.map((c) => [c.name, c.current, c.auth, c.execApproved, c.error !== undefined])).toEqual([
      ['plain', true, 'token', false, false],
      ['eks', false, 'exec', false, false],
      ['broken', false, 'none', false, true],
    ]);
    expect(list[1].exec).toEqual({ command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'prod'], envNames: ['AWS_PROFILE'] });
    expect(JSON.stringify(list)).not.toMatch(/secret-token-value|secret-profile/);
  });

  it('reads an explicit kubeconfig path from the request', async () => {
    const other = join(home, 'other.kubeconfig');
    writeFileSync(other, KUBECONFIG.replace(/"plain"/g, '"elsewhere"'), { mode: 0o600 });
    const list = value(await backend.contexts({ kubeconfig: other }));
    expect(list.map((c) => c.name)).toContain('elsewhere');
  });

  it('answers not-found for a kubeconfig that does not exist', async () => {
    const r = await backend.contexts({ kubeconfig: join(home, 'missing') });
    expect(r.ok ? null : r.error.code).toBe('not-found');
  });
});

describe('exec approval', () => {
  it('refuses a scan of an unapproved exec context with exec-approval-required and what would run', async () => {
    const started = value(await backend.startScan({ context: 'eks', via: 'ssh' }));
    const done = await waitFor(() => events.find((e) => e.type === 'scan-done' && e.scanId === started.scanId));
    expect(done).toMatchObject({
      type: 'scan-done',
      sessionId: null,
      error: { code: 'exec-approval-required', exec: { command: 'aws', envNames: ['AWS_PROFILE'] } },
    });
  });

  it.each([
    { name: 'a context without a plugin', context: 'plain' },
    { name: 'an unknown context', context: 'nope' },
  ])('answers not-found when approving $name', async ({ context }) => {
    const r = await backend.approveExec({ context });
    expect(r.ok ? null : r.error.code).toBe('not-found');
  });

  it('stores the approval under the backend HOME and shows the context as approved', async () => {
    expect(value(await backend.approveExec({ context: 'eks' }))).toBe(true);
    const store = join(home, '.config', 'proxyscope', 'exec-approvals.json');
    expect(existsSync(store)).toBe(true);
    expect(readFileSync(store, 'utf8')).not.toContain('secret-profile');
    const list = value(await backend.contexts({}));
    expect(list.find((c) => c.name === 'eks')?.execApproved).toBe(true);
  });

  it.each([{ via: 'ssh' as const }, { via: 'pod' as const }])('reports an unknown context of a scan via $via in scan-done', async ({ via }) => {
    const started = value(await backend.startScan({ context: 'nope', via }));
    const done = await waitFor(() => events.find((e) => e.type === 'scan-done' && e.scanId === started.scanId));
    expect(done).toMatchObject({ sessionId: null, error: { code: 'not-found' } });
  });
});

