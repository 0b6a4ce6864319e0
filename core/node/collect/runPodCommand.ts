import type { ApiEndpoint } from './apiEndpoint';
import { classifyCommand } from './classifyCommand';
import { KILL_AFTER_SEC, nodeCommand, shellQuote } from './commands';
import type { NodeCommandId } from './commands';
import { CONTAINER_NAME, podExecArgv } from './debugPodSpec';
import { podExec } from './podExec';
import type { CommandResult } from './runCommand';
import { DEFAULT_MAX_BYTES } from './runCommand';

// One allowlisted command through the debug pod, with the same verdicts as over SSH
// (classifyCommand): exit 0 ok, 124 timeout, 127 command-missing, a stream that ends without
// the final Status is incomplete, the byte cap truncates and stops it. A refused exec
// (RBAC 403, pod gone) is not a command verdict: it throws PodApiError for the node to report.

export interface PodCommandOptions {
  timeoutSec: number;
  maxBytes?: number;
  maxStderrBytes?: number;
  signal?: AbortSignal;
  graceMs?: number;
}

export interface PodRef {
  namespace: string;
  pod: string;
}

export async function runPodCommand(ep: ApiEndpoint, ref: PodRef, id: NodeCommandId, o: PodCommandOptions): Promise<CommandResult> {
  const cmd = nodeCommand(id);
  const missing: string[] = [];
  for (let variant = 0; ; variant++) {
    const r = await runVariant(ep, ref, id, variant, o);
    if (r.status !== 'command-missing' || variant + 1 >= cmd.variants.length) {
      if (missing.length > 0) r.message += ` (not installed: ${missing.join(', ')})`;
      return r;
    }
    missing.push(cmd.variants[variant][0]);
  }
}

async function runVariant(ep: ApiEndpoint, ref: PodRef, id: NodeCommandId, variant: number, o: PodCommandOptions): Promise<CommandResult> {
  const cmd = nodeCommand(id);
  const argv = podExecArgv(id, o.timeoutSec, variant);
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  const started = performance.now();
  const base = { id, file: cmd.file, remoteCommand: argv.map(shellQuote).join(' '), variant };
  if (o.signal?.aborted) {
    return { ...base, status: 'cancelled', message: 'cancelled before it started', bytes: 0, truncated: false, stderr: '', stderrTruncated: false, durationMs: 0 };
  }
  const out = await podExec(ep, { namespace: ref.namespace, pod: ref.pod, container: CONTAINER_NAME, argv }, {
    maxBytes,
    maxStderrBytes: o.maxStderrBytes ?? 64 * 1024,
    limitMs: (o.timeoutSec + KILL_AFTER_SEC) * 1000 + (o.graceMs ?? 5_000),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const verdict =
    out.failure !== undefined && !out.stopped && !out.truncated
      ? { status: 'failed' as const, message: `the container runtime did not run the command: ${ep.redact(out.failure)} (does the image have nsenter?)` }
      : classifyCommand({
          ...(out.exit ? { exit: out.exit } : {}),
          ...(out.stopped ? { stopped: out.stopped } : {}),
          truncated: out.truncated,
          stderr: out.stderr,
          sudo: false,
          timeoutSec: o.timeoutSec,
          maxBytes,
          bytes: out.bytes,
          command: cmd.variants[variant][0],
        });
  return {
    ...base,
    ...verdict,
    ...(out.exit ? { exitCode: out.exit.code } : {}),
    bytes: out.bytes,
    truncated: out.truncated,
    stdout: out.stdout,
    stderr: out.stderr,
    stderrTruncated: out.stderrTruncated,
    durationMs: performance.now() - started,
  };
}
