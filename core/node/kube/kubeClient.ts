import { Agent } from 'node:https';
import type { ErrorContext } from './apiErrors';
import { KubeApiError, forbiddenError, httpStatusError, parseStatus, unauthorizedError } from './apiErrors';
import type { AuthMaterial, CredentialOptions } from './credentials';
import { credentialProvider } from './credentials';
import { proxyFromEnvironment } from './envProxy';
import type { ExecPolicy } from './execApproval';
import { requireExecApproval } from './execApproval';
import type { Kubeconfig } from './kubeconfigTypes';
import type { HttpResponse } from './kubeHttp';
import { TransportError, httpGet } from './kubeHttp';
import type { ApiTarget } from './rbac';
import { describeTarget } from './rbac';
import type { ResolvedContext } from './resolveContext';
import { resolveContext } from './resolveContext';
import type { SecretRegistry } from './secret';
import { secretRegistry } from './secret';

// A read-only client for one kubeconfig context: GET + JSON, with a per-request deadline,
// retries with exponential backoff that honour Retry-After (bounded: at most `attempts` tries,
// never a wait longer than maxRetryAfterMs), one credential refresh on 401 for exec/token-file
// users, and errors that say what to do. Connecting checks the exec-plugin approval first, so
// an unapproved plugin fails before any network traffic or process start.

export interface RetryOptions {
  /** Total tries per request, first included (default 4: at most 3 retries). */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this ends the request instead of stalling the scan. */
  maxRetryAfterMs?: number;
  /** For tests: record the waits instead of sleeping. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ConnectOptions extends ExecPolicy, Omit<CredentialOptions, 'secrets' | 'warn'> {
  /** Default: the kubeconfig's current-context. */
  context?: string;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Per response body (default 256 MiB). */
  maxResponseBytes?: number;
  retry?: RetryOptions;
  /** Request log lines (method, path, status, time; never headers), already redacted. */
  log?: (line: string) => void;
  userAgent?: string;
  /** For HTTPS_PROXY / NO_PROXY when the kubeconfig has no proxy-url (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface RequestOptions {
  query?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** What the request is, for error messages (default: read from the path). */
  target?: ApiTarget;
}

export interface KubeClient {
  readonly contextName: string;
  readonly server: string;
  readonly userName: string;
  readonly namespace?: string;
  /** insecure-skip-tls-verify is set: show it loudly and put it in the report. */
  readonly insecureSkipTlsVerify: boolean;
  /** Grows while the client works (e.g. the login shell's PATH could not be read). */
  readonly warnings: string[];
  readonly secrets: SecretRegistry;
  /** The resolved context (secrets inside are Secret-wrapped). */
  readonly resolved: ResolvedContext;
  /** The current credential (runs an approved exec plugin if needed). */
  authMaterial(signal?: AbortSignal): Promise<AuthMaterial>;
  getJson(path: string, opts?: RequestOptions): Promise<unknown>;
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRYABLE_TRANSPORT = new Set(['network', 'truncated', 'unreachable']);

export function targetFromPath(path: string): ApiTarget {
  const parts = path.split('/').filter((p) => p !== '');
  const core = parts[0] === 'api';
  let rest = parts.slice(core ? 2 : 3);
  const group = core ? '' : (parts[1] ?? '');
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  return { verb: rest.length >= 2 ? 'get' : 'list', group, resource: rest[0] ?? path, ...(namespace ? { namespace } : {}), ...(rest[1] ? { name: rest[1] } : {}) };
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After as seconds or an HTTP date (RFC 9110 10.2.3), else the Status's retryAfterSeconds, in ms. */
function retryAfterMs(res: HttpResponse): number | undefined {
  const h = res.headers['retry-after'];
  if (h === undefined) {
    const s = parseStatus(res.body)?.retryAfterSeconds;
    return s !== undefined ? s * 1000 : undefined;
  }
  if (/^\d+$/.test(h.trim())) return Number(h.trim()) * 1000;
  const at = Date.parse(h);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export async function connectContext(kc: Kubeconfig, opts: ConnectOptions = {}): Promise<KubeClient> {
  const ctx = resolveContext(kc, opts.context);
  const warnings = [...ctx.warnings];
  const secrets = secretRegistry();
  const exec = ctx.user?.exec;
  if (exec) {
    const storeWarning = requireExecApproval(ctx.name, { command: exec.command, args: exec.args, envNames: exec.env.map((e) => e.name) }, opts);
    if (storeWarning) warnings.push(storeWarning);
    for (const e of exec.env) secrets.add(e.value);
  }
  const creds = credentialProvider(ctx, { ...opts, secrets, warn: (m) => warnings.push(secrets.redact(m)) });
  const server = new URL(ctx.server);
  const proxyUrl = ctx.proxyUrl ?? proxyFromEnvironment(server, opts.env ?? process.env);
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const retry = opts.retry ?? {};
  const attempts = Math.max(1, retry.attempts ?? 4);
  const sleep = retry.sleep ?? defaultSleep;
  const errCtx: ErrorContext = { contextName: ctx.name, userName: ctx.userName || '(anonymous)', server: server.host, redact: (s) => secrets.redact(s) };
  const log = (line: string): void => opts.log?.(secrets.redact(line));

  const backoff = (attempt: number): number => {
    const base = Math.min(retry.maxDelayMs ?? 8000, (retry.baseDelayMs ?? 500) * 2 ** (attempt - 1));
    return Math.round(base / 2 + (Math.random() * base) / 2);
  };

  const headersFor = (m: AuthMaterial): Record<string, string | string[]> => {
    const h: Record<string, string | string[]> = { Accept: 'application/json', 'User-Agent': opts.userAgent ?? 'proxyscope' };
    if (m.authorization) h.Authorization = m.authorization.reveal();
    if (ctx.user?.impersonateUser) h['Impersonate-User'] = ctx.user.impersonateUser;
    if (ctx.user?.impersonateGroups?.length) h['Impersonate-Group'] = ctx.user.impersonateGroups;
    return h;
  };

  const getJson = async (path: string, r: RequestOptions = {}): Promise<unknown> => {
    const target = r.target ?? targetFromPath(path);
    const qs = r.query && Object.keys(r.query).length ? `?${new URLSearchParams(r.query).toString()}` : '';
    let attempt = 0;
    let refreshed = false;
    for (;;) {
      attempt++;
      const material = await creds.get(r.signal);
      const started = Date.now();
      let res: HttpResponse;
      try {
        res = await httpGet(
          {
            server,
            tls: {
              ...(ctx.tls.caPem !== undefined ? { ca: ctx.tls.caPem } : {}),
              ...(material.certPem !== undefined ? { cert: material.certPem, key: material.keyPem?.reveal() } : {}),
              rejectUnauthorized: !ctx.tls.skipVerify,
              ...(ctx.tls.serverName !== undefined ? { servername: ctx.tls.serverName } : {}),
            },
            ...(proxyUrl !== undefined ? { proxyUrl } : {}),
            agent,
          },
          `${path}${qs}`,
          { headers: headersFor(material), timeoutMs: r.timeoutMs ?? opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBytes: opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, ...(r.signal ? { signal: r.signal } : {}) },
        );
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        log(`GET ${path}${qs} -> ${err.kind} (${Date.now() - started} ms)`);
        if (RETRYABLE_TRANSPORT.has(err.kind) && attempt < attempts) {
          await sleep(backoff(attempt), r.signal);
          continue;
        }
        const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
        throw new KubeApiError(err.kind, `${describeTarget(target)}: ${secrets.redact(err.message)}${tries}`, target);
      }
      log(`GET ${path}${qs} -> ${res.status} (${Date.now() - started} ms, ${res.body.length} bytes)`);
      if (res.status >= 200 && res.status < 300) {
        try {
          return JSON.parse(res.body.toString('utf8'));
        } catch {
          if (attempt < attempts) {
            await sleep(backoff(attempt), r.signal);
            continue;
          }
          throw new KubeApiError('invalid-response', `${describeTarget(target)}: the API server's answer is not valid JSON (${res.body.length} bytes)`, target, res.status);
        }
      }
      const status = parseStatus(res.body);
      if (res.status === 401) {
        if (creds.refreshable && !refreshed) {
          // One new credential per 401 wave (single-flight in the provider), then give up.
          refreshed = true;
          creds.invalidate(material);
          attempt--;
          continue;
        }
        throw unauthorizedError(target, errCtx, status);
      }
      if (res.status === 403) throw forbiddenError(target, errCtx, status);
      if (RETRYABLE_STATUS.has(res.status) && attempt < attempts) {
        const asked = retryAfterMs(res);
        const limit = retry.maxRetryAfterMs ?? 30_000;
        if (asked !== undefined && asked > limit) {
          throw new KubeApiError(
            res.status === 429 ? 'rate-limited' : 'server-error',
            `${describeTarget(target)}: the API server answered ${res.status} and asked to retry after ${Math.round(asked / 1000)} s, longer than Proxyscope waits (${limit / 1000} s); try again later`,
            target,
            res.status,
          );
        }
        await sleep(asked ?? backoff(attempt), r.signal);
        continue;
      }
      throw httpStatusError(target, errCtx, res.status, status, attempt);
    }
  };

  return {
    contextName: ctx.name,
    server: ctx.server,
    userName: ctx.userName,
    ...(ctx.namespace ? { namespace: ctx.namespace } : {}),
    insecureSkipTlsVerify: ctx.tls.skipVerify,
    warnings,
    secrets,
    resolved: ctx,
    authMaterial: (signal) => creds.get(signal),
    getJson,
    close: () => agent.destroy(),
  };
}
