export interface ServerAddress {
  /** Where subscribers connect (and the writer, unless writerPort is given). */
  port: number;
  /** A separate port for the writer (raw TCP, where a connection has no path to tell them apart). */
  writerPort?: number;
}

export type StartServer = () => Promise<ServerAddress>;
