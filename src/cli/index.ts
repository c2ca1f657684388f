#!/usr/bin/env node
import { main } from './main.js';

// The SDK's notice about its future Node.js support says nothing about this run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.exitCode = await main(process.argv.slice(2));
