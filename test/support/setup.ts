// Loaded by mocha before any test file (see .mocharc.json).
// The project supports Node.js 20.19+; the AWS SDK's notice about its future Node 22 requirement is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
