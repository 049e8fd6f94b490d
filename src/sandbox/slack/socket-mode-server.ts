import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * Slack's Socket Mode side, on loopback: the WebSocket `apps.connections.open` points at. It greets
 * with `hello`, sends envelopes (slash_commands, interactive, events_api) and resolves each with the
 * app's acknowledgement for that envelope_id. Used only by tests.
 */
export interface SocketModeServer {
  readonly url: string;
  /** Resolves once an app is connected and greeted. */
  connected(): Promise<void>;
  /** Sends one envelope; resolves with the payload the app acknowledged it with. */
  send(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

export async function startSocketModeServer(): Promise<SocketModeServer> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  let socket: WebSocket | undefined;
  let greeted: () => void = () => {};
  let isGreeted = new Promise<void>((resolve) => (greeted = resolve));
  const pending = new Map<string, (payload: unknown) => void>();

  server.on('connection', (ws) => {
    socket = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { envelope_id?: string; payload?: unknown };
      if (message.envelope_id) pending.get(message.envelope_id)?.(message.payload ?? null);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'emulator' },
        connection_info: { app_id: 'A0REAUTH' },
      }),
    );
    greeted();
  });

  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket`,
    connected: () => isGreeted,
    send(type, payload) {
      if (!socket) return Promise.reject(new Error('no app connected'));
      const envelopeId = randomBytes(8).toString('hex');
      const acked = new Promise<unknown>((resolve) => pending.set(envelopeId, resolve));
      socket.send(
        JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api' }),
      );
      return acked;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        isGreeted = new Promise<void>((r) => (greeted = r));
        server.close(() => resolve());
      }),
  };
}
