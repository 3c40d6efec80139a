#!/usr/bin/env node
/*
 * Scans every Flow (.flow-meta.xml) under the given folders with Lightning Flow Scanner
 * (@flow-scanner/lightning-flow-scanner-core) and the rules and exceptions of a config file, and fails on
 * any finding of severity error, naming the flow, the rule and the element. A flow the scanner cannot
 * parse fails too, as does an exception given without its reason (config `reasons`, by rule name).
 *
 * The engine's own rules and its exception format (flow -> rule -> element names, "*" for all) are the
 * package's (its README, "Configuration"); `reasons` is this project's, read only here.
 *
 * Usage: node scripts/scan-flows.js <config.json> <folder>...   (exit 1 on a finding or an unreadable flow)
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { parse, scan } = require("@flow-scanner/lightning-flow-scanner-core");

function flowFiles(folder) {
    const found = [];
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) {
            if (entry.name !== "node_modules") found.push(...flowFiles(full));
        } else if (entry.name.endsWith(".flow-meta.xml")) {
            found.push(full);
        }
    }
    return found;
}

/** Rules that an exception names but whose reason the config does not give. */
function unexplainedExceptions(config) {
    const reasons = config.reasons || {};
    const rules = new Set();
    for (const byRule of Object.values(config.exceptions || {})) {
        for (const rule of Object.keys(byRule)) rules.add(rule);
    }
    return [...rules].filter((rule) => !(typeof reasons[rule] === "string" && reasons[rule].trim()));
}

/** The findings of severity error: [{flow, rule, element, line}]. */
async function errorFindings(files, config) {
    const parsed = await parse(files);
    const unreadable = parsed.filter((p) => p.errorMessage || !p.flow);
    if (unreadable.length > 0) {
        throw new Error(unreadable.map((p) => `${p.uri}: ${p.errorMessage || "not a flow"}`).join("\n"));
    }
    const options = { rules: config.rules, exceptions: config.exceptions, detailLevel: "simple" };
    const findings = [];
    for (const result of scan(parsed, options)) {
        for (const rule of result.ruleResults) {
            if (rule.errorMessage) {
                throw new Error(`${result.flow.name}: rule ${rule.ruleName} failed to run: ${rule.errorMessage}`);
            }
            if (!rule.occurs || rule.severity !== "error") continue;
            for (const detail of rule.details) {
                findings.push({
                    flow: result.flow.name,
                    rule: rule.ruleName,
                    element: detail.name || "the flow",
                    line: detail.lineNumber,
                });
            }
        }
    }
    return { findings, scanned: parsed.length };
}

async function main(args) {
    if (args.length < 2) {
        console.error("usage: scan-flows.js <config.json> <folder>...");
        return 2;
    }
    const config = JSON.parse(fs.readFileSync(args[0], "utf8"));
    const missing = unexplainedExceptions(config);
    if (missing.length > 0) {
        console.error(`${args[0]}: exceptions without a reason for rule(s) ${missing.join(", ")}`);
        return 1;
    }
    const files = args.slice(1).flatMap((folder) => flowFiles(folder)).sort();
    if (files.length === 0) {
        console.error("no flow found under " + args.slice(1).join(", "));
        return 1;
    }
    const { findings, scanned } = await errorFindings(files, config);
    for (const f of findings) {
        console.error(`${f.flow}: ${f.rule} at ${f.element}${f.line ? ` (line ${f.line})` : ""}`);
    }
    console.log(`flow-scanner: ${scanned} flow(s) scanned, ${findings.length} error finding(s)`);
    return findings.length === 0 ? 0 : 1;
}

module.exports = { errorFindings, flowFiles, unexplainedExceptions };

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (error) => {
            console.error(error.message);
            process.exitCode = 1;
        },
    );
}
