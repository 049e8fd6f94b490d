import { App, LogLevel } from '@slack/bolt';

/** The Bolt app every benchmark baseline starts from: HTTP mode, the emulator's Web API, quiet, a /healthz. */
export function benchBoltApp(env: NodeJS.ProcessEnv = process.env): App {
  return new App({
    token: env.SLACK_BOT_TOKEN ?? '',
    signingSecret: env.SLACK_SIGNING_SECRET ?? '',
    clientOptions: { slackApiUrl: env.SLACK_API_URL ?? '' },
    logLevel: LogLevel.ERROR,
    customRoutes: [
      {
        path: '/healthz',
        method: ['GET'],
        handler: (_req, res) => {
          res.writeHead(200);
          res.end('{"status":"ok"}');
        },
      },
    ],
  });
}
