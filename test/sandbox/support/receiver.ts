// A webhook subscriber on loopback for sandbox tests: records every delivery it is sent and
// answers 200, so a test can read what the sandbox sent, topic by topic.
import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface ReceivedDelivery {
  readonly headers: IncomingHttpHeaders;
  readonly raw: string;
  readonly body: any;
}

export interface Receiver {
  readonly url: string;
  readonly received: ReceivedDelivery[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedDelivery[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
