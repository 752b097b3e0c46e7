#!/usr/bin/env node
// The installed CLI: the JavaScript that `npm pack` compiled into dist/ (see scripts/build.mjs).
// In a clone of the repository without a build, run `npm run pgphase -- <command>` instead.
import '../dist/cli/main.js';
