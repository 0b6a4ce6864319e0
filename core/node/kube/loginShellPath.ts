import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

// A desktop app started from a launcher does not get the PATH the user's shell profile builds
// (~/.profile, brew shellenv, gcloud's path.bash.inc ...), so `aws` or `gke-gcloud-auth-plugin`
// would "not be found" although kubectl finds them in a terminal. Ask the login shell for its
// environment, the way VS Code resolves the shell environment: `$SHELL -l -c env`, bounded in
// time and output, falling back to our own PATH.

export interface LoginPathOptions {
  shell?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface LoginPath {
  /** The login shell's PATH entries first, then ours that it lacks. */
  path: string;
  source: 'login-shell' | 'process';
  warning?: string;
}

const MAX_ENV_BYTES = 256 * 1024;

function runLoginShell(shell: string, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    // `env` rather than `printf "$PATH"`: fish quotes a list variable with spaces, env prints
    // the exported, colon-joined value in every shell.
    const child = spawn(shell, ['-l', '-c', 'env'], { stdio: ['ignore', 'pipe', 'ignore'], env, detached: true });
    const chunks: Buffer[] = [];
    let bytes = 0;
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`${shell} -l did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > MAX_ENV_BYTES) {
        kill();
        return;
      }
      chunks.push(c);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    let done = false;
    const finish = (code: number | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(new Error(`${shell} -l exited with ${code ?? 'a signal'}`));
    };
    child.on('close', finish);
    // A profile that starts a background job holding stdout would delay 'close' forever.
    child.on('exit', (code) => {
      setTimeout(() => {
        child.stdout.destroy();
        finish(code);
      }, 250).unref();
    });
  });
}

function mergePaths(first: string, second: string): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of [...first.split(delimiter), ...second.split(delimiter)]) {
    if (p === '' || seen.has(p)) continue;
    seen.add(p);
    out.push(p);
  }
  return out.join(delimiter);
}

export async function loginShellPath(opts: LoginPathOptions = {}): Promise<LoginPath> {
  const env = opts.env ?? process.env;
  const own = env.PATH ?? '';
  const shell = opts.shell ?? env.SHELL;
  if (process.platform === 'win32' || shell === undefined || !isAbsolute(shell)) return { path: own, source: 'process' };
  try {
    const out = await runLoginShell(shell, opts.timeoutMs ?? 5000, env);
    // The last PATH= line: a chatty profile may print before env runs.
    const line = out.split('\n').filter((l) => l.startsWith('PATH=')).pop();
    if (line === undefined) return { path: own, source: 'process', warning: `${shell} -l printed no PATH` };
    return { path: mergePaths(line.slice('PATH='.length), own), source: 'login-shell' };
  } catch (err) {
    return { path: own, source: 'process', warning: `could not read the login shell's PATH (${(err as Error).message}); using Proxyscope's own` };
  }
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path of `command` (a bare name looked up on `path`), or null. */
export function findExecutable(command: string, path: string): string | null {
  if (command.includes('/')) return isExecutableFile(command) ? command : null;
  for (const dir of path.split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    const candidate = join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}
