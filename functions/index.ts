// Entry point (package.json "main" → dist/functions/index.js): registers every function, and
// validates the app settings when the host starts the app, so a missing setting is reported by
// name at start-up instead of on the first request.
import { app } from '@azure/functions';
import { azureRuntime } from '../src/adapters/azure/deps.js';
import './http.js';
import './regenerate.js';
import './gc.js';
import './mirror.js';

app.hook.appStart(() => {
  azureRuntime();
});
