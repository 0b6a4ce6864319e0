import { contextBridge } from 'electron';
contextBridge.exposeInMainWorld('proxyscope', {});
