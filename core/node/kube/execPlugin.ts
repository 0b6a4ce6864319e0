import { spawn } from 'node:child_process';
import type { ExecConfig } from './kubeconfigTypes';
import { findExecutable } from './loginShellPath';
import type { Secret, SecretRegistry } from './secret';
import { secret } from './secret';

// Runs an APPROVED exec credential plugin (execApproval.ts decides) the way client-go's
// plugin/pkg/client/auth/exec/exec.go does - argv without a shell, KUBERNETES_EXEC_INFO in the
// environment, stdin closed (never interactive) - plus what client-node's exec_auth.ts lacks:
// a time limit, an output cap, killing the whole process group, and output checks like
// Headlamp's backend/pkg/exec/exec.go (kind, apiVersion, status, token or cert+key).
// Nothing it prints reaches an error message except stderr with every known secret redacted.

export interface ExecCredential {
  token?: Secret;
  clientCertificatePem?: string;
  clientKeyPem?: Secret;
  /** ms since epoch; undefined = no expiry given. */
  expiresAt?: number;
}

export interface ExecClusterInfo {
  server: string;
  caPem?: string;
  skipTlsVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}

export interface RunExecOptions {
  contextName: string;
  /** PATH to find a bare command on (the login shell's, see loginShellPath). */
  path: string;
  secrets: SecretRegistry;
  cluster?: ExecClusterInfo;
  timeoutMs?: number;
  maxBytes?: number;
  signal?: AbortSignal;
  baseEnv?: NodeJS.ProcessEnv;
}

export class ExecPluginError extends Error {
  override name = 'ExecPluginError';
}

export const DEFAULT_EXEC_TIMEOUT_MS = 30_000;
export const DEFAULT_EXEC_MAX_BYTES = 1024 * 1024;
const STDERR_KEEP = 2048;
const PIPE_GRACE_MS = 250;

interface RawRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  stopped?: 'timeout' | 'too-much-output' | 'aborted';
}

function execInfo(exec: ExecConfig, cluster: ExecClusterInfo | undefined): string {
  const clusterInfo =
    exec.provideClusterInfo && cluster
      ? {
          cluster: {
            server: cluster.server,
            ...(cluster.caPem ? { 'certificate-authority-data': Buffer.from(cluster.caPem).toString('base64') } : {}),
            ...(cluster.skipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
            ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
            ...(cluster.proxyUrl ? { 'proxy-url': cluster.proxyUrl } : {}),
          },
        }
      : {};
  return JSON.stringify({ kind: 'ExecCredential', apiVersion: exec.apiVersion, spec: { interactive: false, ...clusterInfo } });
}

function run(file: string, exec: ExecConfig, env: NodeJS.ProcessEnv, opts: RunExecOptions): Promise<RawRun> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? DEFAULT_EXEC_MAX_BYTES;
  return new Promise((resolve, reject) => {
    // detached: its own process group, so a plugin that forks (a shell script around gcloud)
    // is killed whole.
    const child = spawn(file, exec.args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let stopped: RawRun['stopped'];
    const stop = (why: NonNullable<RawRun['stopped']>): void => {
      if (stopped) return;
      stopped = why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const onAbort = (): void => stop('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (c: Buffer) => {
      outBytes += c.length;
      if (outBytes > maxBytes) stop('too-much-output');
      else out.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-STDERR_KEEP);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    let done = false;
    const finish = (code: number | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ code, stdout: Buffer.concat(out), stderr, ...(stopped ? { stopped } : {}) });
    };
    child.on('close', (code) => finish(code));
    // A plugin that leaves a background child holding its stdout would keep 'close' from ever
    // coming: once the plugin itself has exited, give the pipes a moment, then stop reading.
    child.on('exit', (code) => {
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code);
      }, PIPE_GRACE_MS).unref();
    });
  });
}

function parseCredential(stdout: Buffer, exec: ExecConfig, what: string): ExecCredential {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout.toString('utf8'));
  } catch {
    // Never quote the output: a half-printed credential is still a credential.
    throw new ExecPluginError(`${what} printed ${stdout.length} bytes that are not JSON; an exec plugin must print an ExecCredential`);
  }
  const d = doc as { kind?: unknown; apiVersion?: unknown; status?: Record<string, unknown> | null };
  if (typeof doc !== 'object' || doc === null || d.kind !== 'ExecCredential') {
    throw new ExecPluginError(`${what} printed JSON that is not an ExecCredential (kind ${JSON.stringify(d?.kind ?? null)})`);
  }
  if (d.apiVersion !== exec.apiVersion) {
    throw new ExecPluginError(`${what} returned apiVersion ${JSON.stringify(d.apiVersion ?? null)}, but the kubeconfig asked for "${exec.apiVersion}"`);
  }
  const st = d.status;
  if (typeof st !== 'object' || st === null) throw new ExecPluginError(`${what} returned an ExecCredential without a status`);
  const token = typeof st.token === 'string' && st.token !== '' ? st.token : undefined;
  const cert = typeof st.clientCertificateData === 'string' && st.clientCertificateData !== '' ? st.clientCertificateData : undefined;
  const key = typeof st.clientKeyData === 'string' && st.clientKeyData !== '' ? st.clientKeyData : undefined;
  if (cert !== undefined && key === undefined) throw new ExecPluginError(`${what} returned a client certificate without its key`);
  if (key !== undefined && cert === undefined) throw new ExecPluginError(`${what} returned a client key without its certificate`);
  if (token === undefined && cert === undefined) throw new ExecPluginError(`${what} returned neither a token nor a client certificate`);
  let expiresAt: number | undefined;
  if (typeof st.expirationTimestamp === 'string') {
    const t = Date.parse(st.expirationTimestamp);
    if (Number.isNaN(t)) throw new ExecPluginError(`${what} returned an expirationTimestamp that is not a time`);
    expiresAt = t;
  }
  return {
    ...(token !== undefined ? { token: secret(token) } : {}),
    ...(cert !== undefined ? { clientCertificatePem: cert, clientKeyPem: secret(key as string) } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
}

export async function runExecPlugin(exec: ExecConfig, opts: RunExecOptions): Promise<ExecCredential> {
  const what = `the credential plugin "${exec.command}" of context "${opts.contextName}"`;
  if (exec.interactiveMode === 'Always') {
    throw new ExecPluginError(`${what} needs an interactive terminal (interactiveMode: Always), which Proxyscope cannot give it; log in with kubectl first`);
  }
  const file = findExecutable(exec.command, opts.path);
  if (file === null) {
    const hint = exec.installHint ? `\n${opts.secrets.redact(exec.installHint.trim())}` : '';
    throw new ExecPluginError(`${what} was not found${exec.command.includes('/') ? '' : " on the login shell's PATH"}${hint}`);
  }
  for (const e of exec.env) opts.secrets.add(e.value);
  const env: NodeJS.ProcessEnv = { ...(opts.baseEnv ?? process.env), PATH: opts.path, KUBERNETES_EXEC_INFO: execInfo(exec, opts.cluster) };
  for (const e of exec.env) env[e.name] = e.value.reveal();
  let r: RawRun;
  try {
    r = await run(file, exec, env, opts);
  } catch (err) {
    throw new ExecPluginError(`${what} could not be started: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (r.stopped === 'aborted') throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
  if (r.stopped === 'timeout') throw new ExecPluginError(`${what} did not finish within ${(opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS) / 1000} s and was stopped`);
  if (r.stopped === 'too-much-output') {
    throw new ExecPluginError(`${what} printed more than ${opts.maxBytes ?? DEFAULT_EXEC_MAX_BYTES} bytes and was stopped; an ExecCredential is a few KiB`);
  }
  if (r.code !== 0) {
    const tail = opts.secrets.redact(r.stderr.trim());
    throw new ExecPluginError(`${what} failed (exit ${r.code ?? 'signal'})${tail ? `: ${tail}` : ''}`);
  }
  const cred = parseCredential(r.stdout, exec, what);
  opts.secrets.add(cred.token);
  opts.secrets.add(cred.clientKeyPem);
  return cred;
}
