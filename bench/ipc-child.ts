// A bench's helper process (an emulator in its own process, so it does not share a CPU with what is
// measured), driven over IPC: each request carries an id, the child answers `{id, data}`; id 0 is its
// "ready" message.
import { fork, type ChildProcess } from 'node:child_process';

export interface IpcChild<R> {
  child: ChildProcess;
  /** The child's ready message. */
  ready: Promise<R>;
  call<T>(msg: Record<string, unknown>): Promise<T>;
}

export function forkIpcChild<R>(script: URL): IpcChild<R> {
  const child = fork(script.pathname, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const waiting = new Map<number, (d: unknown) => void>();
  const ready = new Promise<R>((resolve) => waiting.set(0, resolve as (d: unknown) => void));
  child.on('message', (m: { id: number; data: unknown }) => {
    waiting.get(m.id)?.(m.data);
    waiting.delete(m.id);
  });
  const call = <T>(msg: Record<string, unknown>) => {
    const id = nextId++;
    return new Promise<T>((resolve) => {
      waiting.set(id, resolve as (d: unknown) => void);
      child.send({ ...msg, id });
    });
  };
  return { child, ready, call };
}
