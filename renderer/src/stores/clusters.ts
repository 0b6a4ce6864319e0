import { defineStore } from 'pinia';
import { computed, markRaw, reactive, ref, shallowRef, watch } from 'vue';
import { api, onApiEvent } from '../../api';
import type { ApiEvent, ContextView, ExecApprovalRequest, NodeScanState, ScanRequest, SessionInfo, SshSettings } from '../../../core/common/contract';
import { createEarlyEvents, isScanEvent, openScanSession } from './scanEvents';
import type { ScanEvent } from './scanEvents';

// Kubeconfig contexts and the scan of one of them. A context whose credential plugin (exec) is
// not approved yet is never scanned straight away: the approval request (command, args, env
// names) goes to the dialog first, and only an explicit approve calls approveExec. Scan progress
// arrives as `scan-node` / `scan-done` events; events that arrive before startScan's answer
// (the backend can be quick) are held and applied once the scan id is known.
// The non-secret SSH settings are kept per context in localStorage (`proxyscope.ssh.<context>`)
// and restored when the context is picked. A key passphrase never is: it lives in this store
// only until the startScan call that carries it (the desktop app may keep it in the OS keychain).

export interface ScanForm {
  via: 'ssh' | 'pod';
  user: string;
  port: string;
  jump: string;
  sudo: boolean;
  acceptNew: boolean;
  identityFile: string;
}

export const SSH_SETTINGS_PREFIX = 'proxyscope.ssh.';

export interface ScanNodeRow {
  node: string;
  state: NodeScanState;
  message: string;
}

export interface ScanState {
  context: string;
  scanId: string | null;
  phase: 'starting' | 'running' | 'done' | 'failed';
  error: string | null;
  nodes: ScanNodeRow[];
  /** The scan's snapshot was loaded as the current session. */
  loaded: boolean;
  /** What the app did with the key passphrase (remembered, or why not). */
  notice?: string | null;
}


export const useClustersStore = defineStore('clusters', () => {
  const kubeconfig = ref('');
  const contexts = shallowRef<ContextView[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const form = reactive<ScanForm>({ via: 'ssh', user: '', port: '', jump: '', sudo: true, acceptNew: false, identityFile: '' });
  /** The context whose settings the form shows. */
  const selected = ref<string | null>(null);
  // Secret: in memory until the next startScan call, never persisted.
  const passphrase = ref('');
  const rememberPassphrase = ref(false);
  /** What forgetPassphrase did (or why it could not), for the identity file it was asked about. */
  const passphraseNotice = ref<string | null>(null);
  const forgetting = ref(false);
  const approval = ref<{ context: string; exec: ExecApprovalRequest } | null>(null);
  const scan = ref<ScanState | null>(null);
  const scanning = computed(() => scan.value !== null && (scan.value.phase === 'starting' || scan.value.phase === 'running'));
  const held = createEarlyEvents();
  let unsubscribe: (() => void) | null = null;
  /** How a finished scan's session is made current (the session store's loader). */
  let loadSession: ((info: SessionInfo) => Promise<boolean>) | null = null;

  function kubeconfigArg(): { kubeconfig?: string } {
    const k = kubeconfig.value.trim();
    return k ? { kubeconfig: k } : {};
  }

  async function loadContexts(): Promise<void> {
    loading.value = true;
    error.value = null;
    const r = await api.contexts(kubeconfigArg());
    loading.value = false;
    if (!r.ok) {
      error.value = r.error.message;
      contexts.value = [];
      return;
    }
    contexts.value = markRaw(r.value);
    if (selected.value === null || !r.value.some((c) => c.name === selected.value)) {
      const first = r.value.find((c) => c.current) ?? r.value[0];
      if (first) pick(first.name);
    }
  }

  /** Shows `context`'s saved SSH settings (the form stays as it is when it has none). */
  function pick(context: string): void {
    if (selected.value === context) return;
    if (selected.value !== null) saveSettings(selected.value);
    selected.value = context;
    const identity = form.identityFile;
    const saved = loadSettings(context);
    if (saved) Object.assign(form, saved);
    // A passphrase belongs to its key.
    if (form.identityFile !== identity) clearPassphrase();
  }

  // A notice about one key's passphrase says nothing about another key.
  watch(
    () => form.identityFile,
    () => {
      passphraseNotice.value = null;
    },
  );

  /** Deletes the passphrase the desktop app remembered for the form's identity file. */
  async function forgetPassphrase(): Promise<void> {
    const identityFile = form.identityFile.trim();
    if (identityFile === '' || forgetting.value) return;
    forgetting.value = true;
    passphraseNotice.value = null;
    const r = await api.forgetPassphrase({ identityFile }).finally(() => {
      forgetting.value = false;
    });
    // The form may show another key by now: then this answer is not about it.
    if (form.identityFile.trim() !== identityFile) return;
    passphraseNotice.value = !r.ok
      ? `The passphrase could not be forgotten: ${r.error.message}`
      : r.value
        ? 'The remembered passphrase for this key was forgotten.'
        : 'No passphrase was remembered for this key.';
  }

  function clearPassphrase(): void {
    passphrase.value = '';
    rememberPassphrase.value = false;
  }

  function formError(): string | null {
    if (form.via !== 'ssh' || form.port.trim() === '') return null;
    const p = Number(form.port);
    return Number.isInteger(p) && p >= 1 && p <= 65535 ? null : 'The SSH port must be a number from 1 to 65535.';
  }

  function request(context: string): ScanRequest {
    const req: ScanRequest = { context, via: form.via, ...kubeconfigArg() };
    if (form.via === 'ssh') {
      const ssh: SshSettings = { sudo: form.sudo, acceptNew: form.acceptNew };
      if (form.user.trim()) ssh.user = form.user.trim();
      if (form.port.trim()) ssh.port = Number(form.port);
      if (form.jump.trim()) ssh.jump = form.jump.trim();
      if (form.identityFile.trim()) {
        ssh.identityFile = form.identityFile.trim();
        // Passphrases are taken as typed: spaces can be part of them.
        if (passphrase.value !== '') {
          ssh.identityPassphrase = passphrase.value;
          if (rememberPassphrase.value) ssh.rememberPassphrase = true;
        }
      }
      req.ssh = ssh;
    }
    return req;
  }

  /** Starts a scan, or asks for approval first when the context's exec plugin needs it. */
  async function startScan(context: string, loader: (info: SessionInfo) => Promise<boolean>): Promise<void> {
    loadSession = loader;
    pick(context);
    const problem = formError();
    if (problem) {
      error.value = problem;
      return;
    }
    saveSettings(context);
    const ctx = contexts.value.find((c) => c.name === context);
    if (ctx?.exec && !ctx.execApproved) {
      approval.value = { context, exec: ctx.exec };
      return;
    }
    await begin(context);
  }

  async function begin(context: string): Promise<void> {
    unsubscribe ??= onApiEvent(handle);
    error.value = null;
    scan.value = { context, scanId: null, phase: 'starting', error: null, nodes: [], loaded: false, notice: null };
    const req = request(context);
    // The passphrase went into this one request; the store forgets it now.
    clearPassphrase();
    const r = await api.startScan(req);
    const s = scan.value;
    if (!s || s.context !== context || s.scanId !== null) return;
    if (!r.ok) {
      if (r.error.code === 'exec-approval-required' && r.error.exec) {
        scan.value = null;
        approval.value = { context, exec: r.error.exec };
        return;
      }
      s.phase = 'failed';
      s.error = r.error.message;
      return;
    }
    s.scanId = r.value.scanId;
    s.phase = 'running';
    for (const e of held.take(r.value.scanId)) apply(e);
  }

  /** The user approved running the context's credential plugin: record it, then scan. */
  async function approve(): Promise<void> {
    const a = approval.value;
    if (!a) return;
    approval.value = null;
    const r = await api.approveExec({ context: a.context, ...kubeconfigArg() });
    if (!r.ok) {
      error.value = r.error.message;
      return;
    }
    contexts.value = markRaw(contexts.value.map((c) => (c.name === a.context ? { ...c, execApproved: true } : c)));
    await begin(a.context);
  }

  function deny(): void {
    approval.value = null;
    clearPassphrase();
  }

  async function cancel(): Promise<void> {
    const id = scan.value?.scanId;
    if (!id) return;
    const r = await api.cancel({ id });
    if (!r.ok) error.value = r.error.message;
  }

  function handle(e: ApiEvent): void {
    if (!isScanEvent(e)) return;
    const s = scan.value;
    if (s && s.scanId === e.scanId) {
      apply(e);
      return;
    }
    // Possibly ours, before startScan answered.
    if (s && s.phase === 'starting') held.hold(e);
  }

  function apply(e: ScanEvent): void {
    const s = scan.value;
    if (!s) return;
    if (e.type === 'scan-node') {
      const row = s.nodes.find((n) => n.node === e.node);
      if (row) {
        row.state = e.state;
        row.message = e.message;
      } else {
        s.nodes.push({ node: e.node, state: e.state, message: e.message });
      }
      return;
    }
    if (e.notice !== undefined) s.notice = e.notice;
    if (e.error) {
      s.phase = 'failed';
      s.error = e.error.message;
    } else {
      s.phase = 'done';
    }
    if (e.sessionId) void open(s, e.sessionId);
  }

  /** Makes the scan's snapshot the current session. */
  async function open(s: ScanState, sessionId: string): Promise<void> {
    const r = await openScanSession(sessionId, s.context, loadSession);
    if ('error' in r) s.error = r.error;
    else if (r.loaded) s.loaded = true;
  }

  function reset(): void {
    scan.value = null;
    approval.value = null;
    error.value = null;
    held.clear();
    clearPassphrase();
  }

  function saveSettings(context: string): void {
    const { via, user, port, jump, sudo, acceptNew, identityFile } = form;
    const settings: ScanForm = { via, user, port, jump, sudo, acceptNew, identityFile };
    try {
      localStorage.setItem(SSH_SETTINGS_PREFIX + context, JSON.stringify(settings));
    } catch {
      // Storage full or disabled: the settings just are not remembered.
    }
  }

  return {
    kubeconfig,
    contexts,
    loading,
    error,
    form,
    selected,
    passphrase,
    rememberPassphrase,
    passphraseNotice,
    forgetting,
    approval,
    scan,
    scanning,
    loadContexts,
    pick,
    startScan,
    approve,
    deny,
    cancel,
    forgetPassphrase,
    reset,
  };
});

/** A context's saved SSH settings, each field checked (localStorage is not trusted to hold our shape). */
export function loadSettings(context: string): Partial<ScanForm> | null {
  let raw: unknown;
  try {
    const text = localStorage.getItem(SSH_SETTINGS_PREFIX + context);
    if (text === null) return null;
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const o = raw as Record<string, unknown>;
  const out: Partial<ScanForm> = {};
  if (o.via === 'ssh' || o.via === 'pod') out.via = o.via;
  for (const k of ['user', 'port', 'jump', 'identityFile'] as const) {
    const v = o[k];
    if (typeof v === 'string' && v.length <= 4096) out[k] = v;
  }
  for (const k of ['sudo', 'acceptNew'] as const) {
    const v = o[k];
    if (typeof v === 'boolean') out[k] = v;
  }
  return out;
}
