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
import { handleConfirmAccount, handleConfirmAccountClosed } from './views/confirm-account.js';
import { handleRotateNow } from './actions/rotate-now.js';

export type { ListenerServices } from './services.js';

export interface ListenerOptions {
  fastPathMs?: number;
}

/** Binds every command, action and view to its handler; a shutdown waits for each one that is running. */
export function registerListeners(app: App, services: ListenerServices, options: ListenerOptions = {}): void {
  const tracked =
    <A>(handler: (args: A) => Promise<void>) =>
    (args: A): Promise<void> =>
      services.inflight.track(handler(args));
  app.command(COMMAND, tracked(handleReauthCommand(services)));
  app.action(ACTION.reauthenticate, tracked(handleReauthenticateButton(services)));
  app.action(ACTION.tryAgain, tracked(handleTryAgain(services)));
  app.action(new RegExp(`^${ACTION.overviewPage}`), tracked(handleOverviewPage(services)));
  // URL buttons send an interaction too; acking it keeps Slack from showing a warning.
  app.action(ACTION.oauthLink, async ({ ack }) => {
    await ack();
  });
  app.action(ACTION.openWebForm, async ({ ack }) => {
    await ack();
  });
  app.action(ACTION.checkNow, tracked(handleCheckNow(services)));
  app.action(ACTION.rotateNow, tracked(handleRotateNow(services)));
  app.action(ACTION.snooze, tracked(handleSnooze(services)));
  app.view(CALLBACK.reauthModal, tracked(handleReauthSubmission(services, options.fastPathMs)));
  app.view(CALLBACK.confirmAccount, tracked(handleConfirmAccount(services)));
  app.view(
    { callback_id: CALLBACK.confirmAccount, type: 'view_closed' },
    tracked(handleConfirmAccountClosed(services)),
  );
  app.event('app_home_opened', tracked(handleAppHomeOpened(services)));
}
