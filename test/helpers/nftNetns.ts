import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Loads an `nft -f` transaction into the REAL kernel nf_tables of a private, unprivileged
// network namespace (`unshare -rn`, as netns.ts does for iptables) and reads it back with the
// real nft, both as `nft list ruleset` and `nft -j list ruleset`: exactly what a node shows
// (symbolic priorities, `policy accept;`, wrapped `elements = { … }`, `3h` timeouts, JSON
// expression trees).

export interface NftRoundTrip {
  /** `nft list ruleset`. */
  text: string;
  /** `nft -j list ruleset`. */
  json: string;
}

/**
 * Splits a transaction into pieces of at most `maxLines` commands, loaded one after the other.
 * An unprivileged namespace may only send a small netlink batch ("Message too long" from about
 * 1,500 commands); one batch per piece keeps under that. Loading pieces in order is safe only
 * for input that never refers to an object added later, which nft -f requires anyway and
 * kube-proxy's transactions satisfy.
 */
export function chunkNftTransaction(transaction: string, maxLines: number): string[] {
  const commands = transaction.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const pieces: string[] = [];
  for (let i = 0; i < commands.length; i += maxLines) pieces.push(`${commands.slice(i, i + maxLines).join('\n')}\n`);
  return pieces;
}

/** Loads `transaction` into a fresh namespace and returns that namespace's ruleset listings. */
export function nftRoundTrip(transaction: string, opts: { maxLines?: number } = {}): NftRoundTrip {
  const dir = mkdtempSync(join(tmpdir(), 'proxyscope-nft-'));
  const files = chunkNftTransaction(transaction, opts.maxLines ?? 500).map((text, i) => {
    const file = join(dir, `tx-${i}.nft`);
    writeFileSync(file, text);
    return file;
  });
  const textFile = join(dir, 'list.txt');
  const jsonFile = join(dir, 'list.json');
  try {
    // File names are positional arguments of the script, never interpolated into it.
    const script = 't="$1"; j="$2"; shift 2; for f in "$@"; do nft -f "$f" || exit 1; done; nft list ruleset > "$t" && nft -j list ruleset > "$j"';
    execFileSync('unshare', ['-rn', 'sh', '-c', script, 'sh', textFile, jsonFile, ...files], {
      encoding: 'utf8',
      maxBuffer: 1024 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { text: readFileSync(textFile, 'utf8'), json: readFileSync(jsonFile, 'utf8') };
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`nft -f in a private netns failed: ${stderr.trim() || String(err)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
