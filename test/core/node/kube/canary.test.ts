import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecNotApprovedError } from '../../../../core/node/kube/execApproval';
import { connectContext } from '../../../../core/node/kube/kubeClient';
import { listContexts, loadKubeconfig } from '../../../../core/node/kube/kubeconfig';
import { listClusterObjects } from '../../../../core/node/kube/listCluster';
import { resolveContext } from '../../../../core/node/kube/resolveContext';
import type { Fault, FakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import { startFakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { TempDir } from '../../../helpers/fakeApiServer/kubeTestKit';
import { clientFor, tempDir } from '../../../helpers/fakeApiServer/kubeTestKit';
import { generateTestCa } from '../../../helpers/fakeApiServer/testCerts';

// L1: canary secrets planted in a kubeconfig token, a client key, basic-auth password and exec
// env values never show up in anything Proxyscope produces - errors, problems, notes, warnings,
// request logs, or a dump of its own objects - across every failure the Kubernetes side has.
// The fixture server even echoes the token back in its 403 message, as a hostile server could.

const TOKEN = 'CANARY-token-4f1b9e0c2d7a';
const PASSWORD = 'CANARY-password-81c0aa';
const ENV_VALUE = 'CANARY-env-value-55e2d1';
const CANARIES = [TOKEN, PASSWORD, ENV_VALUE];

let api: FakeApiServer;
let dir: TempDir;
/** Every text Proxyscope produced in these tests. */
const produced: string[] = [];

function record(value: unknown): void {
  if (value instanceof Error) produced.push(value.message, value.stack ?? '', inspect(value, { depth: 8 }));
  else produced.push(typeof value === 'string' ? value : inspect(value, { depth: 12 }));
}

beforeAll(async () => {
  api = await startFakeApiServer({ tokens: [TOKEN] });
  dir = tempDir();
});
afterAll(async () => {
  await api?.close();
  dir?.remove();
});

const failures: { name: string; path: string; fault: Fault }[] = [
  { name: '401', path: '/api/v1/services', fault: { kind: 'unauthorized' } },
  { name: '403 echoing the token as the user name', path: '/api/v1/pods', fault: { kind: 'forbidden', user: TOKEN } },
  { name: '429', path: '/api/v1/nodes', fault: { kind: 'too-many-requests', retryAfterSeconds: 1 } },
  { name: '500', path: '/apis/discovery.k8s.io/v1/endpointslices', fault: { kind: 'server-error' } },
  { name: 'truncated body', path: '/api/v1/nodes', fault: { kind: 'truncate' } },
  { name: 'hang', path: '/api/v1/services', fault: { kind: 'hang' } },
  { name: 'expired continue', path: '/api/v1/pods', fault: { kind: 'expired-continue' } },
];

describe('canary secrets never leak', () => {
  it.each(failures)('through a listing that meets $name', async ({ path, fault }) => {
    api.clearFaults();
    api.script(path, fault);
    const t = await clientFor(dir.file(`kc-${path.replace(/\W/g, '')}-${fault.kind}`, api.kubeconfigFor('canary')), { timeoutMs: 300 });
    try {
      const listing = await listClusterObjects(t.client, { pageSize: 5 });
      record(listing.problems);
      record(listing.notes);
      record(listing.warnings);
      record(listing.resources);
      record(listing.rbacHint ?? '');
    } catch (err) {
      record(err);
    }
    record(t.log);
    record(t.client);
    t.client.close();
  });

  it('when every request is rejected with 401', async () => {
    api.clearFaults();
    for (const p of ['/api/v1/services', '/apis/discovery.k8s.io/v1/endpointslices', '/api/v1/pods', '/api/v1/nodes']) api.script(p, { kind: 'unauthorized' });
    const t = await clientFor(dir.file('kc-401', api.kubeconfigFor('canary')));
    record(await listClusterObjects(t.client).catch((e: unknown) => e));
    record(t.log);
    t.client.close();
  });

  it('when TLS verification fails', async () => {
    api.clearFaults();
    const t = await clientFor(dir.file('kc-tls', api.kubeconfigFor('canary', { caPem: generateTestCa('other').certPem })));
    record(await listClusterObjects(t.client).catch((e: unknown) => e));
    t.client.close();
  });

  it('in the loaded kubeconfig, the resolved context and listContexts', () => {
    const file = dir.file(
      'kc-users',
      [
        'apiVersion: v1',
        'clusters:',
        `- name: c\n  cluster:\n    server: ${api.url}`,
        'users:',
        `- name: tok\n  user:\n    token: ${TOKEN}`,
        `- name: basic\n  user:\n    username: admin\n    password: ${PASSWORD}`,
        `- name: ex\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/false\n      env:\n      - name: SECRET_ENV\n        value: ${ENV_VALUE}`,
        'contexts:',
        '- name: tok\n  context: {cluster: c, user: tok}',
        '- name: basic\n  context: {cluster: c, user: basic}',
        '- name: ex\n  context: {cluster: c, user: ex}',
        '',
      ].join('\n'),
    );
    const kc = loadKubeconfig({ explicit: file });
    record(kc);
    record(JSON.stringify([...kc.users.values()]));
    record(listContexts(kc));
    record(JSON.stringify(listContexts(kc)));
    for (const name of ['tok', 'basic', 'ex']) {
      const ctx = resolveContext(kc, name);
      record(ctx);
      record(JSON.stringify(ctx));
      record(String(ctx.user?.token ?? ''));
    }
  });

  it('in the error for an unapproved exec plugin', async () => {
    const file = dir.file(
      'kc-exec',
      api.kubeconfigFor('canary', {
        userYaml: `    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/true\n      env:\n      - name: SECRET_ENV\n        value: ${ENV_VALUE}`,
      }),
    );
    const err = await connectContext(loadKubeconfig({ explicit: file }), { approvalsPath: `${dir.path}/none.json` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecNotApprovedError);
    record(err);
  });

  it('anywhere in what was produced (and the check itself sees the texts)', () => {
    expect(produced.length).toBeGreaterThan(30);
    const all = produced.join('\n');
    // The texts are real: the failures above did produce their messages.
    expect(all).toMatch(/credentials rejected/);
    expect(all).toMatch(/may not list pods/);
    expect(all).toContain('[redacted]');
    for (const canary of CANARIES) {
      const i = all.indexOf(canary);
      if (i >= 0) console.log('LEAK', JSON.stringify(all.slice(Math.max(0, i - 600), i + 100)));
      expect(all).not.toContain(canary);
    }
  });
});
