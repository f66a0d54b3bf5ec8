/**
 * One live tail, assembled in one place: the stream (socket -> bounded queue) and the pump (queue ->
 * batches, held back by the pane's acks). The stream wakes the pump when lines wait; the pump drains
 * the stream. Hosts only open, look up and close tails.
 */
import type { LogLine, LogStatus } from '../../common/contract/logs';
import { Pump, type PumpOptions } from './pump';
import { LogStream, type LogStreamOptions } from './stream';

export interface TailOptions extends Omit<LogStreamOptions, 'onReadable' | 'onStatus'> {
  pump?: PumpOptions;
  onBatch(seq: number, lines: LogLine[]): void;
  onStatus(status: LogStatus): void;
}

export class Tail {
  readonly stream: LogStream;
  private readonly pump: Pump;

  constructor(opts: TailOptions) {
    const { pump, onBatch, onStatus, ...stream } = opts;
    this.stream = new LogStream({ ...stream, onReadable: () => this.pump.notify(), onStatus });
    this.pump = new Pump(this.stream, onBatch, pump);
  }

  /** The pane wrote every batch up to `seq`. */
  ack(seq: number): void {
    this.pump.ack(seq);
  }

  /** Stops for good. With a reason (lock), the pane's last line says why, sent past the ack window. */
  async close(reason?: string): Promise<void> {
    const last = await this.stream.close(reason);
    if (last) this.pump.sendLast([last]);
    this.pump.close();
  }
}

/** Opens a tail and starts reading at once. */
export function openTail(opts: TailOptions): Tail {
  const tail = new Tail(opts);
  tail.stream.start();
  return tail;
}
