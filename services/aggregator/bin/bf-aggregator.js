#!/usr/bin/env node
// Thin launcher so the bin link exists before the first build; the service lives in dist/.
require("../dist/main.js");
