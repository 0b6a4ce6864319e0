// The least access Proxyscope needs, printed when the API server says 403. Read-only: get/list
// on the four kinds it snapshots and a get on the one ConfigMap it reads. No secrets (list and
// watch on them reveal their contents), no writes, and never nodes/proxy (that is kubelet exec
// past audit and admission). The debug-pod mode needs more and asks for it separately.

export interface ApiTarget {
  verb: 'get' | 'list';
  resource: string;
  /** '' for the core group. */
  group: string;
  namespace?: string;
  name?: string;
}

/** `endpointslices.discovery.k8s.io` / `pods`: how RBAC and kubectl name a resource. */
export function qualifiedResource(t: ApiTarget): string {
  return t.group ? `${t.resource}.${t.group}` : t.resource;
}

/** `list endpointslices.discovery.k8s.io at the cluster scope`, `get configmaps "kube-proxy" in namespace kube-system`. */
export function describeTarget(t: ApiTarget): string {
  const what = t.name ? `${qualifiedResource(t)} "${t.name}"` : qualifiedResource(t);
  return `${t.verb} ${what} ${t.namespace ? `in namespace ${t.namespace}` : 'at the cluster scope'}`;
}

/** YAML for a ClusterRole + Role and their bindings; `user` from the 403 message when known. */
export function readOnlyRbacYaml(user?: string): string {
  // JSON strings are valid YAML scalars, so a user name from the server cannot break the YAML.
  const subject = user ? JSON.stringify(user) : '"<your user or group>"';
  return `# Read-only access for Proxyscope: get/list on services, endpointslices, pods, nodes,
# and get on the kube-proxy ConfigMap in kube-system. No secrets, no writes, no nodes/proxy.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: proxyscope-reader
rules:
- apiGroups: [""]
  resources: ["services", "pods", "nodes"]
  verbs: ["get", "list"]
- apiGroups: ["discovery.k8s.io"]
  resources: ["endpointslices"]
  verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: proxyscope-kube-proxy-config
  namespace: kube-system
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  resourceNames: ["kube-proxy"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: proxyscope-reader
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: proxyscope-reader
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: ${subject}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: proxyscope-kube-proxy-config
  namespace: kube-system
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: proxyscope-kube-proxy-config
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: ${subject}
`;
}
