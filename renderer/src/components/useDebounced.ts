import { onBeforeUnmount, ref, watch } from 'vue';
import type { Ref } from 'vue';

/** A copy of `source` that follows it `ms` after the last change (typing into a filter box). */
export function useDebounced<T>(source: Ref<T>, ms = 100): Ref<T> {
  const out = ref(source.value) as Ref<T>;
  let timer: ReturnType<typeof setTimeout> | null = null;
  watch(source, (v) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      out.value = v;
    }, ms);
  });
  onBeforeUnmount(() => {
    if (timer) clearTimeout(timer);
  });
  return out;
}

/** `ns/name` -> route params of the Service detail view. */
export function serviceParams(key: string): { namespace: string; name: string } | null {
  const i = key.indexOf('/');
  if (i <= 0 || i === key.length - 1) return null;
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
