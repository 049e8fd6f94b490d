/** The signed-request driver lives with the emulators so the sandbox page can use it too. */
export {
  createSlackDriver,
  signSlackBody,
  type Actor,
  type DriverResponse,
  type SlackDriver,
} from '../../src/sandbox/slack/driver.js';
