import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectOptions, KubeClient } from '../../../core/node/kube/kubeClient';
import { connectContext } from '../../../core/node/kube/kubeClient';
import { loadKubeconfig } from '../../../core/node/kube/kubeconfig';

// Shared by the kube tests: temp dirs, kubeconfig files, and a client with fast retries whose
// waits are recorded instead of slept (no wall-clock in the assertions).

export interface TempDir {
  path: string;
  file(name: string, text: string, mode?: number): string;
  remove(): void;
}

export function tempDir(prefix = 'proxyscope-kube-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file(name, text, mode = 0o600) {
      const p = join(path, name);
      writeFileSync(p, text, { mode });
      return p;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

export interface TestClient {
  client: KubeClient;
  waits: number[];
  log: string[];
}

export async function clientFor(kubeconfigPath: string, opts: ConnectOptions = {}): Promise<TestClient> {
  const waits: number[] = [];
  const log: string[] = [];
  const kc = loadKubeconfig({ explicit: kubeconfigPath });
  const client = await connectContext(kc, {
    timeoutMs: 5000,
    loginPath: process.env.PATH ?? '',
    log: (l) => log.push(l),
    ...opts,
    retry: {
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...opts.retry,
    },
  });
  return { client, waits, log };
}
