// `npm run sandbox` in the production bundle (scripts/bundle.mjs): the Node version is checked before
// anything else loads; stack traces point into the sources.
import '../node-version.js';

process.setSourceMapsEnabled(true);
await import('./run.js');
