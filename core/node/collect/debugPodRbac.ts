import { parseStatus, serverSays } from '../kube/apiErrors';
import type { NodeScanStatus } from './scanTypes';

// API refusals on the debug-pod path turned into what a person must do. The verb and resource
// come from the request Proxyscope made, never from the server's body; the server's own
// message is quoted (redacted, one line) because it is the most precise text there is.
// The Role is the debug Role of the security test plan (3.3): one dedicated namespace,
// create/get/list/delete on pods, get+create on pods/exec (a WebSocket exec is a GET; since
// Kubernetes 1.35 the API server also checks `create` on it: KEP-4006,
// AuthorizePodWebsocketUpgradeCreatePermission). Never nodes/proxy.

export type PodVerb = 'create' | 'get' | 'list' | 'delete';
export type PodResource = 'pods' | 'pods/exec';

export interface PodApiTarget {
  verb: PodVerb;
  resource: PodResource;
  namespace: string;
  name?: string;
}

export class PodApiError extends Error {
  override name = 'PodApiError';
  constructor(
    readonly status: NodeScanStatus,
    message: string,
    readonly httpStatus?: number,
    /** Set when the RBAC Role below would fix it. */
    readonly rbac?: boolean,
  ) {
    super(message);
  }
}

export function describePodTarget(t: PodApiTarget): string {
  return `${t.verb} ${t.resource}${t.name ? ` "${t.name}"` : ''} in namespace ${t.namespace}`;
}

/** The least a user needs for `--via pod`, in the namespace the pods go to. */
export function debugPodRoleYaml(namespace: string): string {
  const ns = JSON.stringify(namespace);
  return `# Debug-pod access for Proxyscope (--via pod), in its own namespace only. Privileged pods give
# root on the node: grant this to admins only, and label only this namespace PSA "privileged".
apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
  labels:
    pod-security.kubernetes.io/enforce: privileged
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: proxyscope-debug-pod
  namespace: ${ns}
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["create", "get", "list", "delete"]
- apiGroups: [""]
  resources: ["pods/exec"]
  verbs: ["get", "create"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: proxyscope-debug-pod
  namespace: ${ns}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: proxyscope-debug-pod
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: "<your user or group>"
`;
}

const ADMISSION = /violates PodSecurity|admission webhook|denied the request|exceeded quota/i;

/** A non-2xx answer to a pod request (or a refused exec handshake) as a PodApiError. */
export function podApiError(t: PodApiTarget, httpStatus: number, body: Buffer, redact: (s: string) => string): PodApiError {
  const st = parseStatus(body);
  const said = serverSays(st?.message, redact);
  const quote = said ? `; the API server said: ${said}` : '';
  const what = describePodTarget(t);
  if (httpStatus === 401) {
    return new PodApiError('auth-failed', `credentials rejected (401) on ${what}: log in again and retry${quote}`, 401);
  }
  if (httpStatus === 403 && said && ADMISSION.test(said)) {
    return new PodApiError(
      'unreachable',
      `the cluster's admission refused the debug pod (${what})${quote}. The namespace must allow privileged pods ` +
        `(label it pod-security.kubernetes.io/enforce=privileged), or use --via ssh`,
      403,
    );
  }
  if (httpStatus === 403) {
    return new PodApiError(
      'auth-failed',
      `forbidden: may not ${what} (RBAC verb "${t.verb}" on resource "${t.resource}")${quote}. ` +
        `The debug-pod mode needs a Role in namespace ${t.namespace}: create/get/list/delete on pods and get+create on pods/exec (printed in the warnings)`,
      403,
      true,
    );
  }
  if (httpStatus === 404 && t.verb === 'create' && t.resource === 'pods') {
    return new PodApiError('unreachable', `cannot ${what}: the namespace does not exist (create it, labelled pod-security.kubernetes.io/enforce=privileged, or choose one with --pod-namespace)${quote}`, 404);
  }
  return new PodApiError('unreachable', `${what} failed with HTTP ${httpStatus}${st?.reason ? ` ${st.reason}` : ''}${quote}`, httpStatus);
}
