import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Loads rules into the REAL kernel tables of a private, unprivileged network namespace
// (`unshare -rn`: new user namespace mapped to root + new network namespace, so nothing on the
// host is touched) and reads them back with the real iptables-save. The result is exactly
// what `iptables-save` prints on a node: canonical option order, /32 suffixes, kernel
// probabilities, `--set-xmark`, header and `# Completed` lines.

export interface RoundTripOptions {
  /** Use iptables-legacy-restore / -save instead of the nf_tables backend. */
  legacy?: boolean;
  /** ip6tables instead of iptables. */
  v6?: boolean;
  /** `iptables-save -c` (counters). */
  counters?: boolean;
}

export function iptablesTools(opts: RoundTripOptions = {}): { restore: string; save: string } {
  const base = `${opts.v6 ? 'ip6tables' : 'iptables'}${opts.legacy ? '-legacy' : ''}`;
  return { restore: `${base}-restore`, save: `${base}-save` };
}

/**
 * Splits restore input into pieces of at most `maxLines` declarations + rules per table, to be
 * restored in order, all but the first with --noflush. Needed for nf_tables: one transaction
 * of more than a few hundred rules exceeds the netlink send buffer an unprivileged namespace
 * may use ("sendmsg() failed: Message too long"). Declarations come first, so every chain
 * exists before a later piece jumps to it.
 */
export function chunkRestoreInput(rules: string, maxLines: number): string[] {
  const tables: { header: string; decls: string[]; rules: string[] }[] = [];
  for (const line of rules.split('\n')) {
    const table = tables[tables.length - 1];
    if (line.startsWith('*')) tables.push({ header: line, decls: [], rules: [] });
    else if (line.startsWith(':') && table) table.decls.push(line);
    else if (line.startsWith('-') && table) table.rules.push(line);
  }
  const items = tables.map((t) => [...t.decls, ...t.rules]);
  const pieces: string[] = [];
  for (let i = 0; ; i++) {
    const body: string[] = [];
    tables.forEach((t, n) => {
      const part = items[n].slice(i * maxLines, (i + 1) * maxLines);
      if (i === 0 || part.length > 0) body.push(t.header, ...part, 'COMMIT');
    });
    if (body.length === 0) return pieces;
    pieces.push(`${body.join('\n')}\n`);
  }
}

/** Restores `rules` into a fresh namespace and returns that namespace's `*-save` output. */
export function iptablesRoundTrip(rules: string, opts: RoundTripOptions = {}): string {
  const { restore, save } = iptablesTools(opts);
  const dir = mkdtempSync(join(tmpdir(), 'proxyscope-netns-'));
  const pieces = opts.legacy ? [rules] : chunkRestoreInput(rules, 250);
  const files = pieces.map((text, i) => {
    const file = join(dir, `rules-${i}`);
    writeFileSync(file, text);
    return file;
  });
  try {
    // Tool and file names are positional arguments of the script, never interpolated into it.
    const script =
      'r="$1"; s="$2"; c="$3"; shift 3; first=1; for f in "$@"; do ' +
      'if [ $first = 1 ]; then "$r" < "$f" || exit 1; first=0; else "$r" --noflush < "$f" || exit 1; fi; done; ' +
      'if [ "$c" = 1 ]; then "$s" -c; else "$s"; fi';
    return execFileSync('unshare', ['-rn', 'sh', '-c', script, 'sh', restore, save, opts.counters ? '1' : '0', ...files], {
      encoding: 'utf8',
      maxBuffer: 1024 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`${restore} in a private netns failed: ${stderr.trim() || String(err)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
