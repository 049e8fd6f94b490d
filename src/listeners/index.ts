import type { App } from '@slack/bolt';
import { ACTION, CALLBACK, COMMAND } from '../slack/ids.js';
import { handleCheckNow } from './actions/check-now.js';
import { handleOverviewPage } from './actions/overview-page.js';
import { handleReauthenticateButton } from './actions/reauthenticate.js';
import { handleSnooze } from './actions/snooze.js';
import { handleTryAgain } from './actions/try-again.js';
import { handleReauthCommand } from './commands/reauth.js';
import { handleAppHomeOpened } from './events/app-home-opened.js';
import type { ListenerServices } from './services.js';
import { handleReauthSubmission } from './views/reauth-submission.js';

export type { ListenerServices } from './services.js';

export interface ListenerOptions {
  fastPathMs?: number;
}

/** Binds every command, action and view to its handler. */
export function registerListeners(app: App, services: ListenerServices, options: ListenerOptions = {}): void {
  app.command(COMMAND, handleReauthCommand(services));
  app.action(ACTION.reauthenticate, handleReauthenticateButton(services));
  app.action(ACTION.tryAgain, handleTryAgain(services));
  app.action(new RegExp(`^${ACTION.overviewPage}`), handleOverviewPage(services));
  // URL buttons send an interaction too; acking it keeps Slack from showing a warning.
  app.action(ACTION.oauthLink, async ({ ack }) => {
    await ack();
  });
  app.action(ACTION.checkNow, handleCheckNow(services));
  app.action(ACTION.snooze, handleSnooze(services));
  app.view(CALLBACK.reauthModal, handleReauthSubmission(services, options.fastPathMs));
  app.event('app_home_opened', handleAppHomeOpened(services));
}
