import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toClientNodeKubeConfig } from '../../../../core/node/kube/clientNodeConfig';
import type { FakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import { startFakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { TempDir } from '../../../helpers/fakeApiServer/kubeTestKit';
import { clientFor, tempDir } from '../../../helpers/fakeApiServer/kubeTestKit';

// The hand-over to @kubernetes/client-node (for pods/exec later): same server, CA and the
// credential Proxyscope obtained - never the user's exec block.

let api: FakeApiServer;
let dir: TempDir;
beforeAll(async () => {
  api = await startFakeApiServer({ tokens: ['handover-token-0123456789'] });
  dir = tempDir();
});
afterAll(async () => {
  await api?.close();
  dir?.remove();
});

describe('toClientNodeKubeConfig', () => {
  it.each([
    { name: 'a static token', userYaml: '    token: handover-token-0123456789' },
    {
      name: 'an approved exec plugin',
      userYaml: () =>
        [
          '    exec:',
          '      apiVersion: client.authentication.k8s.io/v1',
          `      command: ${dir.file('p.sh', `#!/bin/sh\necho '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"handover-token-0123456789"}}'\n`, 0o755)}`,
        ].join('\n'),
    },
  ])('gives client-node a working config for $name, without any exec block', async ({ userYaml }) => {
    const yaml = typeof userYaml === 'function' ? userYaml() : userYaml;
    const t = await clientFor(dir.file(`kc-${yaml.length}`, api.kubeconfigFor('handover', { userYaml: yaml })), { allowExec: true });
    const kc = await toClientNodeKubeConfig(t.client);
    t.client.close();
    expect(kc.getCurrentUser()?.exec).toBeUndefined();
    const nodes = await kc.makeApiClient(CoreV1Api).listNode();
    expect(nodes.items.length).toBeGreaterThan(0);
    expect(api.requests.at(-1)?.token).toBe('handover-token-0123456789');
  });
});
