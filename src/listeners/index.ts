import type { App } from '@slack/bolt';
import type { Runtime } from '../runtime.js';
import { ACTION, CALLBACK, COMMAND } from '../slack/ids.js';
import { handleCheckNow } from './actions/check-now.js';
import { handleOverviewPage } from './actions/overview-page.js';
import { handleReauthenticateButton } from './actions/reauthenticate.js';
import { handleSnooze } from './actions/snooze.js';
import { handleTryAgain } from './actions/try-again.js';
import { handleReauthCommand } from './commands/reauth.js';
import { handleAppHomeOpened } from './events/app-home-opened.js';
import { handleReauthSubmission } from './views/reauth-submission.js';

export interface ListenerOptions {
  fastPathMs?: number;
}

/** Binds every command, action and view to its handler. */
export function registerListeners(app: App, rt: Runtime, options: ListenerOptions = {}): void {
  app.command(COMMAND, handleReauthCommand(rt));
  app.action(ACTION.reauthenticate, handleReauthenticateButton(rt));
  app.action(ACTION.tryAgain, handleTryAgain(rt));
  app.action(new RegExp(`^${ACTION.overviewPage}`), handleOverviewPage(rt));
  // URL buttons send an interaction too; acking it keeps Slack from showing a warning.
  app.action(ACTION.oauthLink, async ({ ack }) => {
    await ack();
  });
  app.action(ACTION.checkNow, handleCheckNow(rt, rt.monitor));
  app.action(ACTION.snooze, handleSnooze(rt));
  app.view(CALLBACK.reauthModal, handleReauthSubmission(rt, options.fastPathMs));
  app.event('app_home_opened', handleAppHomeOpened(rt));
}
