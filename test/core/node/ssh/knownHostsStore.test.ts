import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyHostKey } from '../../../../core/node/ssh/knownHosts';
import { appendKnownHost, loadKnownHostsFiles, refuseForeignKnownHosts } from '../../../../core/node/ssh/knownHostsStore';

const tmp = mkdtempSync(join(tmpdir(), 'proxyscope-kh-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const home = join(tmp, 'home');
const [type, b64] = utils.generateKeyPairSync('ed25519').public.split(' ');
const blob = Buffer.from(b64, 'base64');

describe('Proxyscope\'s own known_hosts', () => {
  it.each([
    [join(home, '.ssh/known_hosts'), /user's OpenSSH/],
    [join(home, '.ssh/other'), /user's OpenSSH/],
    ['/etc/ssh/ssh_known_hosts', /system-wide/],
  ])('refuses to write %s', async (path, why) => {
    expect(refuseForeignKnownHosts(path, home)).toMatch(why);
    await expect(appendKnownHost(path, '10.0.0.1', 22, type, blob, { home })).rejects.toThrow(/own known_hosts/);
  });

  it.each([false, true])('appends a line that verifies as a match afterwards (hashed names: %s)', async (hashNames) => {
    const file = join(tmp, `own-${hashNames}`, 'known_hosts');
    const { line } = await appendKnownHost(file, '10.0.0.1', 2222, type, blob, { hashNames, home });
    expect(readFileSync(file, 'utf8')).toBe(`${line}\n`);
    expect(line.startsWith(hashNames ? '|1|' : '[10.0.0.1]:2222 ')).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const loaded = await loadKnownHostsFiles([file, join(tmp, 'missing')]);
    expect(loaded.read).toEqual([file]);
    expect(verifyHostKey(loaded.entries, '10.0.0.1', 2222, type, blob).status).toBe('match');
    expect(verifyHostKey(loaded.entries, '10.0.0.1', 22, type, blob).status).toBe('unknown');
  });
});
