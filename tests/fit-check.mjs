#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// fit-check.mjs - checks a FIT file with Garmin's official JavaScript FIT
// SDK (@garmin/fitsdk), a decoder independent of ours, and prints what it
// read as JSON: message counts, the session's sport and sub-sport, the set
// messages, the record count and heart rate min/avg/max.
//
//   node tests/fit-check.mjs [--expect EXPECTED.json] FILE.fit
//
// Exits 1 when the file is not FIT, fails the SDK's integrity check (header,
// size, CRC), when the decoder reports any error, when the activity does not
// hang together (file_id first, laps adding up to the session), or when
// --expect is given and a value in EXPECTED.json differs from what was read
// (EXPECTED.json holds a subset of the printed JSON; arrays must match in
// length). Exits 2 when the SDK cannot be loaded: a missing checker must
// never pass.
//
// The SDK is looked up in $GYMHUB_FITSDK (a directory where
// `npm install @garmin/fitsdk` was run), else in build/node of this source
// tree.

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const sdkDir = process.env.GYMHUB_FITSDK ?? resolve(here, "..", "build", "node");
const sdkEntry = join(sdkDir, "node_modules", "@garmin", "fitsdk", "src", "index.js");

function die(code, msg) {
    process.stderr.write(`fit-check: ${msg}\n`);
    process.exit(code);
}

let sdk;
try {
    sdk = await import(pathToFileURL(sdkEntry).href);
} catch (e) {
    die(2, `cannot load the Garmin FIT SDK from ${sdkEntry} (${e.message}); ` +
        `install it with: npm install --prefix ${sdkDir} @garmin/fitsdk`);
}
const { Decoder, Stream, Profile } = sdk;

const args = process.argv.slice(2);
let expectPath = null;
if (args[0] === "--expect") {
    expectPath = args[1];
    args.splice(0, 2);
}
if (args.length !== 1)
    die(2, "usage: fit-check.mjs [--expect EXPECTED.json] FILE.fit");
const path = args[0];

const problems = [];
const bytes = readFileSync(path);
const stream = Stream.fromBuffer(bytes);
if (!Decoder.isFIT(stream))
    die(1, `${path}: not a FIT file`);
const decoder = new Decoder(stream);
if (!decoder.checkIntegrity())
    die(1, `${path}: integrity check failed (header, data size or CRC)`);

const order = [];
const { messages, errors, profileVersion } = decoder.read({
    mesgListener: (num) => order.push(num),
});
for (const e of errors)
    problems.push(`decoder: ${e.message ?? e}`);

const counts = {};
for (const [key, list] of Object.entries(messages))
    counts[key] = list.length;

const session = messages.sessionMesgs?.[0] ?? {};
const laps = messages.lapMesgs ?? [];
const records = messages.recordMesgs ?? [];
const sets = (messages.setMesgs ?? []).map((s) => ({
    setType: s.setType,
    repetitions: s.repetitions ?? null,
    duration: s.duration ?? null,
    category: s.category?.[0] ?? null,
    categorySubtype: s.categorySubtype?.[0] ?? null,
    weight: s.weight ?? null,
}));

const hrs = records.map((r) => r.heartRate).filter((v) => v !== undefined);
const hr = hrs.length === 0 ? null : {
    min: Math.min(...hrs),
    avg: Math.round(hrs.reduce((a, b) => a + b, 0) / hrs.length),
    max: Math.max(...hrs),
};

// Does the activity hang together the way platforms expect?
if (order[0] !== Profile.MesgNum.FILE_ID)
    problems.push("file_id is not the first message");
for (const key of ["fileIdMesgs", "sessionMesgs", "activityMesgs"])
    if (counts[key] !== 1)
        problems.push(`${key}: ${counts[key] ?? 0}, want 1`);
const sum = (f) => laps.reduce((a, l) => a + (l[f] ?? 0), 0);
const close = (a, b) => Math.abs(a - b) < 0.0015 * Math.max(1, laps.length);
if (!close(sum("totalTimerTime"), session.totalTimerTime ?? NaN))
    problems.push(`laps' timer time ${sum("totalTimerTime")} != session's ` +
        `${session.totalTimerTime}`);
if (session.totalTimerTime > session.totalElapsedTime + 0.001)
    problems.push("session timer time exceeds its elapsed time");
if (session.numLaps !== laps.length)
    problems.push(`session numLaps ${session.numLaps} != ${laps.length} laps`);
const t0 = session.startTime?.getTime();
const t1 = t0 + (session.totalElapsedTime ?? 0) * 1000;
for (const r of records) {
    const t = r.timestamp?.getTime();
    if (!(t >= t0 - 999 && t <= t1 + 999)) {
        problems.push(`record at ${r.timestamp?.toISOString()} outside the session`);
        break;
    }
}
for (let i = 1; i < records.length; i++) {
    if (records[i].timestamp <= records[i - 1].timestamp) {
        problems.push("record timestamps do not increase");
        break;
    }
}
if (hr && session.maxHeartRate !== hr.max)
    problems.push(`session maxHeartRate ${session.maxHeartRate} != records' ${hr.max}`);
if (hr && session.avgHeartRate !== hr.avg)
    problems.push(`session avgHeartRate ${session.avgHeartRate} != records' ${hr.avg}`);

const summary = {
    file: path,
    isFIT: true,
    integrity: true,
    profileVersion: profileVersion ?? null,
    counts,
    session: {
        sport: session.sport ?? null,
        subSport: session.subSport ?? null,
        totalElapsedTime: session.totalElapsedTime ?? null,
        totalTimerTime: session.totalTimerTime ?? null,
        avgHeartRate: session.avgHeartRate ?? null,
        maxHeartRate: session.maxHeartRate ?? null,
        numLaps: session.numLaps ?? null,
    },
    sets,
    records: { count: records.length, hr },
    problems,
};

// Every value in @want must equal the one in @got; arrays by length too.
function mismatches(want, got, where, out) {
    if (Array.isArray(want)) {
        if (!Array.isArray(got) || got.length !== want.length) {
            out.push(`${where}: want ${want.length} items, got ${JSON.stringify(got)}`);
            return out;
        }
        want.forEach((w, i) => mismatches(w, got[i], `${where}[${i}]`, out));
    } else if (want !== null && typeof want === "object") {
        if (got === null || typeof got !== "object") {
            out.push(`${where}: want an object, got ${JSON.stringify(got)}`);
            return out;
        }
        for (const k of Object.keys(want))
            mismatches(want[k], got[k], `${where}.${k}`, out);
    } else if (typeof want === "number" && typeof got === "number") {
        if (Math.abs(want - got) > 1e-9)
            out.push(`${where}: want ${want}, got ${got}`);
    } else if (want !== got) {
        out.push(`${where}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
    return out;
}

if (expectPath) {
    const want = JSON.parse(readFileSync(expectPath, "utf8"));
    for (const m of mismatches(want, summary, "$", []))
        problems.push(`expected: ${m}`);
}

process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
if (problems.length) {
    for (const p of problems)
        process.stderr.write(`fit-check: ${path}: ${p}\n`);
    process.exit(1);
}
