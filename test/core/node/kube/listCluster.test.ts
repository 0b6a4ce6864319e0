import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiError } from '../../../../core/node/kube/apiErrors';
import type { ResourceName } from '../../../../core/node/kube/listCluster';
import { listClusterObjects } from '../../../../core/node/kube/listCluster';
import type { Fault, FakeApiServer, FaultOptions } from '../../../helpers/fakeApiServer/fakeApiServer';
import { startFakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { TempDir } from '../../../helpers/fakeApiServer/kubeTestKit';
import { clientFor, tempDir } from '../../../helpers/fakeApiServer/kubeTestKit';
import { baseCluster } from '../../../helpers/scenario/faultScenarios';

// listClusterObjects against the fixture API server (real HTTPS, real paging, real Status
// bodies): paging, 410 fallback, 401/403 messages, Retry-After, retries, hangs, truncation and
// partial results (K4, K5).

const state = baseCluster().build();
const PATHS: Record<ResourceName, string> = {
  services: '/api/v1/services',
  endpointslices: '/apis/discovery.k8s.io/v1/endpointslices',
  pods: '/api/v1/pods',
  nodes: '/api/v1/nodes',
};
const KUBE_PROXY_PODS = state.nodes.length;
const TOTAL_PODS = state.pods.length + KUBE_PROXY_PODS;
/** Three pages of pods. */
const PAGE = Math.ceil(TOTAL_PODS / 3);

let api: FakeApiServer;
let dir: TempDir;
let kubeconfig: string;

beforeAll(async () => {
  api = await startFakeApiServer({ cluster: state, kubeProxy: { mode: 'iptables', restarts: { 'worker-2': 3 } } });
  dir = tempDir();
  kubeconfig = dir.file('config', api.kubeconfigFor('fake'));
});
afterAll(async () => {
  await api?.close();
  dir?.remove();
});
beforeEach(() => {
  api.clearFaults();
  api.requests.length = 0;
});

const requestsTo = (path: string) => api.requests.filter((r) => r.path === path);

async function list(faults: [string, Fault, FaultOptions?][] = [], opts: { timeoutMs?: number; signal?: AbortSignal } = {}) {
  for (const [path, fault, o] of faults) api.script(path, fault, o);
  const t = await clientFor(kubeconfig, opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {});
  try {
    const listing = await listClusterObjects(t.client, { pageSize: PAGE, ...(opts.signal ? { signal: opts.signal } : {}) });
    return { listing, waits: t.waits, log: t.log };
  } finally {
    t.client.close();
  }
}

describe('listClusterObjects', () => {
  it('lists Services, EndpointSlices, Pods and Nodes across pages as one kubectl-style List', async () => {
    const { listing } = await list();
    expect(listing.partial).toBe(false);
    expect(listing.problems).toEqual([]);
    const doc = JSON.parse(listing.list) as { apiVersion: string; kind: string; items: { apiVersion: string; kind: string; metadata: { name: string } }[] };
    expect(doc).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    const kinds = doc.items.map((i) => `${i.apiVersion}/${i.kind}`);
    expect(kinds.filter((k) => k === 'v1/Service')).toHaveLength(state.services.length);
    expect(kinds.filter((k) => k === 'discovery.k8s.io/v1/EndpointSlice')).toHaveLength(state.endpointSlices.length);
    expect(kinds.filter((k) => k === 'v1/Pod')).toHaveLength(TOTAL_PODS);
    expect(kinds.filter((k) => k === 'v1/Node')).toHaveLength(state.nodes.length);
    // kubectl's order: all services, then slices, then pods, then nodes.
    expect(kinds.indexOf('v1/Node')).toBeGreaterThan(kinds.lastIndexOf('v1/Pod'));
    const pods = requestsTo(PATHS.pods);
    expect(pods).toHaveLength(3);
    expect(pods.map((r) => r.query.limit)).toEqual([String(PAGE), String(PAGE), String(PAGE)]);
    expect(pods[0].query.continue).toBeUndefined();
    expect(pods[1].query.continue).toBeTruthy();
    expect(listing.resources.pods).toEqual({ status: 'ok', count: TOTAL_PODS, pages: 3 });
    expect(new Set(doc.items.filter((i) => i.kind === 'Pod').map((i) => i.metadata.name)).size).toBe(TOTAL_PODS);
  });

  it("reads kube-proxy's mode from its ConfigMap and its pods' restarts and version", async () => {
    const { listing } = await list();
    expect(listing.kubeProxy.configMapFound).toBe(true);
    expect(listing.kubeProxy.configMapMode).toBe('iptables');
    expect(listing.kubeProxy.configMapKey).toBe('config.conf');
    expect(listing.kubeProxy.pods).toHaveLength(KUBE_PROXY_PODS);
    const w2 = listing.kubeProxy.pods.find((p) => p.node === 'worker-2');
    expect(w2).toMatchObject({ restarts: 3, ready: true, version: 'v1.34.1', phase: 'Running', lastTerminationReason: 'Error' });
    expect(listing.kubeProxy.pods.find((p) => p.node === 'worker-1')?.restarts).toBe(0);
  });

  it('starts over with one full list when a continue token has expired (410 Gone)', async () => {
    const { listing } = await list([[PATHS.pods, { kind: 'expired-continue' }, { times: 1 }]]);
    expect(listing.partial).toBe(false);
    expect(listing.resources.pods.count).toBe(TOTAL_PODS);
    expect(listing.notes.join('\n')).toMatch(/paging token expired \(410 Gone\)/);
    const pods = requestsTo(PATHS.pods);
    expect(pods.map((r) => r.status)).toEqual([200, 410, 200]);
    expect(pods[2].query).toEqual({});
    const names = (JSON.parse(listing.list) as { items: { kind: string; metadata: { name: string } }[] }).items.filter((i) => i.kind === 'Pod').map((i) => i.metadata.name);
    expect(new Set(names).size).toBe(names.length);
  });

  const partialCases: { name: string; resource: ResourceName; fault: Fault; opts?: FaultOptions; status: 'failed' | 'partial'; problem: RegExp }[] = [
    {
      name: 'pods are forbidden',
      resource: 'pods',
      fault: { kind: 'forbidden' },
      status: 'failed',
      problem: /forbidden: user "proxyscope-test" may not list pods at the cluster scope \(RBAC verb "list" on resource "pods"\)/,
    },
    {
      name: 'endpointslices are forbidden',
      resource: 'endpointslices',
      fault: { kind: 'forbidden' },
      status: 'failed',
      problem: /may not list endpointslices\.discovery\.k8s\.io at the cluster scope/,
    },
    {
      name: 'the second page of pods keeps failing',
      resource: 'pods',
      fault: { kind: 'server-error' },
      opts: { onlyContinue: true },
      status: 'partial',
      problem: new RegExp(`HTTP 500 InternalError \\(after 4 attempts\\).*\\(${PAGE} listed before the error are kept`),
    },
    { name: 'the nodes answer is cut off', resource: 'nodes', fault: { kind: 'truncate' }, status: 'failed', problem: /nodes: list nodes at the cluster scope: the (response|connection).*(cut off|ended early|closed)/ },
    { name: 'the services request hangs', resource: 'services', fault: { kind: 'hang' }, status: 'failed', problem: /did not answer within 0\.3 s/ },
  ];

  it.each(partialCases)('keeps the other lists and marks the result partial when $name', async ({ resource, fault, opts, status, problem }) => {
    const { listing } = await list([[PATHS[resource], fault, opts]], { timeoutMs: 300 });
    expect(listing.partial).toBe(true);
    expect(listing.resources[resource].status).toBe(status);
    expect(listing.problems.join('\n')).toMatch(problem);
    for (const other of Object.keys(PATHS) as ResourceName[]) {
      if (other !== resource) expect(listing.resources[other].status).toBe('ok');
    }
  });

  it('prints the minimal read-only RBAC, bound to the user the API server named, when something is forbidden', async () => {
    const { listing } = await list([[PATHS.pods, { kind: 'forbidden', user: 'alice@example.com' }]]);
    expect(listing.rbacHint).toContain('kind: ClusterRole');
    expect(listing.rbacHint).toContain('resources: ["services", "pods", "nodes"]');
    expect(listing.rbacHint).toContain('resources: ["endpointslices"]');
    expect(listing.rbacHint).toContain('resourceNames: ["kube-proxy"]');
    expect(listing.rbacHint).toContain('name: "alice@example.com"');
    const rules = (listing.rbacHint ?? '').split('\n').filter((l) => !l.startsWith('#')).join('\n');
    expect(rules).not.toMatch(/secrets|nodes\/proxy|create|delete|update|patch|watch|"\*"/);
    expect(listing.problems.at(-1)).toContain(listing.rbacHint);
  });

  it('waits as long as Retry-After says on 429, then succeeds', async () => {
    const { listing, waits } = await list([[PATHS.services, { kind: 'too-many-requests', retryAfterSeconds: 2 }, { times: 2 }]]);
    expect(listing.partial).toBe(false);
    expect(waits).toEqual([2000, 2000]);
    expect(requestsTo(PATHS.services).map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('really sleeps for Retry-After when no test clock is injected', async () => {
    api.script(PATHS.nodes, { kind: 'too-many-requests', retryAfterSeconds: 1 }, { times: 1 });
    const t = await clientFor(kubeconfig, { retry: { sleep: undefined } });
    const listing = await listClusterObjects(t.client, { pageSize: PAGE });
    t.client.close();
    expect(listing.partial).toBe(false);
    const nodes = requestsTo(PATHS.nodes);
    expect(nodes).toHaveLength(2);
    // Generous bound: at least most of the second that was asked for.
    expect(nodes[1].at - nodes[0].at).toBeGreaterThanOrEqual(900);
  });

  it('gives up at once when Retry-After is longer than Proxyscope waits', async () => {
    const { listing, waits } = await list([[PATHS.nodes, { kind: 'too-many-requests', retryAfterSeconds: 600 }]]);
    expect(waits).toEqual([]);
    expect(listing.problems.join('\n')).toMatch(/asked to retry after 600 s, longer than Proxyscope waits/);
  });

  it('retries a 500 with growing backoff and succeeds when the server recovers', async () => {
    const { listing, waits } = await list([[PATHS.services, { kind: 'server-error' }, { times: 2 }]]);
    expect(listing.partial).toBe(false);
    expect(requestsTo(PATHS.services).map((r) => r.status)).toEqual([500, 500, 200]);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(250);
    expect(waits[0]).toBeLessThanOrEqual(500);
    expect(waits[1]).toBeGreaterThanOrEqual(500);
    expect(waits[1]).toBeLessThanOrEqual(1000);
  });

  it('fails clearly after 4 attempts when the server keeps answering 500', async () => {
    const { listing } = await list([[PATHS.services, { kind: 'server-error' }]]);
    expect(requestsTo(PATHS.services)).toHaveLength(4);
    expect(listing.problems[0]).toMatch(
      /^services: list services at the cluster scope failed with HTTP 500 InternalError \(after 4 attempts\): Internal error occurred: etcdserver: request timed out/,
    );
  });

  it('throws "credentials rejected" naming user and context when every list gets 401', async () => {
    for (const p of Object.values(PATHS)) api.script(p, { kind: 'unauthorized' });
    const t = await clientFor(kubeconfig);
    const err = await listClusterObjects(t.client).catch((e: unknown) => e);
    t.client.close();
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).kind).toBe('unauthorized');
    expect((err as Error).message).toMatch(/^credentials rejected: the API server at 127\.0\.0\.1:\d+ answered 401 Unauthorized to list services at the cluster scope for user "fake-user" of context "fake"/);
    // A static token cannot be refreshed: one request per list, no retry storm.
    expect(requestsTo(PATHS.services)).toHaveLength(1);
  });

  it('throws with the RBAC to ask for when every list is forbidden', async () => {
    for (const p of Object.values(PATHS)) api.script(p, { kind: 'forbidden' });
    const t = await clientFor(kubeconfig);
    const err = await listClusterObjects(t.client).catch((e: unknown) => e);
    t.client.close();
    expect((err as KubeApiError).kind).toBe('forbidden');
    expect((err as Error).message).toMatch(/may not list services at the cluster scope/);
    expect((err as Error).message).toContain('kind: ClusterRole');
  });

  it('stops a hanging listing when the caller cancels', async () => {
    api.script(PATHS.pods, { kind: 'hang' });
    const t = await clientFor(kubeconfig, { timeoutMs: 30_000 });
    const ac = new AbortController();
    const p = listClusterObjects(t.client, { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    const err = await p.catch((e: unknown) => e);
    t.client.close();
    expect((err as Error).name).toBe('AbortError');
  });
});
