/** Sentences several services say the same way. */

/** What to do after a one-time link or sign-in could not be used: every way in starts in Slack. */
export const START_AGAIN_IN_SLACK = 'Start again with Re-authenticate in Slack.';
