import type { Writable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import type { SshError } from '../ssh/sshError';
import { KILL_AFTER_SEC, nodeCommand, remoteCommandFor } from './commands';
import type { NodeCommandId } from './commands';
import { classifyCommand } from './classifyCommand';
import type { CommandStatus } from './classifyCommand';

// Runs one allowlisted command over an SSH session and says what happened. Output is data, not
// trusted: it is streamed with a byte cap (then the command is stopped and `truncated` set),
// stderr is capped, and a channel that closes without an exit status is `incomplete`, never ok
// (ssh2 README: the exit event is optional; security test plan S7).

export interface CommandTransport {
  exec(command: string): Promise<ClientChannel>;
  readonly connectionError: SshError | undefined;
}

export interface RunCommandOptions {
  /** Prefix root-only commands with `sudo -n`. */
  sudo?: boolean;
  /** Bound on the node (`timeout -k 5 T`). Default 60 s. */
  timeoutSec?: number;
  /** stdout cap; default 256 MiB. */
  maxBytes?: number;
  /** stderr cap; default 64 KiB. */
  maxStderrBytes?: number;
  /** Where stdout goes (with backpressure); without it stdout is returned in the result. */
  stdout?: Writable;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
  /** How long past timeoutSec + the kill delay the channel may stay open before we give up. Default 5 s. */
  graceMs?: number;
}

export interface CommandResult {
  id: NodeCommandId;
  file: string;
  status: CommandStatus;
  message: string;
  /** Exactly what was sent in the exec request. */
  remoteCommand: string;
  variant: number;
  exitCode?: number;
  exitSignal?: string;
  bytes: number;
  truncated: boolean;
  /** stdout when no `stdout` stream was given. */
  stdout?: Buffer;
  stderr: string;
  stderrTruncated: boolean;
  durationMs: number;
}

export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const DEFAULT_MAX_STDERR = 64 * 1024;
const DEFAULT_TIMEOUT_SEC = 60;

type Stop = 'cancel' | 'truncate' | 'timeout';

/** Runs the command, falling back to the next variant (wget after curl) only when one is missing. */
export async function runCommand(session: CommandTransport, id: NodeCommandId, options: RunCommandOptions = {}): Promise<CommandResult> {
  const cmd = nodeCommand(id);
  const missing: string[] = [];
  for (let variant = 0; ; variant++) {
    const result = await runVariant(session, id, variant, options);
    const last = variant + 1 >= cmd.variants.length;
    if (result.status !== 'command-missing' || last) {
      if (missing.length > 0) result.message += ` (not installed: ${missing.join(', ')})`;
      return result;
    }
    missing.push(cmd.variants[variant][0]);
  }
}

async function runVariant(session: CommandTransport, id: NodeCommandId, variant: number, options: RunCommandOptions): Promise<CommandResult> {
  const cmd = nodeCommand(id);
  const timeoutSec = options.timeoutSec ?? DEFAULT_TIMEOUT_SEC;
  const sudo = options.sudo === true && cmd.needsRoot;
  const remoteCommand = remoteCommandFor(id, { sudo, timeoutSec, variant });
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxStderr = options.maxStderrBytes ?? DEFAULT_MAX_STDERR;
  const started = performance.now();
  const base = { id, file: cmd.file, remoteCommand, variant };
  const done = (status: CommandStatus, message: string): CommandResult => ({
    ...base, status, message, bytes: 0, truncated: false, stderr: '', stderrTruncated: false, durationMs: performance.now() - started,
  });

  if (options.signal?.aborted) return done('cancelled', 'cancelled before it started');
  let channel: ClientChannel;
  try {
    channel = await session.exec(remoteCommand);
  } catch (err) {
    const lost = session.connectionError;
    if (lost?.kind === 'cancelled' || options.signal?.aborted) return done('cancelled', 'cancelled before it started');
    if (lost?.kind === 'timeout') return done('timeout', lost.message);
    return done('incomplete', `could not start: ${(err as Error).message}`);
  }

  return new Promise<CommandResult>((resolveRun) => {
    const chunks: Buffer[] = [];
    const errChunks: Buffer[] = [];
    let bytes = 0;
    let errBytes = 0;
    let truncated = false;
    let stderrTruncated = false;
    let exit: { code?: number; signal?: string } | undefined;
    let stopped: Stop | undefined;
    let finished = false;
    const sink = options.stdout;

    const localLimitMs = (timeoutSec + KILL_AFTER_SEC) * 1000 + (options.graceMs ?? 5_000);
    const timer = setTimeout(() => stop('timeout'), localLimitMs);
    let closeTimer: NodeJS.Timeout | undefined;

    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(closeTimer);
      options.signal?.removeEventListener('abort', onAbort);
      const stderr = Buffer.concat(errChunks).toString('utf8');
      const verdict = classifyCommand({ exit, stopped, truncated, stderr, sudo, timeoutSec, maxBytes, bytes, lost: session.connectionError, command: cmd.variants[variant][0] });
      resolveRun({
        ...base,
        ...verdict,
        exitCode: exit?.code,
        exitSignal: exit?.signal,
        bytes,
        truncated,
        stdout: sink ? undefined : Buffer.concat(chunks),
        stderr,
        stderrTruncated,
        durationMs: performance.now() - started,
      });
    };

    // EOF + close: the remote watcher (commands.ts WATCH_SCRIPT) sees EOF on stdin and sends
    // TERM to the command (through sudo); timeout -k KILLs it 5 s later if TERM is ignored.
    // No SSH `signal` request: it would kill the watcher's process group first, if allowed at all.
    const stop = (why: Stop): void => {
      if (stopped || finished) return;
      stopped = why;
      channel.end();
      channel.close();
      // A dead transport may never confirm the close.
      closeTimer = setTimeout(finish, 2_000);
    };
    const onAbort = (): void => stop('cancel');
    options.signal?.addEventListener('abort', onAbort, { once: true });

    channel.on('data', (chunk: Buffer) => {
      if (stopped) return;
      const room = maxBytes - bytes;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      bytes += part.length;
      if (part.length > 0) {
        if (sink) {
          if (!sink.write(part)) {
            channel.pause();
            sink.once('drain', () => channel.resume());
          }
        } else chunks.push(part);
      }
      options.onProgress?.(bytes);
      if (chunk.length > room) {
        truncated = true;
        stop('truncate');
      }
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      const room = maxStderr - errBytes;
      if (room <= 0) {
        stderrTruncated = true;
        return;
      }
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (part.length < chunk.length) stderrTruncated = true;
      errChunks.push(part);
      errBytes += part.length;
    });
    channel.on('exit', (code: number | null, signal?: string) => {
      exit = code === null || code === undefined ? { signal: signal ?? 'unknown' } : { code };
    });
    channel.on('close', finish);
  });
}
