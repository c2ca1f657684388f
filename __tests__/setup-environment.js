// Runs before every test file (jest.config.js, setupFiles). The SDK's notice that its releases
// after January 2027 need Node.js 22 says nothing about a test; the CLI and the action turn it
// off the same way for their own runs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
