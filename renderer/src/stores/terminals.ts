import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, onApiEvent } from '../../api';
import type { ApiEvent, ApiResult, TerminalRequest } from '../../../core/common/contract';

// Open terminals (one tab each). Output arrives as `terminal-data` events; each tab's xterm
// registers a sink for its terminal id. Output that arrives before the sink (the pty can print
// before openTerminal's answer is back) is held, up to a cap, and written when the sink comes.

export interface TerminalTab {
  id: string;
  node: string;
  /** How it reaches the node: system ssh, or a shell through a debug pod. */
  via: 'ssh' | 'pod';
  status: 'connected' | 'exited';
  exitCode: number | null;
  signal: number | null;
}

const PENDING_CAP = 256 * 1024;
const PENDING_IDS = 16;

export const useTerminalsStore = defineStore('terminals', () => {
  const tabs = ref<TerminalTab[]>([]);
  const active = ref<string | null>(null);
  const error = ref<string | null>(null);
  const opening = ref(false);
  const sinks = new Map<string, (data: string) => void>();
  const pending = new Map<string, { chunks: string[]; bytes: number }>();
  const exits = new Map<string, { exitCode: number | null; signal: number | null }>();
  let unsubscribe: (() => void) | null = null;

  const current = computed(() => tabs.value.find((t) => t.id === active.value) ?? null);

  function handle(e: ApiEvent): void {
    if (e.type === 'terminal-data') {
      const sink = sinks.get(e.terminalId);
      if (sink) {
        sink(e.data);
        return;
      }
      let p = pending.get(e.terminalId);
      if (!p) {
        if (pending.size >= PENDING_IDS) return;
        p = { chunks: [], bytes: 0 };
        pending.set(e.terminalId, p);
      }
      if (p.bytes + e.data.length <= PENDING_CAP) {
        p.chunks.push(e.data);
        p.bytes += e.data.length;
      }
    } else if (e.type === 'terminal-exit') {
      const tab = tabs.value.find((t) => t.id === e.terminalId);
      if (tab) {
        tab.status = 'exited';
        tab.exitCode = e.exitCode;
        tab.signal = e.signal;
      } else if (exits.size < PENDING_IDS) {
        exits.set(e.terminalId, { exitCode: e.exitCode, signal: e.signal });
      }
    }
  }

  function subscribe(): void {
    unsubscribe ??= onApiEvent(handle);
  }

  async function open(req: TerminalRequest): Promise<ApiResult<{ terminalId: string }>> {
    subscribe();
    opening.value = true;
    error.value = null;
    const r = await api.openTerminal(req);
    opening.value = false;
    if (!r.ok) {
      error.value = r.error.message;
      return r;
    }
    const id = r.value.terminalId;
    const exit = exits.get(id);
    exits.delete(id);
    tabs.value.push({ id, node: req.node, via: req.via ?? 'ssh', status: exit ? 'exited' : 'connected', exitCode: exit?.exitCode ?? null, signal: exit?.signal ?? null });
    active.value = id;
    return r;
  }

  /** Where output of `id` goes from now on (held output first). Returns the detach function. */
  function attach(id: string, sink: (data: string) => void): () => void {
    const held = pending.get(id);
    pending.delete(id);
    if (held) for (const c of held.chunks) sink(c);
    sinks.set(id, sink);
    return () => {
      if (sinks.get(id) === sink) sinks.delete(id);
    };
  }

  // Keystrokes go out one request at a time per terminal: separate HTTP requests can overtake
  // each other (`clear` arriving as `clera`), so what is typed while one is in flight is held and
  // sent as one chunk after it (capped below the schema's 64 KiB per call).
  const INPUT_CHUNK = 32 * 1024;
  const outbox = new Map<string, { queued: string; sending: boolean }>();

  async function flush(id: string): Promise<void> {
    const box = outbox.get(id);
    if (!box || box.sending) return;
    box.sending = true;
    try {
      while (box.queued !== '') {
        const data = box.queued.slice(0, INPUT_CHUNK);
        box.queued = box.queued.slice(data.length);
        await api.terminalInput({ terminalId: id, data });
      }
    } finally {
      box.sending = false;
      if (box.queued === '') outbox.delete(id);
    }
  }

  function input(id: string, data: string): void {
    const tab = tabs.value.find((t) => t.id === id);
    if (!tab || tab.status !== 'connected') return;
    const box = outbox.get(id) ?? { queued: '', sending: false };
    box.queued += data;
    outbox.set(id, box);
    void flush(id);
  }

  function resize(id: string, cols: number, rows: number): void {
    const tab = tabs.value.find((t) => t.id === id);
    if (!tab || tab.status !== 'connected' || cols < 1 || rows < 1) return;
    void api.terminalResize({ terminalId: id, cols, rows });
  }

  async function close(id: string): Promise<void> {
    const tab = tabs.value.find((t) => t.id === id);
    if (tab && tab.status === 'connected') await api.closeTerminal({ terminalId: id });
    tabs.value = tabs.value.filter((t) => t.id !== id);
    sinks.delete(id);
    pending.delete(id);
    outbox.delete(id);
    if (active.value === id) active.value = tabs.value[tabs.value.length - 1]?.id ?? null;
  }

  return { tabs, active, current, error, opening, open, attach, input, resize, close, subscribe };
});
