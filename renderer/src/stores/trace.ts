import { defineStore } from 'pinia';
import { markRaw, reactive, ref, shallowRef } from 'vue';
import { api } from '../../api';
import type { TraceRequest } from '../../../core/common/contract';
import type { L4Protocol } from '../../../core/common/model/programmed';
import type { TraceResult } from '../../../core/common/trace/traceTypes';

// The packet trace form and its last result. The form survives leaving the view, so coming
// back from the Rules view (a step's file:line) shows the same trace.
export interface TraceForm {
  node: string;
  dst: string;
  port: string;
  protocol: L4Protocol;
  src: string;
  fromLocalProcess: boolean;
}

export const useTraceStore = defineStore('trace', () => {
  const form = reactive<TraceForm>({ node: '', dst: '', port: '', protocol: 'tcp', src: '', fromLocalProcess: false });
  const result = shallowRef<TraceResult | null>(null);
  const error = ref<string | null>(null);
  const running = ref(false);
  let seq = 0;

  /** The request for the form, or a sentence saying what is missing. */
  function request(sessionId: string): TraceRequest | string {
    const dst = form.dst.trim();
    const src = form.src.trim();
    const port = Number(form.port);
    if (!form.node) return 'Pick a node.';
    if (dst === '') return 'Enter a destination IP address.';
    if (!Number.isInteger(port) || port < 1 || port > 65535) return 'Enter a port number from 1 to 65535.';
    return {
      sessionId,
      node: form.node,
      dst,
      port,
      protocol: form.protocol,
      ...(src !== '' ? { src } : {}),
      ...(form.fromLocalProcess ? { fromLocalProcess: true } : {}),
    };
  }

  async function run(sessionId: string): Promise<boolean> {
    const req = request(sessionId);
    const mine = ++seq;
    if (typeof req === 'string') {
      error.value = req;
      result.value = null;
      return false;
    }
    running.value = true;
    error.value = null;
    const r = await api.trace(req);
    if (mine !== seq) return false;
    running.value = false;
    if (!r.ok) {
      error.value = r.error.message;
      result.value = null;
      return false;
    }
    result.value = markRaw(r.value);
    error.value = r.value.error ?? null;
    return r.value.error === undefined;
  }

  function clear(): void {
    seq++;
    result.value = null;
    error.value = null;
    running.value = false;
  }

  return { form, result, error, running, run, clear };
});
