import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import * as pty from 'node-pty';
import type { ApiEvent, ApiResult } from '../../../core/common/contract';
import { fail, ok } from '../../../core/common/contract';
import type { SshTarget } from '../../../core/node/app/backendTypes';
import { sshArgv, validateSshTarget } from '../../../core/node/terminal/sshArgv';

// The only place node-pty is loaded (eslint enforces it). It imports nothing from electron so that
// `proxyscope serve --allow-terminals` can load it under plain Node. Each terminal is the system
// `ssh` client spawned on a pty with an argv array (no shell), a minimal environment, and strict
// host-key checking; its output leaves as batched `terminal-data` events and its end as one
// `terminal-exit` event.

export type PtySpawn = typeof pty.spawn;

export interface PtyHostOptions {
  /** ssh client binary; a bare name is looked up on PATH. Default `ssh`. */
  sshPath?: string;
  /** Injected for tests; default node-pty's spawn. */
  spawn?: PtySpawn;
  /** Environment the minimal child env is taken from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default 16. */
  maxTerminals?: number;
  /** Output is coalesced for this long before one event goes out. Default 8 ms. */
  flushMs?: number;
  /** After close(), the process group gets SIGKILL this much later. Default 2000 ms. */
  killGraceMs?: number;
}

export interface PtyHost {
  open(target: SshTarget, cols: number, rows: number): ApiResult<{ terminalId: string }>;
  input(terminalId: string, data: string): ApiResult<true>;
  resize(terminalId: string, cols: number, rows: number): ApiResult<true>;
  close(terminalId: string): ApiResult<true>;
  /** Kills every terminal (app quit, serve shutdown). */
  closeAll(): void;
  /** Open terminals. */
  count(): number;
}

export const MAX_TERMINALS = 16;
export const MAX_INPUT_CHARS = 64 * 1024;
/** One event carries at most this much output; more is split. */
const MAX_EVENT_CHARS = 64 * 1024;
const KILL_GRACE_MS = 2_000;

interface Term {
  id: string;
  proc: pty.IPty;
  pending: string[];
  pendingChars: number;
  timer: NodeJS.Timeout | null;
  killTimer: NodeJS.Timeout | null;
  exited: boolean;
}

/** `name` on PATH (or `name` itself when it is a path), or null. */
export function resolveExecutable(name: string, path = process.env.PATH ?? ''): string | null {
  const exts = process.platform === 'win32' ? ['', '.exe'] : [''];
  const executable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (isAbsolute(name)) return executable(name) ? name : null;
  for (const dir of path.split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    for (const ext of exts) {
      const candidate = join(dir, name + ext);
      if (executable(candidate)) return candidate;
    }
  }
  return null;
}

/**
 * What the ssh child may see of our environment. Not the whole env: it can hold cloud tokens and
 * KUBECONFIG secrets, and ssh's SendEnv would be allowed to pass some on. SSH_AUTH_SOCK stays so the
 * local agent can authenticate this connection; ForwardAgent=no keeps it from reaching the node.
 */
export function terminalEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const keep = ['HOME', 'PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'SSH_AUTH_SOCK', 'USER', 'LOGNAME'];
  if (process.platform === 'win32') keep.push('SystemRoot', 'USERPROFILE', 'HOMEDRIVE', 'HOMEPATH', 'APPDATA', 'LOCALAPPDATA', 'ProgramData');
  const out: Record<string, string> = {};
  for (const k of keep) {
    const v = env[k];
    if (typeof v === 'string') out[k] = v;
  }
  out.TERM = 'xterm-256color';
  out.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  out.HOME ??= homedir();
  return out;
}

const validSize = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 1000;

export function createPtyHost(emit: (e: ApiEvent) => void, opts: PtyHostOptions = {}): PtyHost {
  const spawn = opts.spawn ?? pty.spawn;
  const env = opts.env ?? process.env;
  const max = opts.maxTerminals ?? MAX_TERMINALS;
  const flushMs = opts.flushMs ?? 8;
  const killGraceMs = opts.killGraceMs ?? KILL_GRACE_MS;
  const terms = new Map<string, Term>();

  const flush = (t: Term): void => {
    if (t.timer) clearTimeout(t.timer);
    t.timer = null;
    if (t.pendingChars === 0) return;
    const data = t.pending.join('');
    t.pending = [];
    t.pendingChars = 0;
    for (let i = 0; i < data.length; i += MAX_EVENT_CHARS) {
      emit({ type: 'terminal-data', terminalId: t.id, data: data.slice(i, i + MAX_EVENT_CHARS) });
    }
  };

  const onData = (t: Term, chunk: string): void => {
    if (t.exited) return;
    t.pending.push(chunk);
    t.pendingChars += chunk.length;
    if (t.pendingChars >= MAX_EVENT_CHARS) flush(t);
    else t.timer ??= setTimeout(() => flush(t), flushMs);
  };

  const onExit = (t: Term, exitCode: number, signal: number | undefined): void => {
    if (t.exited) return;
    flush(t);
    t.exited = true;
    terms.delete(t.id);
    // node-pty reports exitCode 0 + a signal number for a signalled child; say "no code" then.
    const sig = signal ? signal : null;
    emit({ type: 'terminal-exit', terminalId: t.id, exitCode: sig ? null : exitCode, signal: sig });
  };

  /**
   * SIGHUP to the whole process group (the pty child is a session leader, so its pid is the
   * group id), then SIGKILL to the group after a grace period even if ssh itself has exited:
   * a ProxyCommand/ProxyJump child that ignores SIGHUP must not outlive the terminal.
   */
  const kill = (t: Term): void => {
    const signalGroup = (sig: NodeJS.Signals): void => {
      try {
        if (process.platform === 'win32') t.proc.kill();
        else process.kill(-t.proc.pid, sig);
      } catch {
        // already gone
      }
    };
    signalGroup('SIGHUP');
    t.killTimer ??= setTimeout(() => signalGroup('SIGKILL'), killGraceMs);
    t.killTimer.unref?.();
  };

  return {
    open(target, cols, rows) {
      if (!validSize(cols) || !validSize(rows)) return fail('bad-request', 'Terminal size must be 1 to 1000 columns and rows.');
      const why = validateSshTarget(target);
      if (why) return fail('bad-request', `Cannot open a terminal: ${why}.`);
      if (terms.size >= max) return fail('failed', `At most ${max} terminals can be open at once; close one first.`);
      const childEnv = terminalEnv(env);
      const ssh = resolveExecutable(opts.sshPath ?? 'ssh', childEnv.PATH);
      if (!ssh) return fail('failed', 'The ssh client was not found on PATH; install OpenSSH to open terminals.');
      const id = `term-${randomBytes(12).toString('hex')}`;
      let proc: pty.IPty;
      try {
        proc = spawn(ssh, sshArgv(target), { name: 'xterm-256color', cols, rows, cwd: childEnv.HOME, env: childEnv, encoding: 'utf8' });
      } catch (err) {
        return fail('failed', `Could not start ssh: ${err instanceof Error ? err.message : String(err)}`);
      }
      const t: Term = { id, proc, pending: [], pendingChars: 0, timer: null, killTimer: null, exited: false };
      terms.set(id, t);
      proc.onData((d) => onData(t, d));
      proc.onExit(({ exitCode, signal }) => onExit(t, exitCode, signal));
      return ok({ terminalId: id });
    },
    input(terminalId, data) {
      const t = terms.get(terminalId);
      if (!t) return fail('not-found', 'That terminal is closed.');
      if (typeof data !== 'string' || data.length > MAX_INPUT_CHARS) return fail('bad-request', `Terminal input is limited to ${MAX_INPUT_CHARS} characters per call.`);
      try {
        t.proc.write(data);
      } catch (err) {
        return fail('failed', `Could not write to the terminal: ${err instanceof Error ? err.message : String(err)}`);
      }
      return ok(true);
    },
    resize(terminalId, cols, rows) {
      const t = terms.get(terminalId);
      if (!t) return fail('not-found', 'That terminal is closed.');
      if (!validSize(cols) || !validSize(rows)) return fail('bad-request', 'Terminal size must be 1 to 1000 columns and rows.');
      try {
        t.proc.resize(cols, rows);
      } catch (err) {
        return fail('failed', `Could not resize the terminal: ${err instanceof Error ? err.message : String(err)}`);
      }
      return ok(true);
    },
    close(terminalId) {
      const t = terms.get(terminalId);
      if (!t) return fail('not-found', 'That terminal is closed.');
      kill(t);
      return ok(true);
    },
    closeAll() {
      for (const t of terms.values()) kill(t);
    },
    count: () => terms.size,
  };
}
