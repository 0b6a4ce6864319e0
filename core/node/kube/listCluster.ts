import { KubeApiError } from './apiErrors';
import type { KubeClient } from './kubeClient';
import type { KubeProxyInfo } from './kubeProxyInfo';
import { configMapMode, isKubeProxyPod, kubeProxyPod } from './kubeProxyInfo';
import type { ApiTarget } from './rbac';
import { describeTarget, qualifiedResource, readOnlyRbacYaml } from './rbac';

// The API half of a snapshot: Services, EndpointSlices (discovery.k8s.io/v1), Pods and Nodes
// across all namespaces, read with list + limit/continue like `kubectl get -A -o json
// --chunk-size=500`, written as the List kubectl prints (apiVersion/kind on every item,
// managedFields dropped as kubectl does). One resource failing does not lose the others: its
// problem is recorded and the listing is marked partial. An expired continue token (410) falls
// back to one full list, as client-go's pager does (FullListIfExpired).

export type ResourceName = 'services' | 'endpointslices' | 'pods' | 'nodes';

export interface ResourceStatus {
  status: 'ok' | 'partial' | 'failed';
  count: number;
  pages: number;
  error?: string;
  errorKind?: KubeApiError['kind'];
}

export interface ListOptions {
  signal?: AbortSignal;
  /** Items per page (default 500, kubectl's --chunk-size). */
  pageSize?: number;
  /** Per request (default: the client's, 30 s). */
  timeoutMs?: number;
}

export interface ClusterListing {
  /** kubectl-style List JSON for cluster.json. */
  list: string;
  kubeProxy: KubeProxyInfo;
  /** Some of the four lists are missing or incomplete. */
  partial: boolean;
  /** One sentence per problem, secrets redacted. */
  problems: string[];
  /** Things that went fine in the end but are worth knowing (a list restarted after 410). */
  notes: string[];
  resources: Record<ResourceName, ResourceStatus>;
  /** The read-only RBAC to ask for, present when something was forbidden. */
  rbacHint?: string;
  /** From the client: insecure-skip-tls-verify and the like; belongs in the report. */
  warnings: string[];
}

interface ResourceSpec {
  name: ResourceName;
  path: string;
  apiVersion: string;
  kind: string;
  group: string;
}

const RESOURCES: ResourceSpec[] = [
  { name: 'services', path: '/api/v1/services', apiVersion: 'v1', kind: 'Service', group: '' },
  { name: 'endpointslices', path: '/apis/discovery.k8s.io/v1/endpointslices', apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', group: 'discovery.k8s.io' },
  { name: 'pods', path: '/api/v1/pods', apiVersion: 'v1', kind: 'Pod', group: '' },
  { name: 'nodes', path: '/api/v1/nodes', apiVersion: 'v1', kind: 'Node', group: '' },
];

const KUBE_PROXY_CM: ApiTarget = { verb: 'get', resource: 'configmaps', group: '', namespace: 'kube-system', name: 'kube-proxy' };
/** A server handing out continue tokens forever is a bug; stop rather than loop. */
const MAX_PAGES = 10_000;

type Obj = Record<string, unknown>;

/**
 * kubectl's printing: apiVersion/kind first, no managedFields. Also dropped, because a snapshot
 * is shared and Proxyscope never reads them: the last-applied annotation (a full copy of the
 * object as applied) and literal container env values (`valueFrom` references stay).
 */
function printable(item: Obj, spec: ResourceSpec): Obj {
  const meta = item.metadata as Obj | undefined;
  if (meta) {
    delete meta.managedFields;
    const ann = meta.annotations as Obj | undefined;
    if (ann) delete ann['kubectl.kubernetes.io/last-applied-configuration'];
  }
  if (spec.kind === 'Pod') {
    const podSpec = item.spec as Obj | undefined;
    for (const key of ['containers', 'initContainers', 'ephemeralContainers']) {
      const list = podSpec?.[key];
      if (!Array.isArray(list)) continue;
      for (const c of list as Obj[]) {
        if (Array.isArray(c.env)) for (const e of c.env as Obj[]) delete e.value;
      }
    }
  }
  return { apiVersion: spec.apiVersion, kind: spec.kind, ...item };
}

interface Listed {
  items: Obj[];
  pages: number;
  error?: KubeApiError;
  note?: string;
}

async function listAll(client: KubeClient, spec: ResourceSpec, opts: ListOptions): Promise<Listed> {
  const target: ApiTarget = { verb: 'list', resource: spec.name, group: spec.group };
  const pageSize = opts.pageSize ?? 500;
  let items: Obj[] = [];
  let pages = 0;
  let cont = '';
  let fullList = false;
  let note: string | undefined;
  const seen = new Set<string>();
  for (;;) {
    const query: Record<string, string> = fullList ? {} : { limit: String(pageSize), ...(cont ? { continue: cont } : {}) };
    let page: unknown;
    try {
      page = await client.getJson(spec.path, { query, target, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
    } catch (err) {
      if (err instanceof KubeApiError && err.kind === 'gone' && cont !== '' && !fullList) {
        // The continue token outlived etcd's compaction window: start over with one full list.
        fullList = true;
        items = [];
        note = `${qualifiedResource(target)}: the paging token expired (410 Gone) after ${pages} pages; listed again in one request`;
        continue;
      }
      if (err instanceof KubeApiError) return { items, pages, error: err, ...(note ? { note } : {}) };
      throw err;
    }
    pages++;
    const p = (page ?? {}) as Obj;
    if (!Array.isArray(p.items)) {
      const error = new KubeApiError('invalid-response', `${describeTarget(target)}: the answer is not a list (no items)`, target, 200);
      return { items, pages, error, ...(note ? { note } : {}) };
    }
    for (const it of p.items as Obj[]) if (typeof it === 'object' && it !== null) items.push(printable(it, spec));
    const next = (p.metadata as Obj | undefined)?.continue;
    if (typeof next !== 'string' || next === '' || fullList) break;
    if (seen.has(next) || pages >= MAX_PAGES) {
      const error = new KubeApiError('invalid-response', `${describeTarget(target)}: the API server repeated a continue token; stopped after ${pages} pages`, target, 200);
      return { items, pages, error, ...(note ? { note } : {}) };
    }
    seen.add(next);
    cont = next;
  }
  return { items, pages, ...(note ? { note } : {}) };
}

function consequence(name: ResourceName): string {
  switch (name) {
    case 'services':
      return 'without Services no rule can be mapped to its Service';
    case 'endpointslices':
      return 'without EndpointSlices expected backends are unknown';
    case 'pods':
      return 'without Pods readiness details and kube-proxy pod health are missing';
    case 'nodes':
      return 'without Nodes node addresses (SSH targets, NodePorts) are unknown';
  }
}

function firstLine(text: string): string {
  const i = text.indexOf('\n');
  return i < 0 ? text : text.slice(0, i);
}

export async function listClusterObjects(client: KubeClient, opts: ListOptions = {}): Promise<ClusterListing> {
  const [listed, cm] = await Promise.all([
    Promise.all(RESOURCES.map((spec) => listAll(client, spec, opts))),
    client
      .getJson('/api/v1/namespaces/kube-system/configmaps/kube-proxy', {
        target: KUBE_PROXY_CM,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      })
      .then(
        (v) => ({ value: v as unknown, error: undefined as KubeApiError | undefined }),
        (err: unknown) => {
          if (err instanceof KubeApiError) return { value: undefined, error: err };
          throw err;
        },
      ),
  ]);

  const problems: string[] = [];
  const notes: string[] = [];
  const resources = {} as Record<ResourceName, ResourceStatus>;
  let forbiddenUserName: string | undefined;
  let anyForbidden = false;
  listed.forEach((l, i) => {
    const spec = RESOURCES[i];
    if (l.note) notes.push(l.note);
    if (!l.error) {
      resources[spec.name] = { status: 'ok', count: l.items.length, pages: l.pages };
      return;
    }
    const err = l.error;
    if (err.kind === 'forbidden') {
      anyForbidden = true;
      forbiddenUserName ??= err.user;
    }
    const status = l.items.length > 0 ? 'partial' : 'failed';
    const summary = client.secrets.redact(firstLine(err.message));
    resources[spec.name] = { status, count: l.items.length, pages: l.pages, error: summary, errorKind: err.kind };
    const kept = l.items.length > 0 ? ` (${l.items.length} listed before the error are kept, the rest is missing)` : '';
    problems.push(`${spec.name}: ${summary}${kept}; ${consequence(spec.name)}`);
  });

  if (RESOURCES.every((s) => resources[s.name].status === 'failed')) {
    // Nothing at all: one clear error (401, TLS, unreachable ...) beats an empty snapshot.
    const first = listed[0].error as KubeApiError;
    throw new KubeApiError(first.kind, first.message, first.target, first.status, first.user);
  }

  const kubeProxy: KubeProxyInfo = { configMapFound: false, pods: [] };
  if (cm.error) {
    if (cm.error.kind === 'not-found') notes.push('kube-system/kube-proxy ConfigMap not found: kube-proxy is configured another way (flags, a distro config)');
    else {
      if (cm.error.kind === 'forbidden') {
        anyForbidden = true;
        forbiddenUserName ??= cm.error.user;
      }
      problems.push(`kube-proxy ConfigMap: ${firstLine(cm.error.message)}; the configured proxy mode is unknown`);
    }
  } else {
    kubeProxy.configMapFound = true;
    const m = configMapMode(cm.value);
    if (m.mode !== undefined) kubeProxy.configMapMode = m.mode;
    if (m.key !== undefined) kubeProxy.configMapKey = m.key;
  }
  const podIndex = RESOURCES.findIndex((s) => s.name === 'pods');
  kubeProxy.pods = listed[podIndex].items.filter(isKubeProxyPod).map(kubeProxyPod);

  const rbacHint = anyForbidden ? client.secrets.redact(readOnlyRbacYaml(forbiddenUserName)) : undefined;
  if (rbacHint) problems.push(`Proxyscope only reads. A cluster admin can grant the minimal read-only access with \`kubectl apply -f -\`:\n${rbacHint}`);

  const items = listed.flatMap((l) => l.items);
  // One object per line: greppable, diffable, and far smaller than kubectl's 4-space indent.
  const list = `{"apiVersion":"v1","items":[\n${items.map((o) => JSON.stringify(o)).join(',\n')}\n],"kind":"List","metadata":{"resourceVersion":""}}\n`;
  return {
    list,
    kubeProxy,
    partial: RESOURCES.some((s) => resources[s.name].status !== 'ok'),
    problems: problems.map((p) => client.secrets.redact(p)),
    notes,
    resources,
    ...(rbacHint ? { rbacHint } : {}),
    warnings: [...client.warnings],
  };
}
