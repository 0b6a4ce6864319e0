import type { TransportErrorKind } from './kubeHttp';
import type { ApiTarget } from './rbac';
import { describeTarget, qualifiedResource, readOnlyRbacYaml } from './rbac';

// API failures turned into sentences a person can act on. The server's own Status message is
// quoted (redacted, control characters left for the renderer's visibleText, cut to a line)
// because it is the most precise text there is, but the part Proxyscope states - which verb on
// which resource, what to do - comes from the request it made, not from the untrusted body.

export type KubeApiErrorKind =
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'gone'
  | 'rate-limited'
  | 'server-error'
  | 'http-error'
  | 'invalid-response'
  | TransportErrorKind;

export class KubeApiError extends Error {
  override name = 'KubeApiError';
  constructor(
    readonly kind: KubeApiErrorKind,
    message: string,
    readonly target: ApiTarget,
    readonly status?: number,
    /** From a 403 Status: the user the API server saw (for the RBAC binding). */
    readonly user?: string,
  ) {
    super(message);
  }
}

export interface KubeStatus {
  message?: string;
  reason?: string;
  code?: number;
  retryAfterSeconds?: number;
}

export function parseStatus(body: Buffer): KubeStatus | null {
  try {
    const doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if (doc?.kind !== 'Status') return null;
    const details = doc.details as Record<string, unknown> | undefined;
    return {
      ...(typeof doc.message === 'string' ? { message: doc.message } : {}),
      ...(typeof doc.reason === 'string' ? { reason: doc.reason } : {}),
      ...(typeof doc.code === 'number' ? { code: doc.code } : {}),
      ...(typeof details?.retryAfterSeconds === 'number' ? { retryAfterSeconds: details.retryAfterSeconds } : {}),
    };
  } catch {
    return null;
  }
}

/** One line of server text, at most 300 characters. */
export function serverSays(message: string | undefined, redact: (s: string) => string): string {
  if (!message) return '';
  const line = redact(message).replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** `User "alice"` from the authorizer's forbidden message. */
export function forbiddenUser(message: string | undefined): string | undefined {
  const m = message ? /User "([^"]{1,253})"/.exec(message) : null;
  return m?.[1];
}

export interface ErrorContext {
  contextName: string;
  userName: string;
  server: string;
  redact: (s: string) => string;
}

export function unauthorizedError(t: ApiTarget, ctx: ErrorContext, status: KubeStatus | null): KubeApiError {
  const said = serverSays(status?.message, ctx.redact);
  return new KubeApiError(
    'unauthorized',
    `credentials rejected: the API server at ${ctx.server} answered 401 Unauthorized to ${describeTarget(t)} for user "${ctx.userName}" ` +
      `of context "${ctx.contextName}"${said && said !== 'Unauthorized' ? ` (${said})` : ''}. The token or certificate has expired, ` +
      `was revoked or belongs to another cluster: log in again (refresh the kubeconfig or its credential plugin) and retry.`,
    t,
    401,
  );
}

export function forbiddenError(t: ApiTarget, ctx: ErrorContext, status: KubeStatus | null): KubeApiError {
  const said = serverSays(status?.message, ctx.redact);
  // The user name comes from the server: a hostile one could echo a credential back.
  const named = forbiddenUser(status?.message);
  const user = named !== undefined && ctx.redact(named) === named ? named : undefined;
  return new KubeApiError(
    'forbidden',
    `forbidden: ${user ? `user "${user}"` : `the user of context "${ctx.contextName}"`} may not ${describeTarget(t)} ` +
      `(RBAC verb "${t.verb}" on resource "${qualifiedResource(t)}")${said ? `; the API server said: ${said}` : ''}.\n` +
      `Proxyscope only reads. A cluster admin can grant the minimal read-only access with \`kubectl apply -f -\`:\n${readOnlyRbacYaml(user)}`,
    t,
    403,
    user,
  );
}

export function httpStatusError(t: ApiTarget, ctx: ErrorContext, code: number, status: KubeStatus | null, attempts: number): KubeApiError {
  const said = serverSays(status?.message, ctx.redact);
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  const base = `${describeTarget(t)} failed with HTTP ${code}${status?.reason ? ` ${status.reason}` : ''}${tries}${said ? `: ${said}` : ''}`;
  if (code === 404) return new KubeApiError('not-found', `${base}. The API server does not serve ${qualifiedResource(t)} (an older Kubernetes?)`, t, code);
  if (code === 410) return new KubeApiError('gone', base, t, code);
  if (code === 429) return new KubeApiError('rate-limited', `${base}. The API server is throttling requests; try again later`, t, code);
  if (code >= 500) return new KubeApiError('server-error', `${base}. The API server is failing; try again later`, t, code);
  return new KubeApiError('http-error', base, t, code);
}
