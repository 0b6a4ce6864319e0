// Vite features the view tests use to read fixtures without Node APIs (renderer/tsconfig.json
// checks test/renderer/** with DOM types only): `?raw` imports and import.meta.glob.
declare module '*?raw' {
  const text: string;
  export default text;
}

interface ImportMeta {
  glob<T = unknown>(pattern: string | string[], options?: { query?: string; import?: string; eager?: boolean }): Record<string, T>;
}
