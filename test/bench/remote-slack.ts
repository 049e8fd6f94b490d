import type { StoredView } from '../../src/sandbox/slack/emulator.js';
import type { SlackSide } from '../../src/sandbox/slack/driver.js';

export interface RemoteCall {
  at: number;
  method: string;
  ok: boolean;
  ref?: string;
  trigger_id?: string;
}

/** The Slack emulator of another process, through its /_emulator control API. */
export function remoteSlack(
  url: string,
): SlackSide & { calls(method: string, from?: number): Promise<{ next: number; calls: RemoteCall[] }> } {
  // One mint gives a trigger and a response_url; the driver asks for both, one after the other.
  const spareUrls: string[] = [];
  const mint = async () =>
    (await (await fetch(`${url}/_emulator/mint`, { method: 'POST' })).json()) as {
      trigger_id: string;
      response_url: string;
    };
  return {
    async mintTrigger() {
      const minted = await mint();
      spareUrls.push(minted.response_url);
      return minted.trigger_id;
    },
    async mintResponseUrl() {
      return spareUrls.pop() ?? (await mint()).response_url;
    },
    async view(id) {
      const response = await fetch(`${url}/_emulator/views/${id}`);
      return response.status === 200 ? ((await response.json()) as StoredView) : undefined;
    },
    async calls(method, from = 0) {
      return (await (
        await fetch(`${url}/_emulator/calls?method=${encodeURIComponent(method)}&from=${from}`)
      ).json()) as { next: number; calls: RemoteCall[] };
    },
  };
}
