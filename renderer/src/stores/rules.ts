import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import { api } from '../../api';
import type { RuleFileInfo, RuleText } from '../../../core/common/contract';

// The rules viewer's data: the files of one node and the text of one of them. A dump can be
// 240k lines / 18 MB: it is kept markRaw in a shallowRef (Vue never walks the lines) and only
// the last file is kept. Requests carry a sequence number so a slow answer for a file the user
// already left never replaces the current one.
export const useRulesStore = defineStore('rules', () => {
  const files = shallowRef<RuleFileInfo[]>([]);
  const filesKey = ref<string | null>(null);
  const text = shallowRef<RuleText | null>(null);
  const textKey = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  let seq = 0;

  /** Files of `node` (cached per session and node). */
  async function loadFiles(sessionId: string, node: string): Promise<RuleFileInfo[] | null> {
    const key = `${sessionId}\u0000${node}`;
    if (filesKey.value === key) return files.value;
    const mine = ++seq;
    loading.value = true;
    const r = await api.ruleFiles({ sessionId, node });
    if (mine !== seq) return null;
    loading.value = false;
    if (!r.ok) {
      error.value = r.error.message;
      files.value = [];
      filesKey.value = null;
      text.value = null;
      textKey.value = null;
      return null;
    }
    error.value = null;
    files.value = markRaw(r.value);
    filesKey.value = key;
    return r.value;
  }

  /** Text of one file (cached: the last one only). */
  async function loadText(sessionId: string, node: string, file: string): Promise<RuleText | null> {
    const key = `${sessionId}\u0000${node}\u0000${file}`;
    if (textKey.value === key && text.value) return text.value;
    const mine = ++seq;
    loading.value = true;
    const r = await api.ruleText({ sessionId, node, file });
    if (mine !== seq) return null;
    loading.value = false;
    if (!r.ok) {
      error.value = r.error.message;
      text.value = null;
      textKey.value = null;
      return null;
    }
    error.value = null;
    // markRaw on the arrays too: `lines` is what VirtualList receives as `items`.
    markRaw(r.value.lines);
    markRaw(r.value.chains);
    text.value = markRaw(r.value);
    textKey.value = key;
    return r.value;
  }

  function reset(): void {
    seq++;
    files.value = [];
    filesKey.value = null;
    text.value = null;
    textKey.value = null;
    loading.value = false;
    error.value = null;
  }

  return { files, text, loading, error, loadFiles, loadText, reset };
});
