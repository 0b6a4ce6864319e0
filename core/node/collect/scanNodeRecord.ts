import type { CommandResult } from './runCommand';
import type { CommandRecord } from './scanTypes';

// A command's line in node.json, the same for SSH and the debug pod: no output, no stderr
// beyond the classified message. Only complete output is saved: a cut dump would be analysed
// as missing rules.

export function commandRecord(r: CommandResult): CommandRecord {
  const saved = r.status === 'ok' && r.stdout !== undefined;
  return {
    id: r.id,
    file: r.file,
    status: r.status,
    message: r.message,
    ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
    durationMs: Math.round(r.durationMs),
    bytes: r.bytes,
    truncated: r.truncated,
    saved,
  };
}
