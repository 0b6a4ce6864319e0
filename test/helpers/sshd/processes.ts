import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

// Process lookups for the sshd tests: only ever by pid or by a unique marker string.

const run = promisify(execFile);

/** Pids whose command line contains `marker` (pgrep -f), excluding pgrep itself. */
export async function pidsMatching(marker: string): Promise<number[]> {
  try {
    const { stdout } = await run('pgrep', ['-f', '--', marker]);
    return stdout.split('\n').filter(Boolean).map(Number);
  } catch (err) {
    if ((err as { code?: number }).code === 1) return []; // pgrep: no match
    throw err;
  }
}

/** Polls until no process matches any marker; returns the ones still alive at the deadline. */
export async function waitUntilGone(markers: string[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = (await Promise.all(markers.map(pidsMatching))).flat();
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls until some process matches `marker`. */
export async function waitUntilRunning(marker: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await pidsMatching(marker)).length > 0) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** All descendants of `root` (children first found by scanning /proc/<pid>/stat ppid fields). */
export function descendantPids(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const ent of readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${ent}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid ...; comm may hold spaces, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(ent));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

export function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
