import { randomUUID } from 'node:crypto';
import { notFoundStatus } from './apiStatus';

// Pod writes for the fixture API server (the debug-pod path): create, delete, and the state a
// created pod goes through on each GET - Pending, then Running once its node "started" it, or
// stuck Pending with the container's waiting reason (ImagePullBackOff ...) when the test says
// so. Shapes as the apiserver returns them (201 Created with the stored object, 200 with the
// object on delete, 404/409 Status bodies).

export type KubeObject = Record<string, unknown> & {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  spec?: { nodeName?: string; [k: string]: unknown };
  status?: Record<string, unknown>;
};

/** What one allowlisted program prints on a fixture node (the debug-pod exec runs these). */
export interface FakeProgram {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  /** Never finish: the exec stays open until the client closes it. */
  hang?: boolean;
}

export interface FakeNodeHost {
  /** By the whole allowlisted argv joined with spaces, or by program name (argv[0]); absent programs exit 127. */
  programs: Record<string, FakeProgram>;
  /** The pod never starts: its container waits with this reason. */
  podStuck?: { reason: string; message: string };
  /** GETs that still see Pending before Running (default 1). */
  pollsUntilRunning?: number;
}

export interface PodEvent {
  verb: 'create' | 'delete';
  namespace: string;
  name: string;
  node?: string;
  /** For creates: the object as the client sent it. */
  sent?: KubeObject;
  at: number;
}

export interface Answer {
  code: number;
  body: unknown;
}

export interface FakePods {
  /** POST/DELETE on pods; null when the request is not one. */
  write(method: string, path: string, body: string): Answer | null;
  /** Called before a GET of one pod: advances its state. */
  touch(path: string): void;
  find(namespace: string, name: string): KubeObject | undefined;
  events: PodEvent[];
}

const POD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?$/;
const CREATED_AT = '2026-01-05T10:00:00Z';

function status(code: number, reason: string, message: string): Answer {
  return { code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code } };
}

export function fakePods(pods: KubeObject[], hosts: Map<string, FakeNodeHost>, namespaces: string[] | undefined): FakePods {
  const polls = new Map<string, number>();
  const events: PodEvent[] = [];
  const key = (ns: string, name: string): string => `${ns}/${name}`;
  const find = (ns: string, name: string): KubeObject | undefined => pods.find((p) => p.metadata?.namespace === ns && p.metadata?.name === name);

  const write = (method: string, path: string, text: string): Answer | null => {
    const m = POD_PATH.exec(path);
    if (!m || (method !== 'POST' && method !== 'DELETE')) return null;
    const ns = decodeURIComponent(m[1]);
    const name = m[2] !== undefined ? decodeURIComponent(m[2]) : undefined;
    if (method === 'DELETE') {
      if (name === undefined) return status(405, 'MethodNotAllowed', 'deletecollection is not served by the fixture');
      const pod = find(ns, name);
      if (!pod) return { code: 404, body: notFoundStatus(path) };
      pods.splice(pods.indexOf(pod), 1);
      events.push({ verb: 'delete', namespace: ns, name, ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}), at: Date.now() });
      return { code: 200, body: pod };
    }
    if (name !== undefined) return status(405, 'MethodNotAllowed', 'POST to a named pod');
    if (namespaces && !namespaces.includes(ns)) return status(404, 'NotFound', `namespaces "${ns}" not found`);
    let pod: KubeObject;
    try {
      pod = JSON.parse(text) as KubeObject;
    } catch {
      return status(400, 'BadRequest', 'the body is not JSON');
    }
    const podName = pod.metadata?.name;
    if (pod.kind !== 'Pod' || typeof podName !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(podName)) return status(422, 'Invalid', 'Pod is invalid: metadata.name');
    if (pod.metadata?.namespace !== undefined && pod.metadata.namespace !== ns) return status(400, 'BadRequest', 'the namespace of the object does not match the namespace on the request');
    if (find(ns, podName)) return status(409, 'AlreadyExists', `pods "${podName}" already exists`);
    const sent = structuredClone(pod);
    pod.metadata = { ...pod.metadata, namespace: ns, uid: randomUUID(), resourceVersion: '60001', creationTimestamp: CREATED_AT };
    pod.status = { phase: 'Pending', qosClass: 'Burstable' };
    pods.push(pod);
    // Lists page in key order (etcd's), so the collection stays sorted.
    const k = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
    pods.sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
    polls.set(key(ns, podName), hosts.get(pod.spec?.nodeName ?? '')?.pollsUntilRunning ?? 1);
    events.push({ verb: 'create', namespace: ns, name: podName, ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}), sent, at: Date.now() });
    return { code: 201, body: pod };
  };

  const touch = (path: string): void => {
    const m = POD_PATH.exec(path);
    if (!m || m[2] === undefined) return;
    const ns = decodeURIComponent(m[1]);
    const name = decodeURIComponent(m[2]);
    const pod = find(ns, name);
    const left = polls.get(key(ns, name));
    if (!pod || left === undefined) return;
    const host = hosts.get(pod.spec?.nodeName ?? '');
    const container = ((pod.spec?.containers as { name?: string; image?: string }[] | undefined) ?? [])[0] ?? {};
    // No fixture host for the node: the kubelet never reports (a node that is gone).
    if (!host) return;
    if (host.podStuck) {
      pod.status = {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady' }],
        containerStatuses: [{ name: container.name, image: container.image, ready: false, restartCount: 0, state: { waiting: host.podStuck } }],
      };
      return;
    }
    if (left > 0) {
      polls.set(key(ns, name), left - 1);
      pod.status = {
        phase: 'Pending',
        containerStatuses: [{ name: container.name, image: container.image, ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }],
      };
      return;
    }
    pod.status = {
      phase: 'Running',
      hostIP: '10.0.0.1',
      startTime: CREATED_AT,
      containerStatuses: [{ name: container.name, image: container.image, ready: true, started: true, restartCount: 0, state: { running: { startedAt: CREATED_AT } } }],
    };
  };

  return { write, touch, find, events };
}
