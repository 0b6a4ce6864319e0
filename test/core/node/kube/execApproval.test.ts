import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecIdentity } from '../../../../core/node/kube/execApproval';
import {
  ExecNotApprovedError,
  execApprovalsPath,
  execFingerprint,
  isExecApproved,
  loadExecApprovals,
  requireExecApproval,
  saveExecApproval,
} from '../../../../core/node/kube/execApproval';
import type { TempDir } from '../../../helpers/fakeApiServer/kubeTestKit';
import { tempDir } from '../../../helpers/fakeApiServer/kubeTestKit';

// The approval store for exec credential plugins (K1): keyed by command + args + env NAMES,
// kept in Proxyscope's own config dir with owner-only permissions, distrusted when loosened.

let dir: TempDir;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir?.remove());

const aws: ExecIdentity = { command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'prod'], envNames: ['AWS_PROFILE'] };

describe('execFingerprint', () => {
  it.each([
    { name: 'another argument', other: { ...aws, args: [...aws.args.slice(0, 3), 'staging'] } },
    { name: 'another command', other: { ...aws, command: '/tmp/aws' } },
    { name: 'an extra env variable', other: { ...aws, envNames: ['AWS_PROFILE', 'LD_PRELOAD'] } },
    { name: 'args split differently', other: { ...aws, args: ['eks get-token', '--cluster-name', 'prod'] } },
    { name: 'an argument moved into the command', other: { ...aws, command: 'aws eks', args: aws.args.slice(1) } },
  ])('changes with $name', ({ other }) => {
    expect(execFingerprint(other)).not.toBe(execFingerprint(aws));
  });

  it('is a stable sha256 hex digest', () => {
    expect(execFingerprint(aws)).toMatch(/^[0-9a-f]{64}$/);
    expect(execFingerprint({ ...aws, args: [...aws.args] })).toBe(execFingerprint(aws));
  });
});

describe('execApprovalsPath', () => {
  it.each([
    { env: { XDG_CONFIG_HOME: '/xdg' }, want: '/xdg/proxyscope/exec-approvals.json' },
    { env: {}, want: '/home/u/.config/proxyscope/exec-approvals.json' },
    { env: { XDG_CONFIG_HOME: 'relative/dir' }, want: '/home/u/.config/proxyscope/exec-approvals.json' },
  ])('is $want for $env', ({ env, want }) => {
    expect(execApprovalsPath(env, '/home/u')).toBe(want);
  });
});

describe('approval store', () => {
  it('stores an approval owner-only (file 0600, directory 0700) and finds it again', () => {
    const path = join(dir.path, 'store1', 'proxyscope', 'exec-approvals.json');
    expect(isExecApproved(aws, loadExecApprovals(path))).toBe(false);
    saveExecApproval(aws, path, new Date('2026-01-02T03:04:05Z'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir.path, 'store1', 'proxyscope')).mode & 0o777).toBe(0o700);
    const loaded = loadExecApprovals(path);
    expect(loaded.warning).toBeUndefined();
    expect(isExecApproved(aws, loaded)).toBe(true);
    expect(loaded.entries[0]).toMatchObject({ command: 'aws', envNames: ['AWS_PROFILE'], approvedAt: '2026-01-02T03:04:05.000Z' });
    expect(() => requireExecApproval('prod', aws, { approvalsPath: path })).not.toThrow();
    expect(() => requireExecApproval('prod', { ...aws, args: ['x'] }, { approvalsPath: path })).toThrow(ExecNotApprovedError);
  });

  it('does not trust a store others can write to', () => {
    const path = join(dir.path, 'store2', 'exec-approvals.json');
    saveExecApproval(aws, path);
    chmodSync(path, 0o666);
    const loaded = loadExecApprovals(path);
    expect(loaded.entries).toEqual([]);
    expect(loaded.warning).toMatch(/others can write to it/);
    expect(() => requireExecApproval('prod', aws, { approvalsPath: path })).toThrow(ExecNotApprovedError);
  });

  it('ignores a store that is not JSON, with a warning', () => {
    const path = join(dir.path, 'broken.json');
    writeFileSync(path, '{nope', { mode: 0o600 });
    expect(loadExecApprovals(path)).toMatchObject({ entries: [], warning: expect.stringMatching(/not valid JSON/) });
  });

  it('approves everything for this run with --allow-exec, without writing anything', () => {
    const path = join(dir.path, 'never-written.json');
    expect(() => requireExecApproval('prod', aws, { allowExec: true, approvalsPath: path })).not.toThrow();
    expect(() => statSync(path)).toThrow();
  });

  it('names command, args and env variable names (never values) and both ways to approve', () => {
    const err = new ExecNotApprovedError('prod', aws);
    expect(err.message).toContain('context "prod"');
    expect(err.message).toContain('command: aws');
    expect(err.message).toContain('args:    eks get-token --cluster-name prod');
    expect(err.message).toContain('env:     AWS_PROFILE (values not shown)');
    expect(err.message).toContain('--allow-exec');
    expect(err.message).toContain('proxyscope contexts --approve-exec prod');
  });
});
