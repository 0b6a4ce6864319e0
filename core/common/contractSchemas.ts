import { z } from 'zod';
import type { ApiMethod } from './contract';

// Argument schemas for every Api method, checked on the receiving side of each transport
// (Electron IPC handler, `serve` HTTP handler) before the backend sees anything. Strict objects:
// unknown keys are rejected, strings and numbers are bounded.

const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/);
// Kubernetes names are short, but snapshots are input: a hostile 10k-character name must still
// open (and show as text), so the cap only bounds memory.
const name = z.string().min(1).max(16 * 1024);
const path = z.string().min(1).max(4096);
const port = z.number().int().min(1).max(65535);
const protocol = z.enum(['tcp', 'udp', 'sctp']);
const size = z.number().int().min(1).max(1000);
const session = z.strictObject({ sessionId: id });
const none = z.undefined();

const perNode = z.strictObject({
  address: name.optional(),
  user: name.optional(),
  port: port.optional(),
  jump: name.optional(),
  sudo: z.boolean().optional(),
});

const sshSettings = z.strictObject({
  user: name.optional(),
  port: port.optional(),
  jump: name.optional(),
  sudo: z.boolean().optional(),
  identityFile: path.optional(),
  // ssh-keygen has no limit, but a passphrase longer than this is not typed by a person.
  identityPassphrase: z.string().min(1).max(1024).optional(),
  rememberPassphrase: z.boolean().optional(),
  acceptNew: z.boolean().optional(),
  perNode: z.record(name, perNode).optional(),
});

const exportedFile = z.strictObject({
  fileName: name,
  mime: z.string().min(1).max(128),
  // Bounded by what one V8 string can hold (~512 MiB).
  data: z.string().max(360 * 1024 * 1024),
  encoding: z.enum(['utf8', 'base64']),
});

export const API_SCHEMAS = {
  appInfo: none,
  openDemo: none,
  importSnapshot: z.strictObject({ fileName: name, dataBase64: z.string().min(1).max(360 * 1024 * 1024) }),
  openSnapshotDialog: none,
  initialSession: none,
  analysis: session,
  services: session,
  nodes: session,
  serviceDetail: z.strictObject({ sessionId: id, service: name }),
  ruleFiles: z.strictObject({ sessionId: id, node: name }),
  ruleText: z.strictObject({ sessionId: id, node: name, file: name }),
  trace: z.strictObject({
    sessionId: id,
    node: name,
    dst: z.string().min(1).max(64),
    port,
    protocol,
    src: z.string().min(1).max(64).optional(),
    fromLocalProcess: z.boolean().optional(),
  }),
  exportReport: z.strictObject({ sessionId: id, format: z.enum(['html', 'markdown', 'json']) }),
  exportSnapshot: session,
  saveFileDialog: z.strictObject({ file: exportedFile }),
  exportPdf: session,
  contexts: z.strictObject({ kubeconfig: path.optional() }),
  approveExec: z.strictObject({ context: name, kubeconfig: path.optional() }),
  startScan: z.strictObject({
    context: name,
    kubeconfig: path.optional(),
    via: z.enum(['ssh', 'pod']),
    nodes: z.array(name).max(10_000).optional(),
    ssh: sshSettings.optional(),
    mergeInto: id.optional(),
  }),
  cancel: z.strictObject({ id }),
  openTerminal: z.strictObject({
    node: name,
    sessionId: id.optional(),
    host: z.string().min(1).max(255).optional(),
    port: port.optional(),
    user: z.string().min(1).max(64).optional(),
    identityFile: path.optional(),
    knownHostsFile: path.optional(),
    via: z.enum(['ssh', 'pod']).optional(),
    context: z.string().min(1).max(1024).optional(),
    kubeconfig: path.optional(),
    // A namespace name is a DNS-1123 label.
    podNamespace: z.string().min(1).max(63).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).optional(),
    podImage: z.string().min(1).max(255).optional(),
    cols: size,
    rows: size,
  }),
  terminalInput: z.strictObject({ terminalId: id, data: z.string().max(64 * 1024) }),
  terminalResize: z.strictObject({ terminalId: id, cols: size, rows: size }),
  closeTerminal: z.strictObject({ terminalId: id }),
  openExternal: z.strictObject({ url: z.string().min(1).max(2048) }),
  forgetPassphrase: z.strictObject({ identityFile: path }),
} satisfies Record<ApiMethod, z.ZodType>;

export type ValidatedArg = { ok: true; value: unknown } | { ok: false; message: string };

/** Validates a method's argument; the message names the first bad field, never echoes values. */
export function validateApiArg(method: string, arg: unknown): ValidatedArg {
  if (!Object.prototype.hasOwnProperty.call(API_SCHEMAS, method)) return { ok: false, message: 'unknown method' };
  const schema: z.ZodType = API_SCHEMAS[method as ApiMethod];
  const r = schema.safeParse(arg);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'argument';
  return { ok: false, message: `invalid ${where}: ${issue?.code ?? 'invalid'}` };
}
