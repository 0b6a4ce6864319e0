import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

// Tests that drive real system tools (iptables, unshare, ...) skip with a visible reason on a
// machine that lacks them, but FAIL in CI (process.env.CI === 'true'), where a silent skip would
// hide that the end-to-end tests never ran.

export interface ToolCheck {
  ok: boolean;
  reason?: string;
}

function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

let netnsResult: ToolCheck | undefined;

/** Whether unprivileged user+network namespaces work here (`unshare -rn true`). */
export function canUnshareNetns(): ToolCheck {
  if (netnsResult) return netnsResult;
  if (!onPath('unshare')) return (netnsResult = { ok: false, reason: 'unshare is not installed' });
  try {
    execFileSync('unshare', ['-rn', 'true'], { stdio: 'pipe', timeout: 10_000 });
    netnsResult = { ok: true };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    netnsResult = { ok: false, reason: `unprivileged network namespaces are not available (${msg})` };
  }
  return netnsResult;
}

/**
 * Checks that every named tool is on PATH. The pseudo-tool `netns` checks that
 * `unshare -rn` works (user namespaces can be disabled even when unshare exists).
 */
export function requireTools(...names: string[]): ToolCheck {
  const missing = names.filter((n) => n !== 'netns' && !onPath(n));
  if (missing.length) return { ok: false, reason: `missing system tool${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}` };
  if (names.includes('netns')) return canUnshareNetns();
  return { ok: true };
}

/** True when a missing tool must fail the run instead of skipping. */
export function toolsRequiredStrictly(): boolean {
  return process.env.CI === 'true';
}

/**
 * `describe` that runs when the tools exist; otherwise skips with the reason in the suite
 * name, or (under CI=true) registers one failing test that states the reason.
 */
export function describeWithTools(tools: string[], title: string, body: () => void): void {
  const check = requireTools(...tools);
  if (check.ok) {
    describe(title, body);
    return;
  }
  if (toolsRequiredStrictly()) {
    describe(title, () => {
      it('has the system tools it needs (CI=true makes a missing tool a failure)', () => {
        throw new Error(check.reason);
      });
    });
    return;
  }
  console.warn(`[skipped] ${title}: ${check.reason}`);
  describe.skip(`${title} [skipped: ${check.reason}]`, body);
}
