import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The version printed by --version and written into reports, read from package.json next to the
// bundle (out/cli -> ../../package.json), so a release needs no rebuild step to stamp it.

let cached: string | undefined;

export function toolVersion(): string {
  if (cached !== undefined) return cached;
  cached = '0.0.0-unknown';
  for (const candidate of [join(__dirname, '..', '..', 'package.json'), join(__dirname, '..', 'package.json')]) {
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'proxyscope' && typeof pkg.version === 'string') {
        cached = pkg.version;
        break;
      }
    } catch {
      // try the next location
    }
  }
  return cached;
}
