import { startProviderEmulator } from '../../src/sandbox/providers/emulator.js';
import { startSlackEmulator } from '../../src/sandbox/slack/emulator.js';

/**
 * Both emulators in their own process, so the work the app causes at the emulators (a views.open per
 * command, a provider call per submission) does not slow the load generator that measures the app.
 */
const env = process.env;
const slack = await startSlackEmulator({ botToken: env.SLACK_BOT_TOKEN ?? '' });
for (const user of (env.BENCH_USERS ?? '').split(',').filter(Boolean)) slack.addUser(user);
for (const channel of (env.BENCH_CHANNELS ?? '').split(',').filter(Boolean)) slack.addChannel(channel);
const providers = await startProviderEmulator();
for (const token of (env.BENCH_GITLAB_TOKENS ?? '').split(',').filter(Boolean)) {
  providers.setToken(token, { provider: 'gitlab', scopes: ['read_api'], identity: { id: '1', name: 'Bench' } });
}
process.stdout.write(
  `${JSON.stringify({ slackUrl: slack.url, slackApiUrl: slack.apiUrl, gitlabUrl: providers.baseUrl('gitlab') })}\n`,
);
process.on('SIGTERM', () => {
  void Promise.all([slack.close(), providers.close()]).then(() => process.exit(0));
});
