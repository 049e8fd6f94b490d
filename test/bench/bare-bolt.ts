import { benchBoltApp } from './bolt-app.js';

/** The floor: a bare Bolt app in HTTP mode whose listeners only ack. */
const app = benchBoltApp();
app.command('/reauth', async ({ ack }) => ack());
app.action(/.*/, async ({ ack }) => ack());
app.view(/.*/, async ({ ack }) => ack());
await app.start(Number(process.env.PORT));
