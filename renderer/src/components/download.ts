import type { ExportedFile } from '../../../core/common/contract';

// Browser-side file transfer: exports are downloaded through a Blob and a temporary
// <a download>; uploads are read as base64 for api.importSnapshot.

/** A file name that cannot escape the download folder or hide its extension. */
export function safeFileName(name: string, fallback = 'proxyscope-export'): string {
  const cleaned = name
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, '')
    .replace(/[/\\:*?"<>|]/g, '_')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 120);
  return cleaned || fallback;
}

export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  const CHUNK = 0x8000; // String.fromCharCode's argument list has a limit
  for (let i = 0; i < bytes.length; i += CHUNK) bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(bin);
}

export async function fileToBase64(file: Blob): Promise<string> {
  return bytesToBase64(new Uint8Array(await file.arrayBuffer()));
}

export function exportedBlob(file: ExportedFile): Blob {
  const type = file.mime || 'application/octet-stream';
  return file.encoding === 'base64' ? new Blob([base64ToBytes(file.data)], { type }) : new Blob([file.data], { type });
}

/** Starts a browser download of an exported file. */
export function downloadFile(file: ExportedFile): void {
  const url = URL.createObjectURL(exportedBlob(file));
  const a = document.createElement('a');
  a.href = url;
  a.download = safeFileName(file.fileName);
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
