#!/usr/bin/env node
/*
 * Parses every Apex class (.cls), trigger (.trigger) and anonymous script (.apex) under the given folders with
 * @apexdevtools/apex-parser, the grammar of the platform's compiler, and fails on any syntax error,
 * so that source which no org would accept is refused here, offline, before a deploy.
 *
 * A syntax check only: names, types and SOQL fields are the org's to resolve (`sf project deploy
 * start` and `sf apex run test`, README "Verify in an org").
 *
 * Usage: node scripts/parse-apex.js <folder>... (exit 1 naming file:line:column and the error).
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { ApexErrorListener, ApexParserFactory } = require("@apexdevtools/apex-parser");

class Collector extends ApexErrorListener {
    constructor() {
        super();
        this.errors = [];
    }

    apexSyntaxError(line, column, msg) {
        this.errors.push({ line, column, msg });
    }
}

function apexFiles(folder) {
    const found = [];
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) {
            if (entry.name !== "node_modules") found.push(...apexFiles(full));
        } else if ([".cls", ".trigger", ".apex"].some((suffix) => entry.name.endsWith(suffix))) {
            found.push(full);
        }
    }
    return found;
}

/** The syntax errors of one file's source: [] when it parses. */
function syntaxErrors(source, file) {
    const listener = new Collector();
    const { parser } = ApexParserFactory.createLexerAndParser(source, listener);
    if (file.endsWith(".trigger")) parser.triggerUnit();
    else if (file.endsWith(".apex")) parser.anonymousUnit();
    else parser.compilationUnit();
    return listener.errors;
}

function main(folders) {
    if (folders.length === 0) {
        console.error("usage: parse-apex.js <folder>...");
        return 2;
    }
    const files = folders.flatMap((folder) => apexFiles(folder)).sort();
    let failed = 0;
    for (const file of files) {
        const errors = syntaxErrors(fs.readFileSync(file, "utf8"), file);
        for (const error of errors) {
            console.error(`${file}:${error.line}:${error.column}: ${error.msg}`);
        }
        if (errors.length > 0) failed += 1;
    }
    if (files.length === 0) {
        console.error("no Apex source found under " + folders.join(", "));
        return 1;
    }
    console.log(`apex-parser: ${files.length} Apex file(s) parsed, ${failed} with syntax errors`);
    return failed === 0 ? 0 : 1;
}

module.exports = { syntaxErrors, apexFiles };

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
