import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api, TerminalRequest } from '../../../../core/common/contract';
import { ok } from '../../../../core/common/contract';
import { validateApiArg } from '../../../../core/common/contractSchemas';
import { browserApi } from '../../../../core/node/serve/browserApi';
import type { ServePtyHost } from '../../../../core/node/serve/serveTypes';
import type { TerminalHub } from '../../../../core/node/terminal/terminalHub';
import { fakeBackend } from '../../../electron/fakeBackend';
import type { FakeBackend } from '../../../electron/fakeBackend';

// Terminal routing in `proxyscope serve`: debug-pod terminals exist only with --allow-terminals
// (a pty host given), like SSH ones; via 'pod' goes to the hub, and input/resize/close follow
// the terminal id.

type Spied<T> = { [K in keyof T]: ReturnType<typeof vi.fn> };

let backend: FakeBackend;
let pty: Spied<ServePtyHost>;
let hub: Spied<TerminalHub>;

const POD: TerminalRequest = { node: 'n1', via: 'pod', context: 'prod', cols: 80, rows: 24 };
type Terminals = Required<Pick<Api, 'openTerminal' | 'terminalInput' | 'terminalResize' | 'closeTerminal'>>;
const make = (withPty: boolean, withHub: boolean): Terminals =>
  browserApi({ version: '1', backend, pty: withPty ? (pty as unknown as ServePtyHost) : null, podTerminals: withHub ? (hub as unknown as TerminalHub) : null }) as Terminals;

beforeEach(() => {
  backend = fakeBackend();
  pty = { open: vi.fn(() => ok({ terminalId: 'term-1' })), input: vi.fn(() => ok(true)), resize: vi.fn(() => ok(true)), close: vi.fn(() => ok(true)), closeAll: vi.fn() };
  hub = {
    open: vi.fn(() => ok({ terminalId: 'pod-1' })),
    has: vi.fn((id: string) => id === 'pod-1'),
    input: vi.fn(() => ok(true)),
    resize: vi.fn(() => ok(true)),
    close: vi.fn(() => ok(true)),
    closeAll: vi.fn(async () => undefined),
    count: vi.fn(() => 0),
  };
});

describe('debug-pod terminals in serve', () => {
  it('refuses them without --allow-terminals, even with a hub, and never touches it', async () => {
    const api = make(false, true);
    const r = await api.openTerminal(POD);
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(r.ok ? '' : r.error.message).toContain('--allow-terminals');
    expect(await api.terminalInput({ terminalId: 'pod-1', data: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await api.closeTerminal({ terminalId: 'pod-1' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(hub.open).not.toHaveBeenCalled();
    expect(hub.input).not.toHaveBeenCalled();
    expect(hub.close).not.toHaveBeenCalled();
  });

  it('opens a via-pod terminal in the hub with --allow-terminals, resolving no SSH target', async () => {
    expect(await make(true, true).openTerminal(POD)).toEqual(ok({ terminalId: 'pod-1' }));
    expect(hub.open).toHaveBeenCalledWith(POD);
    expect(backend.terminalTarget).not.toHaveBeenCalled();
    expect(pty.open).not.toHaveBeenCalled();
  });

  it('keeps SSH terminals on the pty host', async () => {
    expect(await make(true, true).openTerminal({ node: 'n1', via: 'ssh', cols: 80, rows: 24 })).toEqual(ok({ terminalId: 'term-1' }));
    expect(hub.open).not.toHaveBeenCalled();
  });

  it.each([
    ['pod-1', 'hub'],
    ['term-1', 'pty'],
  ])('routes input, resize and close of %s to the %s', async (terminalId, owner) => {
    const api = make(true, true);
    await api.terminalInput({ terminalId, data: 'ls\r' });
    await api.terminalResize({ terminalId, cols: 120, rows: 40 });
    await api.closeTerminal({ terminalId });
    const [to, other] = owner === 'hub' ? [hub, pty] : [pty, hub];
    expect(to.input).toHaveBeenCalledWith(terminalId, 'ls\r');
    expect(to.resize).toHaveBeenCalledWith(terminalId, 120, 40);
    expect(to.close).toHaveBeenCalledWith(terminalId);
    expect(other.input).not.toHaveBeenCalled();
  });

  it('answers unsupported for via pod when the server has no hub', async () => {
    expect(await make(true, false).openTerminal(POD)).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });
});

describe('openTerminal arguments for via pod', () => {
  const base = { node: 'n1', via: 'pod', context: 'prod', cols: 80, rows: 24 };
  it.each([
    ['a full pod request', { ...base, kubeconfig: '/home/u/.kube/config', podNamespace: 'proxyscope-debug', podImage: 'docker.io/library/debian:bookworm-slim' }, true],
    ['an unknown via', { ...base, via: 'telnet' }, false],
    ['a namespace that is no DNS label', { ...base, podNamespace: 'Kube_System' }, false],
    ['a namespace longer than 63', { ...base, podNamespace: 'a'.repeat(64) }, false],
    ['an empty context', { ...base, context: '' }, false],
    ['a huge image', { ...base, podImage: 'x'.repeat(256) }, false],
  ])('%s is valid: %s', (_what, arg, valid) => {
    expect(validateApiArg('openTerminal', arg).ok).toBe(valid);
  });
});
