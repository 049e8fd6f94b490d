import { App, LogLevel } from '@slack/bolt';

/** The baseline: a bare Bolt app in HTTP mode whose listeners only ack. */
const env = process.env;
const app = new App({
  token: env.SLACK_BOT_TOKEN ?? '',
  signingSecret: env.SLACK_SIGNING_SECRET ?? '',
  clientOptions: { slackApiUrl: env.SLACK_API_URL ?? '' },
  logLevel: LogLevel.ERROR,
  customRoutes: [{ path: '/healthz', method: ['GET'], handler: (_req, res) => { res.writeHead(200); res.end('{"status":"ok"}'); } }],
});
app.command('/reauth', async ({ ack }) => ack());
app.action(/.*/, async ({ ack }) => ack());
app.view(/.*/, async ({ ack }) => ack());
await app.start(Number(env.PORT));
