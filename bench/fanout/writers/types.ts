/** The writer of a fan-out run: one write in flight; `write` resolves when the server has acknowledged it. */
export interface Writer {
  write(seq: number): Promise<void>;
  close(): void;
}

export type ConnectWriter = (port: number, writerPort?: number) => Promise<Writer>;
