// Bundles alias graceful-fs (pulled in by proper-lockfile) to plain fs: graceful-fs patches fs at
// load, which costs every hook call several milliseconds; circuit opens few files and retries
// lock contention itself (proper-lockfile's retries).
module.exports = require('node:fs');
