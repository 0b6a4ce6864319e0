// The metav1.Status bodies the real kube-apiserver sends with its errors, byte for byte in
// shape (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/status.go,
// apimachinery/pkg/api/errors/errors.go, the authorizer's forbidden message in
// apiserver/pkg/endpoints/handlers/responsewriters/errors.go).

export interface RequestTarget {
  verb: 'get' | 'list' | 'create' | 'delete';
  group: string;
  resource: string;
  namespace?: string;
  name?: string;
  /** `exec` in /pods/NAME/exec. */
  subresource?: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, string>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: Record<string, unknown>;
  code: number;
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>, metadata: Record<string, string> = {}): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/**
 * `/api/v1/namespaces/kube-system/configmaps/kube-proxy` -> get configmaps "" kube-system kube-proxy.
 * The verb follows the apiserver's RequestInfoFactory: POST create, DELETE delete, GET get or
 * list; a connect subresource (pods/exec) is `create` whatever the method (KEP-4006, 1.35).
 */
export function requestTarget(path: string, method = 'GET'): RequestTarget | null {
  const parts = path.split('/').filter((p) => p !== '');
  let rest: string[];
  let group: string;
  if (parts[0] === 'api' && parts[1] === 'v1') {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1];
    rest = parts.slice(3);
  } else {
    return null;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) return null;
  const verb = rest.length === 3 || method === 'POST' ? 'create' : method === 'DELETE' ? 'delete' : rest.length === 2 ? 'get' : 'list';
  return {
    verb,
    group,
    resource: rest[0],
    ...(namespace ? { namespace } : {}),
    ...(rest[1] ? { name: rest[1] } : {}),
    ...(rest[2] ? { subresource: rest[2] } : {}),
  };
}

export function unauthorizedStatus(): Status {
  return status(401, 'Unauthorized', 'Unauthorized');
}

export function forbiddenStatus(path: string, user: string, method = 'GET'): Status {
  const t = requestTarget(path, method) ?? { verb: 'get' as const, group: '', resource: '' };
  const qualified = t.group ? `${t.resource}.${t.group}` : t.resource;
  const subject = t.name ? `${qualified} "${t.name}"` : qualified;
  const scope = t.namespace ? `in the namespace "${t.namespace}"` : 'at the cluster scope';
  const resource = t.subresource ? `${t.resource}/${t.subresource}` : t.resource;
  const message = `${subject} is forbidden: User "${user}" cannot ${t.verb} resource "${resource}" in API group "${t.group}" ${scope}`;
  return status(403, 'Forbidden', message, { ...(t.name ? { name: t.name } : {}), ...(t.group ? { group: t.group } : {}), kind: t.resource });
}

export function tooManyRequestsStatus(retryAfterSeconds: number): Status {
  return status(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds });
}

export function internalErrorStatus(): Status {
  return status(500, 'InternalError', 'Internal error occurred: etcdserver: request timed out', {
    causes: [{ message: 'etcdserver: request timed out' }],
  });
}

export function notFoundStatus(path: string): Status {
  const t = requestTarget(path);
  if (t?.name) {
    const qualified = t.group ? `${t.resource}.${t.group}` : t.resource;
    return status(404, 'NotFound', `${qualified} "${t.name}" not found`, { name: t.name, ...(t.group ? { group: t.group } : {}), kind: t.resource });
  }
  return status(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function expiredStatus(nextContinue: string): Status {
  return status(
    410,
    'Expired',
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the ' +
      'continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing ' +
      'with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the ' +
      'time the first chunk was returned and now may show up in the list.',
    undefined,
    { continue: nextContinue },
  );
}
