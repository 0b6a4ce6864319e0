// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ok } from '../../../core/common/contract';
import type { ILink, ILinkProvider, ITerminalOptions } from '@xterm/xterm';
import { useClustersStore } from '../../../renderer/src/stores/clusters';
import { activateLink, findHttpLinks, safeHttpUrl } from '../../../renderer/src/terminal/links';
import { callsOf, emitEvent, mountAt, nodeSummary, openExternalLink, resetApi, sessionInfo, settle, stubApi } from './harness';
import type { Mounted } from './harness';

vi.mock('../../../renderer/api', async () => (await import('./fakeApi')).apiModule);

// xterm.js needs a real layout; a stand-in records what the view does with it.
const xterm = vi.hoisted(() => {
  class FakeTerminal {
    static instances: FakeTerminal[] = [];
    options: ITerminalOptions;
    written: string[] = [];
    lines: string[] = [];
    cols = 80;
    rows = 24;
    provider: ILinkProvider | null = null;
    dataFn: ((d: string) => void) | null = null;
    resizeFn: ((s: { cols: number; rows: number }) => void) | null = null;
    disposed = false;
    buffer = { active: { getLine: (y: number) => ({ translateToString: () => this.lines[y] ?? '' }) } };
    constructor(options: ITerminalOptions) {
      this.options = options;
      FakeTerminal.instances.push(this);
    }
    loadAddon(): void {}
    open(): void {}
    focus(): void {}
    write(d: string): void {
      this.written.push(d);
    }
    registerLinkProvider(p: ILinkProvider) {
      this.provider = p;
      return { dispose() {} };
    }
    onData(fn: (d: string) => void) {
      this.dataFn = fn;
      return { dispose() {} };
    }
    onResize(fn: (s: { cols: number; rows: number }) => void) {
      this.resizeFn = fn;
      return { dispose() {} };
    }
    dispose(): void {
      this.disposed = true;
    }
  }
  return { FakeTerminal };
});
vi.mock('@xterm/xterm', () => ({ Terminal: xterm.FakeTerminal }));
vi.mock('@xterm/addon-fit', () => ({ FitAddon: class { fit(): void {} activate(): void {} dispose(): void {} } }));

const ON = { version: 't', runtime: 'electron' as const, terminals: true, nativeDialogs: true };
const term = () => xterm.FakeTerminal.instances[xterm.FakeTerminal.instances.length - 1];

describe('TerminalView', () => {
  let m: Mounted | null = null;
  beforeEach(() => {
    resetApi();
    xterm.FakeTerminal.instances = [];
    stubApi({
      openTerminal: () => ok({ terminalId: 't1' }),
      terminalInput: () => ok(true as const),
      terminalResize: () => ok(true as const),
      closeTerminal: () => ok(true as const),
    });
  });
  afterEach(() => {
    m?.wrapper.unmount();
    m = null;
  });

  it('says terminals are off in a browser without --allow-terminals', async () => {
    m = await mountAt('/terminal', { appInfo: { version: 't', runtime: 'browser', terminals: false, nativeDialogs: false } });
    expect(m.wrapper.find('[data-testid="terminal-disabled"]').text()).toContain('--allow-terminals');
    expect(m.wrapper.find('[data-testid="terminal-open"]').exists()).toBe(false);
  });

  async function openOn(path = '/terminal/n2'): Promise<Mounted> {
    const mounted = await mountAt(path, { appInfo: ON });
    await mounted.wrapper.find('[data-testid="terminal-host"]').setValue(' 127.0.0.1 ');
    await mounted.wrapper.find('[data-testid="terminal-port"]').setValue('2222');
    await mounted.wrapper.find('[data-testid="terminal-user"]').setValue('core');
    await mounted.wrapper.find('[data-testid="terminal-identity"]').setValue('/keys/id');
    await mounted.wrapper.find('[data-testid="terminal-known-hosts"]').setValue('/keys/known_hosts');
    await mounted.wrapper.find('form').trigger('submit');
    await settle();
    return mounted;
  }

  it('opens a terminal on the node of the route with the overrides given', async () => {
    m = await openOn();
    expect(callsOf('openTerminal')).toEqual([
      { node: 'n2', sessionId: 's1', host: '127.0.0.1', port: 2222, user: 'core', identityFile: '/keys/id', knownHostsFile: '/keys/known_hosts', cols: 80, rows: 24 },
    ]);
    expect(m.wrapper.find('[data-testid="terminal-status"]').text()).toBe('connected');
    expect(m.wrapper.find('[data-testid="terminal-screen"]').exists()).toBe(true);
    expect(callsOf('terminalResize')).toEqual([{ terminalId: 't1', cols: 80, rows: 24 }]);
  });

  it('writes output events of its terminal, including output sent before the open answered', async () => {
    stubApi({
      openTerminal: () => {
        emitEvent({ type: 'terminal-data', terminalId: 't1', data: 'early$ ' });
        return ok({ terminalId: 't1' });
      },
    });
    m = await openOn();
    emitEvent({ type: 'terminal-data', terminalId: 't1', data: 'hello\r\n' });
    emitEvent({ type: 'terminal-data', terminalId: 'other', data: 'not mine' });
    expect(term().written).toEqual(['early$ ', 'hello\r\n']);
  });

  it('sends keystrokes and size changes to its terminal', async () => {
    m = await openOn();
    term().dataFn?.('ls\r');
    term().resizeFn?.({ cols: 120, rows: 40 });
    expect(callsOf('terminalInput')).toEqual([{ terminalId: 't1', data: 'ls\r' }]);
    expect(callsOf('terminalResize')).toContainEqual({ terminalId: 't1', cols: 120, rows: 40 });
  });

  it('sends keystrokes one request at a time, in order, batching what is typed meanwhile', async () => {
    const pending: (() => void)[] = [];
    stubApi({ terminalInput: () => new Promise((resolve) => pending.push(() => resolve(ok(true as const)))) });
    m = await openOn();
    for (const k of ['c', 'l', 'e', 'a', 'r']) term().dataFn?.(k);
    expect(callsOf('terminalInput')).toEqual([{ terminalId: 't1', data: 'c' }]);
    pending.shift()?.();
    await settle();
    expect(callsOf('terminalInput')).toEqual([
      { terminalId: 't1', data: 'c' },
      { terminalId: 't1', data: 'lear' },
    ]);
    pending.shift()?.();
    await settle();
    expect(callsOf('terminalInput')).toHaveLength(2);
  });

  it('shows the exit status and closes the tab', async () => {
    m = await openOn();
    emitEvent({ type: 'terminal-exit', terminalId: 't1', exitCode: 3, signal: null });
    await settle();
    expect(m.wrapper.find('[data-testid="terminal-status"]').text()).toBe('exited 3');
    term().dataFn?.('x');
    expect(callsOf('terminalInput')).toEqual([]);
    await m.wrapper.find('[data-testid="terminal-close"]').trigger('click');
    await settle();
    expect(m.wrapper.find('[data-testid="terminal-screen"]').exists()).toBe(false);
    expect(term().disposed).toBe(true);
  });

  it('closes a connected terminal through the API', async () => {
    m = await openOn();
    await m.wrapper.find('[data-testid="terminal-close"]').trigger('click');
    await settle();
    expect(callsOf('closeTerminal')).toEqual([{ terminalId: 't1' }]);
  });

  it('shows why a terminal could not be opened', async () => {
    stubApi({ openTerminal: () => ({ ok: false, error: { code: 'forbidden', message: 'Host key verification failed. <img src=x>' } }) });
    m = await openOn();
    expect(m.wrapper.find('[data-testid="terminal-error"]').text()).toBe('Host key verification failed. <img src=x>');
    expect(document.querySelector('img')).toBeNull();
  });

  it('opens a debug-pod terminal with the last scanned context, hiding the SSH fields', async () => {
    m = await mountAt('/terminal/n2', { appInfo: ON });
    const clusters = useClustersStore(m.pinia);
    clusters.scan = { context: 'prod-eu', scanId: 'x', phase: 'done', error: null, nodes: [], loaded: true };
    clusters.kubeconfig = ' /home/me/.kube/prod ';
    expect(m.wrapper.find('[data-testid="terminal-context"]').exists()).toBe(false);
    await m.wrapper.find('[data-testid="terminal-via"]').setValue('pod');
    await settle();
    expect(m.wrapper.find('[data-testid="terminal-host"]').exists()).toBe(false);
    expect(m.wrapper.find('[data-testid="terminal-known-hosts"]').exists()).toBe(false);
    expect((m.wrapper.find('[data-testid="terminal-context"]').element as HTMLInputElement).value).toBe('prod-eu');
    await m.wrapper.find('[data-testid="terminal-pod-namespace"]').setValue(' debug ');
    await m.wrapper.find('[data-testid="terminal-pod-image"]').setValue('example.org/tools:1');
    await m.wrapper.find('form').trigger('submit');
    await settle();
    expect(callsOf('openTerminal')).toEqual([
      { node: 'n2', sessionId: 's1', via: 'pod', context: 'prod-eu', kubeconfig: '/home/me/.kube/prod', podNamespace: 'debug', podImage: 'example.org/tools:1', cols: 80, rows: 24 },
    ]);
    expect(m.wrapper.find('[data-testid="terminal-tab"]').text()).toContain('[pod]');
    expect(m.wrapper.find('[data-testid="terminal-status"]').text()).toBe('connected');
  });

  it('prefills the context from a scanned session and refuses to open without one', async () => {
    m = await mountAt('/terminal', { appInfo: ON, session: sessionInfo([nodeSummary('w1')], { source: 'scan of kind-kind' }) });
    await m.wrapper.find('[data-testid="terminal-via"]').setValue('pod');
    await settle();
    expect((m.wrapper.find('[data-testid="terminal-context"]').element as HTMLInputElement).value).toBe('kind-kind');
    await m.wrapper.find('[data-testid="terminal-context"]').setValue('');
    await m.wrapper.find('[data-testid="terminal-pod-namespace"]').setValue('Bad_NS');
    await m.wrapper.find('form').trigger('submit');
    await settle();
    expect(callsOf('openTerminal')).toEqual([]);
    expect(m.wrapper.find('[data-testid="terminal-open"]').attributes('disabled')).toBeDefined();
    await m.wrapper.find('[data-testid="terminal-context"]').setValue('kind-kind');
    expect(m.wrapper.text()).toContain('DNS label');
  });

  it.each([
    ['javascript:alert(1)', false],
    ['JavaScript:alert(1)', false],
    ['file:///etc/passwd', false],
    ['data:text/html,<script>alert(1)</script>', false],
    ['ssh://node/', false],
    ['https://user:pw@evil.example/', false],
    ['https://kubernetes.io/docs/', true],
    ['http://127.0.0.1:8080/x?y=1', true],
  ])('opens the link %s from the terminal: %s', async (url, opened) => {
    m = await openOn();
    // OSC 8 hyperlinks go through the link handler; xterm must not pass other schemes to it either.
    expect(term().options.linkHandler?.allowNonHttpProtocols).toBe(false);
    term().options.linkHandler?.activate(new MouseEvent('click'), url, { start: { x: 1, y: 1 }, end: { x: 2, y: 1 } });
    await settle();
    expect(openExternalLink.mock.calls.length).toBe(opened ? 1 : 0);
  });

  it('turns plain http(s) URLs in the output into links, and nothing else', async () => {
    m = await openOn();
    term().lines = ['see https://kubernetes.io/docs/concepts/. or javascript:alert(1) file:///etc/passwd'];
    let links: ILink[] | undefined;
    term().provider?.provideLinks(1, (l) => (links = l));
    expect(links?.map((l) => l.text)).toEqual(['https://kubernetes.io/docs/concepts/']);
    expect(links?.[0].range).toEqual({ start: { x: 5, y: 1 }, end: { x: 40, y: 1 } });
    links?.[0].activate(new MouseEvent('click'), links[0].text);
    await settle();
    expect(openExternalLink).toHaveBeenCalledWith('https://kubernetes.io/docs/concepts/');
  });
});

describe('terminal links', () => {
  it.each([
    ['https://example.com/a', 'https://example.com/a'],
    [' http://example.com ', 'http://example.com/'],
    ['javascript:alert(1)', null],
    ['file:///etc/passwd', null],
    ['vbscript:x', null],
    ['https://a@b.example/', null],
    ['not a url', null],
  ])('safeHttpUrl(%j) is %j', (text, want) => {
    expect(safeHttpUrl(text)).toBe(want);
  });

  it('finds URLs without the punctuation around them', () => {
    expect(findHttpLinks('(see https://x.example/a?b=1), then http://y.example.')).toEqual([
      { start: 5, end: 28, url: 'https://x.example/a?b=1' },
      { start: 36, end: 52, url: 'http://y.example' },
    ]);
  });

  it('never calls the opener for a refused link', async () => {
    const open = vi.fn(async () => true);
    expect(await activateLink('javascript:alert(1)', open)).toBe(false);
    expect(open).not.toHaveBeenCalled();
    expect(await activateLink('https://example.com', open)).toBe(true);
    expect(open).toHaveBeenCalledWith('https://example.com/');
  });
});
