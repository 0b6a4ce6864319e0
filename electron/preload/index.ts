import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge';

// Sandboxed preload (built as CommonJS: sandboxed preloads cannot load ES modules).
contextBridge.exposeInMainWorld('proxyscope', createBridge(ipcRenderer));
