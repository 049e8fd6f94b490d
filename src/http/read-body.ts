import type { IncomingMessage } from 'node:http';

/** Reads a request body as text; undefined once it grows past `limit` bytes (nothing more is buffered). */
export async function readBodyLimited(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
