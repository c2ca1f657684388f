import { run } from './main.js';

// The SDK's notice about its future Node.js support says nothing about this run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
await run();
