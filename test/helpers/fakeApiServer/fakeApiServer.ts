import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ClusterState } from '../../../core/common/model';
import { baseCluster } from '../scenario/faultScenarios';
import type { Status } from './apiStatus';
import {
  expiredStatus,
  forbiddenStatus,
  internalErrorStatus,
  notFoundStatus,
  requestTarget,
  tooManyRequestsStatus,
  unauthorizedStatus,
} from './apiStatus';
import type { ExecLog } from './fakeExec';
import { attachExec } from './fakeExec';
import type { FakeNodeHost, PodEvent } from './fakePods';
import { fakePods } from './fakePods';
import type { KubeconfigOptions } from './fixtureKubeconfig';
import { fixtureKubeconfig } from './fixtureKubeconfig';
import type { KubeProxyOptions } from './kubeProxyObjects';
import { kubeProxyObjects } from './kubeProxyObjects';
import type { ServerCertOptions } from './testCerts';
import { generateServerCert, generateTestCa } from './testCerts';

// A fixture Kubernetes API server: HTTPS on 127.0.0.1 (random port) with a CA generated for
// the run, bearer-token auth, real object shapes (test/helpers/scenario builds them), list
// paging with `limit`/`continue` (keys in etcd order, as the apiserver pages), and faults
// scripted per path. There is no real kube-apiserver on this machine; this stands in for it.
// For the debug-pod path it also creates and deletes pods (fakePods.ts) and serves pods/exec
// over WebSocket against per-node fixture programs (fakeExec.ts).

export type Fault =
  | { kind: 'unauthorized' }
  | { kind: 'forbidden'; user?: string }
  | { kind: 'too-many-requests'; retryAfterSeconds: number }
  | { kind: 'server-error' }
  /** Accept the request and never answer. */
  | { kind: 'hang' }
  /** Announce the full Content-Length, send half the body, drop the connection. */
  | { kind: 'truncate' }
  /** 410 Gone (reason Expired) for any request that carries a `continue` token. */
  | { kind: 'expired-continue' };

export interface FaultOptions {
  /** Apply to the first N matching requests only (default: all). */
  times?: number;
  /** Only requests that carry a `continue` token (a fault on page 2+). */
  onlyContinue?: boolean;
}

export interface RequestLog {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The bearer token presented, if any (tests check which credential was used). */
  token?: string;
  status?: number;
  fault?: Fault['kind'];
  /** Date.now() when the request arrived (for generous bounds only, never exact timing). */
  at: number;
}

export interface FakeApiServerOptions {
  cluster?: ClusterState;
  kubeProxy?: KubeProxyOptions;
  /** Accepted bearer tokens (default: one random token). */
  tokens?: string[];
  /** User name the forbidden messages carry. */
  user?: string;
  cert?: ServerCertOptions;
  /** Fixture "hosts" by node name: what the debug pod's exec finds there. */
  nodeHosts?: Record<string, FakeNodeHost>;
  /** Namespaces pods may be created in (default: any). */
  namespaces?: string[];
}

export interface FakeApiServer {
  url: string;
  port: number;
  caPem: string;
  token: string;
  kubeconfigFor(ctxName?: string, opts?: KubeconfigOptions): string;
  /** A fault for requests to `path` (exact) or any path the RegExp matches. */
  script(path: string | RegExp, fault: Fault, opts?: FaultOptions): void;
  clearFaults(): void;
  setTokens(tokens: string[]): void;
  requests: RequestLog[];
  /** Pod creations and deletions, in order. */
  podEvents: PodEvent[];
  /** Every pods/exec stream opened. */
  execs: ExecLog[];
  setNodeHost(node: string, host: FakeNodeHost): void;
  /** Puts a pod straight into the store (a leftover from a crashed run). */
  addPod(pod: Record<string, unknown>): void;
  /** Pods in the store whose labels match `k=v[,k=v]`. */
  podsMatching(selector: string): Record<string, unknown>[];
  /** Drops a pod from the store (as if someone deleted it out of band). */
  removePod(namespace: string, name: string): void;
  close(): Promise<void>;
}

interface ScriptedFault {
  path: string | RegExp;
  fault: Fault;
  remaining: number;
  onlyContinue: boolean;
}

type KubeObject = Record<string, unknown> & { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } };

const RESOURCE_VERSION = '48213';

const LIST_KINDS: Record<string, string> = {
  services: 'ServiceList',
  endpointslices: 'EndpointSliceList',
  pods: 'PodList',
  nodes: 'NodeList',
  configmaps: 'ConfigMapList',
};

function keyOf(o: KubeObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** The API server does not put apiVersion/kind on list items; kubectl adds them when printing. */
function stripTypeMeta(o: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

function byKey(objects: KubeObject[]): KubeObject[] {
  return [...objects].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

function encodeContinue(start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(RESOURCE_VERSION), start: `${start}\u0000` })).toString('base64url');
}

function decodeContinue(token: string): string | null {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { start?: unknown };
    return typeof parsed.start === 'string' ? parsed.start.replace(/\u0000$/, '') : null;
  } catch {
    return null;
  }
}

function matchesSelector(o: KubeObject, selector: string | undefined): boolean {
  if (!selector) return true;
  const labels = o.metadata?.labels ?? {};
  // Equality-based selectors as the API server reads them: `k=v`, `k==v`, `k!=v` (a missing
  // label satisfies `!=`).
  return selector.split(',').every((term) => {
    const ne = term.indexOf('!=');
    if (ne >= 0) return labels[term.slice(0, ne)] !== term.slice(ne + 2);
    const [k, v] = term.replace('==', '=').split('=');
    return labels[k] === v;
  });
}

export async function startFakeApiServer(opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const ca = generateTestCa();
  const cert = generateServerCert(ca, opts.cert);
  const state = opts.cluster ?? baseCluster().build();
  const kp = kubeProxyObjects(state, opts.kubeProxy);
  let tokens = new Set(opts.tokens ?? [randomBytes(24).toString('base64url')]);
  const token = [...tokens][0];
  const user = opts.user ?? 'proxyscope-test';
  const faults: ScriptedFault[] = [];
  const requests: RequestLog[] = [];

  const collections: Record<string, KubeObject[]> = {
    'v1/services': byKey(state.services as unknown as KubeObject[]),
    'discovery.k8s.io/endpointslices': byKey(state.endpointSlices as unknown as KubeObject[]),
    'v1/pods': byKey([...(state.pods as unknown as KubeObject[]), ...(kp.pods as KubeObject[])]),
    'v1/nodes': byKey(state.nodes as unknown as KubeObject[]),
    'v1/configmaps': kp.configMap ? [kp.configMap as KubeObject] : [],
  };

  const podStore = collections['v1/pods'];
  const hosts = new Map<string, FakeNodeHost>(Object.entries(opts.nodeHosts ?? {}));
  const pods = fakePods(podStore, hosts, opts.namespaces);
  const execs: ExecLog[] = [];

  const send = (res: ServerResponse, log: RequestLog, code: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    log.status = code;
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };

  const takeFault = (path: string, hasContinue: boolean): Fault | null => {
    for (const f of faults) {
      const matches = typeof f.path === 'string' ? f.path === path : f.path.test(path);
      if (!matches || f.remaining <= 0) continue;
      const continueOnly = f.onlyContinue || f.fault.kind === 'expired-continue';
      if (continueOnly && !hasContinue) continue;
      f.remaining--;
      return f.fault;
    }
    return null;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const auth = req.headers.authorization;
    const presented = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
    const method = req.method ?? 'GET';
    const log: RequestLog = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(presented !== undefined ? { token: presented } : {}),
      at: Date.now(),
    };
    requests.push(log);
    const continueToken = url.searchParams.get('continue') ?? '';
    const fault = takeFault(url.pathname, continueToken !== '');
    if (fault) log.fault = fault.kind;
    if (fault?.kind === 'hang') return;
    if (presented === undefined || !tokens.has(presented) || fault?.kind === 'unauthorized') {
      send(res, log, 401, unauthorizedStatus());
      return;
    }
    if (fault?.kind === 'forbidden') return send(res, log, 403, forbiddenStatus(url.pathname, fault.user ?? user, method));
    if (fault?.kind === 'too-many-requests') {
      return send(res, log, 429, tooManyRequestsStatus(fault.retryAfterSeconds), { 'Retry-After': String(fault.retryAfterSeconds) });
    }
    if (fault?.kind === 'server-error') return send(res, log, 500, internalErrorStatus());
    if (fault?.kind === 'expired-continue') return send(res, log, 410, expiredStatus(encodeContinue('')));
    if (method === 'POST' || method === 'DELETE') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answer = pods.write(method, url.pathname, Buffer.concat(chunks).toString('utf8'));
        if (answer) send(res, log, answer.code, answer.body);
        else send(res, log, 405, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 405, reason: 'MethodNotAllowed' });
      });
      return;
    }
    pods.touch(url.pathname);
    if (req.method !== 'GET') return send(res, log, 405, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 405, reason: 'MethodNotAllowed' });

    const body = route(url);
    if (body === null) return send(res, log, 404, notFoundStatus(url.pathname));
    if (fault?.kind === 'truncate') {
      const text = JSON.stringify(body);
      log.status = 200;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.write(text.slice(0, Math.floor(text.length / 2)), () => res.socket?.destroy());
      return;
    }
    send(res, log, 200, body);
  };

  const route = (url: URL): unknown => {
    if (url.pathname === '/version') {
      return { major: '1', minor: '34', gitVersion: 'v1.34.1', platform: 'linux/amd64' };
    }
    const t = requestTarget(url.pathname);
    if (!t || t.subresource) return null;
    const collection = collections[`${t.group === '' ? 'v1' : t.group}/${t.resource}`];
    if (!collection) return null;
    const inScope = collection.filter((o) => t.namespace === undefined || o.metadata?.namespace === t.namespace);
    if (t.verb === 'get') {
      const found = inScope.find((o) => o.metadata?.name === t.name);
      return found ?? null;
    }
    const selected = inScope.filter((o) => matchesSelector(o, url.searchParams.get('labelSelector') ?? undefined));
    const continueToken = url.searchParams.get('continue');
    let start = 0;
    if (continueToken) {
      const after = decodeContinue(continueToken);
      if (after === null) return null;
      start = selected.findIndex((o) => keyOf(o) > after);
      if (start < 0) start = selected.length;
    }
    const limit = Number(url.searchParams.get('limit') ?? '0');
    const end = limit > 0 ? Math.min(selected.length, start + limit) : selected.length;
    const page = selected.slice(start, end);
    const metadata: Record<string, unknown> = { resourceVersion: RESOURCE_VERSION };
    if (end < selected.length) {
      metadata.continue = encodeContinue(keyOf(selected[end - 1]));
      metadata.remainingItemCount = selected.length - end;
    }
    const apiVersion = t.group === '' ? 'v1' : `${t.group}/v1`;
    return { kind: LIST_KINDS[t.resource], apiVersion, metadata, items: page.map(stripTypeMeta) };
  };

  const server = createServer({ key: cert.keyPem, cert: cert.certPem }, handle);
  const detachExec = attachExec(server, {
    authorized: (req) => {
      const auth = req.headers.authorization;
      return auth?.startsWith('Bearer ') === true && tokens.has(auth.slice('Bearer '.length));
    },
    forbidden: (path) => takeFault(path, false)?.kind === 'forbidden',
    forbiddenBody: (path) => forbiddenStatus(path, user, 'GET'),
    findPod: (ns, name) => pods.find(ns, name),
    hosts,
    execs,
    log: (method, path, status) => requests.push({ method, path, query: {}, status, at: Date.now() }),
  });
  // A hung request must not keep the process alive after the test closes the server.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;

  const kubeconfigFor = (ctxName = 'fake', k: KubeconfigOptions = {}): string => fixtureKubeconfig(ctxName, { url, caPem: ca.certPem, token }, k);

  return {
    url,
    port,
    caPem: ca.certPem,
    token,
    kubeconfigFor,
    script(path, fault, o = {}) {
      faults.push({ path, fault, remaining: o.times ?? Number.POSITIVE_INFINITY, onlyContinue: o.onlyContinue ?? false });
    },
    clearFaults() {
      faults.length = 0;
    },
    setTokens(next) {
      tokens = new Set(next);
    },
    requests,
    podEvents: pods.events,
    execs,
    setNodeHost(node, host) {
      hosts.set(node, host);
    },
    addPod(pod) {
      podStore.push(pod as KubeObject);
      podStore.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    },
    podsMatching: (selector) => podStore.filter((p) => matchesSelector(p, selector)),
    removePod(namespace, name) {
      const i = podStore.findIndex((p) => p.metadata?.namespace === namespace && p.metadata?.name === name);
      if (i >= 0) podStore.splice(i, 1);
    },
    close: () =>
      new Promise<void>((resolve) => {
        detachExec();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type { KubeconfigOptions, Status };
export type { FakeNodeHost, FakeProgram } from './fakePods';
export type { ExecLog } from './fakeExec';
