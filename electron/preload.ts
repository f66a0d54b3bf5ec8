// The preload: one sandboxed CommonJS file. It exposes the contract's two verbs, and only for
// channel and topic names the contract lists: no generic ipcRenderer passthrough.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { channelNames, topicNames, type ConsoleApi } from '../common/contract';

const channels = new Set<string>(channelNames);
const topics = new Set<string>(topicNames);

const api: ConsoleApi = {
  invoke(channel, input) {
    if (!channels.has(channel))
      return Promise.resolve({ ok: false, error: { code: 'unknown_channel', message: `Unknown channel ${String(channel)}` } });
    return ipcRenderer.invoke(`api:${channel}`, input);
  },
  subscribe(topic, onEvent) {
    if (!topics.has(topic)) throw new Error(`Unknown topic ${String(topic)}`);
    // Only the payload crosses: the renderer never sees the IpcRendererEvent (it holds `sender`).
    const listener = (_e: IpcRendererEvent, payload: unknown) => onEvent(payload as never);
    ipcRenderer.on(`evt:${topic}`, listener);
    return () => void ipcRenderer.removeListener(`evt:${topic}`, listener);
  },
};

contextBridge.exposeInMainWorld('consoleApi', api);
