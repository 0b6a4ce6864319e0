// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fail, ok } from '../../../core/common/contract';
import type { ApiResult, ContextView } from '../../../core/common/contract';
import type { AnalysisResult } from '../../../core/common/model/analysis';
import { useSessionStore } from '../../../renderer/src/stores/session';
import { assertNoInjectedMarkup, calls, callsOf, emitEvent, mountAt, nodeSummary, resetApi, settle, stubApi } from './harness';
import type { Mounted } from './harness';

vi.mock('../../../renderer/api', async () => (await import('./fakeApi')).apiModule);

const EXEC = { command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'prod'], envNames: ['AWS_PROFILE', 'AWS_REGION'] };
const CONTEXTS: ContextView[] = [
  { name: 'kind-dev', cluster: 'kind-dev', user: 'kind-dev', server: 'https://127.0.0.1:6443', current: true, warnings: [], auth: 'client certificate', execApproved: false },
  {
    name: 'prod',
    cluster: 'prod',
    user: 'aws',
    server: 'https://prod.example:443',
    current: false,
    warnings: ['insecure-skip-tls-verify is set: the API server\'s certificate is not checked'],
    auth: 'exec plugin',
    exec: EXEC,
    execApproved: false,
  },
  { name: 'broken', cluster: 'gone', user: 'u', current: false, warnings: [], auth: 'none', execApproved: false, error: 'cluster "gone" is not in the kubeconfig' },
];

const ANALYSIS: AnalysisResult = {
  schemaVersion: 1,
  tool: { name: 'proxyscope', version: 't' },
  generatedAt: '2025-01-01T00:00:00Z',
  snapshot: { source: 'scan', nodes: ['n1'], cluster: { services: 1, endpointSlices: 1, pods: 1, nodes: 1 } },
  nodes: [nodeSummary('n1')],
  findings: [],
  limitations: [],
  counts: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
};

const row = (m: Mounted, name: string) => m.wrapper.find(`[data-testid="context-row"][data-context="${name}"]`);
const dialog = (m: Mounted) => m.wrapper.find('[data-testid="exec-approval-dialog"]');

describe('ClustersView', () => {
  let m: Mounted | null = null;
  beforeEach(() => {
    localStorage.clear();
    resetApi();
    stubApi({
      contexts: () => ok(CONTEXTS),
      approveExec: () => ok(true as const),
      startScan: () => ok({ scanId: 'scan-1' }),
      cancel: () => ok(true as const),
      analysis: () => ok(ANALYSIS),
      services: () => ok([]),
    });
  });
  afterEach(() => {
    m?.wrapper.unmount();
    m = null;
  });

  it('lists the contexts with server, auth, loud TLS warnings and errors', async () => {
    m = await mountAt('/clusters');
    expect(callsOf('contexts')).toEqual([{}]);
    expect(m.wrapper.findAll('[data-testid="context-row"]').map((r) => r.attributes('data-context'))).toEqual(['kind-dev', 'prod', 'broken']);
    expect(row(m, 'prod').find('[data-testid="context-server"]').text()).toBe('https://prod.example:443');
    expect(row(m, 'prod').find('[data-testid="context-auth"]').text()).toBe('exec plugin');
    expect(row(m, 'prod').find('[data-testid="context-exec"]').text()).toContain('aws eks get-token --cluster-name prod');
    const warning = row(m, 'prod').find('[data-testid="context-warning"]');
    expect(warning.text()).toContain('insecure-skip-tls-verify');
    expect(warning.classes()).toContain('ps-warning-loud');
    expect(row(m, 'broken').find('[data-testid="context-error"]').text()).toBe('cluster "gone" is not in the kubeconfig');
    expect(row(m, 'broken').find('[data-testid="context-scan"]').attributes('disabled')).toBeDefined();
  });

  it('reads the contexts of another kubeconfig', async () => {
    m = await mountAt('/clusters');
    await m.wrapper.find('[data-testid="kubeconfig-path"]').setValue('/tmp/kc.yaml');
    await m.wrapper.find('form').trigger('submit');
    await settle();
    expect(callsOf('contexts')).toEqual([{}, { kubeconfig: '/tmp/kc.yaml' }]);
  });

  it('asks before running an unapproved credential plugin, showing command, args and env names', async () => {
    m = await mountAt('/clusters');
    await row(m, 'prod').find('[data-testid="context-scan"]').trigger('click');
    await settle();
    expect(callsOf('startScan')).toEqual([]);
    const d = dialog(m);
    expect(d.find('[data-testid="exec-command"]').text()).toBe('aws');
    expect(d.findAll('[data-testid="exec-args"] code').map((c) => c.text())).toEqual(EXEC.args);
    expect(d.findAll('[data-testid="exec-env"] code').map((c) => c.text())).toEqual(['AWS_PROFILE', 'AWS_REGION']);
    expect(d.text()).toMatch(/Approving runs exactly this command/);
  });

  it('approves, then starts the scan with the SSH settings', async () => {
    m = await mountAt('/clusters');
    await m.wrapper.find('[data-testid="ssh-user"]').setValue('core');
    await m.wrapper.find('[data-testid="ssh-port"]').setValue('2222');
    await m.wrapper.find('[data-testid="ssh-jump"]').setValue('bastion.example');
    await m.wrapper.find('[data-testid="ssh-accept-new"]').setValue(true);
    await row(m, 'prod').find('[data-testid="context-scan"]').trigger('click');
    await settle();
    await dialog(m).find('[data-testid="exec-approve"]').trigger('click');
    await settle();
    expect(calls.filter((c) => c.method === 'approveExec' || c.method === 'startScan')).toEqual([
      { method: 'approveExec', arg: { context: 'prod' } },
      { method: 'startScan', arg: { context: 'prod', via: 'ssh', ssh: { sudo: true, acceptNew: true, user: 'core', port: 2222, jump: 'bastion.example' } } },
    ]);
    expect(dialog(m).exists()).toBe(false);
  });

  it('does nothing when the plugin is denied', async () => {
    m = await mountAt('/clusters');
    await row(m, 'prod').find('[data-testid="context-scan"]').trigger('click');
    await settle();
    await dialog(m).find('[data-testid="exec-deny"]').trigger('click');
    await settle();
    expect(dialog(m).exists()).toBe(false);
    expect(callsOf('approveExec')).toEqual([]);
    expect(callsOf('startScan')).toEqual([]);
  });

  it('shows the dialog when the backend asks for approval', async () => {
    stubApi({ startScan: () => ({ ok: false, error: { code: 'exec-approval-required', message: 'approve first', exec: { command: 'gke-gcloud-auth-plugin', args: [], envNames: [] } } }) });
    m = await mountAt('/clusters');
    await row(m, 'kind-dev').find('[data-testid="context-scan"]').trigger('click');
    await settle();
    expect(dialog(m).find('[data-testid="exec-command"]').text()).toBe('gke-gcloud-auth-plugin');
    expect(m.wrapper.find('[data-testid="scan-status"]').exists()).toBe(false);
  });

  it('scans over a debug pod without SSH settings', async () => {
    m = await mountAt('/clusters');
    await m.wrapper.find('[data-testid="scan-via-pod"]').setValue(true);
    await row(m, 'kind-dev').find('[data-testid="context-scan"]').trigger('click');
    await settle();
    expect(callsOf('startScan')).toEqual([{ context: 'kind-dev', via: 'pod' }]);
  });

  it('follows the scan node by node, says why a node failed, cancels, and opens the result', async () => {
    stubApi({
      startScan: () => {
        // An event that overtakes the answer is kept.
        emitEvent({ type: 'scan-node', scanId: 'scan-1', node: 'n1', state: 'queued', message: '' });
        return ok({ scanId: 'scan-1' });
      },
    });
    m = await mountAt('/clusters');
    await row(m, 'kind-dev').find('[data-testid="context-scan"]').trigger('click');
    await settle();
    const state = (node: string) => m!.wrapper.find(`[data-testid="scan-node-row"][data-node="${node}"]`).attributes('data-state');
    expect(state('n1')).toBe('queued');
    emitEvent({ type: 'scan-node', scanId: 'scan-1', node: 'n1', state: 'collecting', message: 'iptables-save' });
    emitEvent({ type: 'scan-node', scanId: 'scan-1', node: 'n2', state: 'host-key-mismatch', message: 'the key of n2 changed' });
    emitEvent({ type: 'scan-node', scanId: 'other', node: 'n3', state: 'ok', message: '' });
    await settle();
    expect(state('n1')).toBe('collecting');
    expect(state('n2')).toBe('host-key-mismatch');
    expect(m.wrapper.find('[data-testid="scan-node-row"][data-node="n2"]').text()).toContain('HOST KEY CHANGED');
    expect(m.wrapper.find('[data-node="n3"]').exists()).toBe(false);

    await m.wrapper.find('[data-testid="scan-cancel"]').trigger('click');
    await settle();
    expect(callsOf('cancel')).toEqual([{ id: 'scan-1' }]);

    emitEvent({ type: 'scan-node', scanId: 'scan-1', node: 'n1', state: 'ok', message: '' });
    emitEvent({ type: 'scan-done', scanId: 'scan-1', sessionId: 'scan-session' });
    const router = m.router;

    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/findings'), { timeout: 20_000 });
    const session = useSessionStore(m.pinia);
    expect(session.info?.id).toBe('scan-session');
    expect(session.info?.title).toBe('Scan of kind-dev');
    expect(session.info?.nodes.map((n) => n.node)).toEqual(['n1']);
  });

  it('shows a failed scan without leaving the view', async () => {
    m = await mountAt('/clusters');
    await row(m, 'kind-dev').find('[data-testid="context-scan"]').trigger('click');
    await settle();
    emitEvent({ type: 'scan-done', scanId: 'scan-1', sessionId: null, error: { code: 'failed', message: 'listing Services: forbidden (RBAC)' } });
    await settle();
    expect(m.wrapper.find('[data-testid="scan-error"]').text()).toBe('listing Services: forbidden (RBAC)');
    expect(m.router.currentRoute.value.path).toBe('/clusters');
  });

  it('shows hostile context names, warnings and plugin commands as text', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    stubApi({
      contexts: () =>
        ok([{ name: evil, cluster: evil, user: evil, server: 'javascript:alert(1)', current: false, warnings: [evil], auth: evil, exec: { command: evil, args: ['<script>alert(1)</script>'], envNames: [evil] }, execApproved: false }]),
    });
    m = await mountAt('/clusters');
    await m.wrapper.find('[data-testid="context-scan"]').trigger('click');
    await settle();
    assertNoInjectedMarkup();
    expect(dialog(m).find('[data-testid="exec-command"]').text()).toBe(evil);
    expect(m.wrapper.find('[data-testid="context-server"]').text()).toBe('javascript:alert(1)');
  });

  describe('SSH identity, passphrase and per-context settings', () => {
    const CANARY = 'canary-pass-renderer-4c9e';
    const ELECTRON = { version: 'test', runtime: 'electron' as const, terminals: true, nativeDialogs: true };
    const input = (m: Mounted, id: string) => m.wrapper.find(`[data-testid="${id}"]`);
    const storageText = () =>
      [localStorage, sessionStorage].flatMap((st) => Array.from({ length: st.length }, (_, i) => `${st.key(i)}=${st.getItem(st.key(i) ?? '')}`)).join('\n');

    it('asks for a passphrase only once an identity file is set, and in the browser never offers to remember it', async () => {
      m = await mountAt('/clusters');
      expect(input(m, 'ssh-passphrase').exists()).toBe(false);
      await input(m, 'ssh-identity').setValue('/home/u/.ssh/id_locked');
      expect(input(m, 'ssh-passphrase').attributes('type')).toBe('password');
      expect(input(m, 'ssh-remember-passphrase').exists()).toBe(false);
      expect(input(m, 'ssh-passphrase-note').text()).toMatch(/this scan only.*never stores/);
    });

    it('sends the passphrase (and the remember wish) in that one startScan call, then forgets it', async () => {
      m = await mountAt('/clusters', { appInfo: ELECTRON });
      await input(m, 'ssh-identity').setValue('/home/u/.ssh/id_locked');
      await input(m, 'ssh-passphrase').setValue(CANARY);
      await input(m, 'ssh-remember-passphrase').setValue(true);
      await row(m, 'kind-dev').find('[data-testid="context-scan"]').trigger('click');
      await settle();
      expect(callsOf('startScan')).toEqual([
        { context: 'kind-dev', via: 'ssh', ssh: { sudo: true, acceptNew: false, identityFile: '/home/u/.ssh/id_locked', identityPassphrase: CANARY, rememberPassphrase: true } },
      ]);
      expect((input(m, 'ssh-passphrase').element as HTMLInputElement).value).toBe('');
      expect((input(m, 'ssh-remember-passphrase').element as HTMLInputElement).checked).toBe(false);
      expect(storageText()).not.toContain(CANARY);
      expect(storageText()).toContain('/home/u/.ssh/id_locked');

      emitEvent({ type: 'scan-done', scanId: 'scan-1', sessionId: null, error: { code: 'failed', message: 'no nodes' }, notice: 'The key passphrase was used for this scan but not remembered: no keyring' });
      await settle();
      expect(m.wrapper.find('[data-testid="scan-notice"]').text()).toContain('not remembered: no keyring');

      // The next scan carries no passphrase: the desktop app looks up the remembered one.
      await row(m, 'kind-dev').find('[data-testid="context-scan"]').trigger('click');
      await settle();
      expect(callsOf('startScan')[1]).toEqual({ context: 'kind-dev', via: 'ssh', ssh: { sudo: true, acceptNew: false, identityFile: '/home/u/.ssh/id_locked' } });
      expect(JSON.stringify(callsOf('startScan')[1])).not.toContain(CANARY);
    });

    it('sends no passphrase field when none was typed or no identity file is set', async () => {
      m = await mountAt('/clusters', { appInfo: ELECTRON });
      await input(m, 'ssh-identity').setValue('/k/id');
      await input(m, 'ssh-passphrase').setValue(CANARY);
      await input(m, 'ssh-identity').setValue('');
      await row(m, 'kind-dev').find('[data-testid="context-scan"]').trigger('click');
      await settle();
      expect(callsOf('startScan')).toEqual([{ context: 'kind-dev', via: 'ssh', ssh: { sudo: true, acceptNew: false } }]);
    });

    it('keeps the passphrase through the plugin approval, and drops it when the plugin is denied', async () => {
      m = await mountAt('/clusters');
      await row(m, 'prod').trigger('click');
      await input(m, 'ssh-identity').setValue('/k/id');
      await input(m, 'ssh-passphrase').setValue(CANARY);
      await row(m, 'prod').find('[data-testid="context-scan"]').trigger('click');
      await settle();
      await dialog(m).find('[data-testid="exec-deny"]').trigger('click');
      await settle();
      expect((input(m, 'ssh-passphrase').element as HTMLInputElement).value).toBe('');
      await input(m, 'ssh-passphrase').setValue(CANARY);
      await row(m, 'prod').find('[data-testid="context-scan"]').trigger('click');
      await settle();
      await dialog(m).find('[data-testid="exec-approve"]').trigger('click');
      await settle();
      expect(callsOf('startScan')).toEqual([{ context: 'prod', via: 'ssh', ssh: { sudo: true, acceptNew: false, identityFile: '/k/id', identityPassphrase: CANARY } }]);
      expect(storageText()).not.toContain(CANARY);
    });

    it('restores each context\'s own SSH settings when it is picked, and saves them when it is scanned', async () => {
      localStorage.setItem('proxyscope.ssh.prod', JSON.stringify({ via: 'ssh', user: 'admin', port: '2200', jump: 'bastion', sudo: false, acceptNew: true, identityFile: '/k/prod', identityPassphrase: 'ignored' }));
      m = await mountAt('/clusters');
      expect(row(m, 'kind-dev').attributes('data-selected')).toBe('true');
      expect(m.wrapper.find('[data-testid="settings-context"]').text()).toBe('kind-dev');
      await input(m, 'ssh-user').setValue('core');
      await row(m, 'kind-dev').find('[data-testid="context-scan"]').trigger('click');
      await settle();
      expect(JSON.parse(localStorage.getItem('proxyscope.ssh.kind-dev') ?? 'null')).toEqual({ via: 'ssh', user: 'core', port: '', jump: '', sudo: true, acceptNew: false, identityFile: '' });

      await row(m, 'prod').trigger('click');
      await settle();
      expect(row(m, 'prod').attributes('data-selected')).toBe('true');
      const value = (id: string) => (input(m!, id).element as HTMLInputElement);
      expect([value('ssh-user').value, value('ssh-port').value, value('ssh-jump').value, value('ssh-identity').value]).toEqual(['admin', '2200', 'bastion', '/k/prod']);
      expect([value('ssh-sudo').checked, value('ssh-accept-new').checked]).toEqual([false, true]);

      await row(m, 'kind-dev').trigger('click');
      await settle();
      expect([value('ssh-user').value, value('ssh-identity').value, value('ssh-sudo').checked]).toEqual(['core', '', true]);
    });

    describe('forgetting a remembered passphrase', () => {
      const button = (m: Mounted) => input(m, 'ssh-forget-passphrase');
      const notice = (m: Mounted) => input(m, 'ssh-forget-notice');

      type Shown = [string, 'electron' | 'browser', string, boolean];
      const shownCases: Shown[] = [
        ['electron with an identity file', 'electron', '/home/u/.ssh/id_locked', true],
        ['electron without an identity file', 'electron', '', false],
        ['electron with a blank identity file', 'electron', '   ', false],
        ['the browser with an identity file', 'browser', '/home/u/.ssh/id_locked', false],
      ];
      it.each(shownCases)('offers the forget button in %s: %s', async (_name, runtime, identity, expected) => {
        m = await mountAt('/clusters', runtime === 'electron' ? { appInfo: ELECTRON } : {});
        await input(m, 'ssh-identity').setValue(identity);
        expect(button(m).exists()).toBe(expected);
        if (expected) expect(button(m).text()).toBe('Forget the remembered passphrase');
      });

      type Answer = [string, () => ApiResult<boolean>, RegExp];
      const answers: Answer[] = [
        ['one was remembered', () => ok(true), /remembered passphrase for this key was forgotten/],
        ['none was remembered', () => ok(false), /No passphrase was remembered/],
        ['the keychain failed', () => fail('failed', 'disk <b>full</b>'), /could not be forgotten: disk <b>full<\/b>/],
      ];
      it.each(answers)('asks the API to forget that key\'s passphrase and says what happened when %s', async (_name, answer, said) => {
        stubApi({ forgetPassphrase: answer });
        m = await mountAt('/clusters', { appInfo: ELECTRON });
        await input(m, 'ssh-identity').setValue(' /home/u/.ssh/id_locked ');
        expect(notice(m).exists()).toBe(false);
        await button(m).trigger('click');
        await settle();
        expect(callsOf('forgetPassphrase')).toEqual([{ identityFile: '/home/u/.ssh/id_locked' }]);
        expect(notice(m).text()).toMatch(said);
        assertNoInjectedMarkup();
        expect(callsOf('startScan')).toEqual([]);
      });

      it('drops the notice when another identity file is entered', async () => {
        stubApi({ forgetPassphrase: () => ok(true) });
        m = await mountAt('/clusters', { appInfo: ELECTRON });
        await input(m, 'ssh-identity').setValue('/k/a');
        await button(m).trigger('click');
        await settle();
        expect(notice(m).exists()).toBe(true);
        await input(m, 'ssh-identity').setValue('/k/b');
        expect(notice(m).exists()).toBe(false);
      });
    });

    it('ignores saved settings of the wrong shape', async () => {
      localStorage.setItem('proxyscope.ssh.kind-dev', JSON.stringify({ via: 'telnet', user: 42, sudo: 'yes', port: '2222' }));
      m = await mountAt('/clusters');
      await row(m, 'kind-dev').find('[data-testid="context-scan"]').trigger('click');
      await settle();
      expect(callsOf('startScan')).toEqual([{ context: 'kind-dev', via: 'ssh', ssh: { sudo: true, acceptNew: false, port: 2222 } }]);
    });
  });
});
