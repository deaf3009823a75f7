// Generated from openapi.yaml by `npm run openapi`; do not edit.
export interface paths {
    "/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Jobs newest first, filtered, a page at a time (results only through GET /jobs/{id}); a team's own, or any team's with the admin token */
        get: {
            parameters: {
                query: {
                    status?: "pending" | "processing" | "complete" | "failed";
                    /** @description a configured vendor */
                    vendor?: string;
                    /** @description a team's jobs: any team with the admin token; a team's key lists only its own */
                    team?: string;
                    /** @description only jobs created strictly after this time */
                    created_after?: string;
                    /** @description only this batch's jobs (the caller's own batch; any with the admin token) */
                    batch_id?: string;
                    limit: number;
                    /** @description next_cursor of the previous page */
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["JobPage"];
                    };
                };
                /** @description bad input: malformed JSON, JSON nested deeper than 64 levels, a body that is not an object, a bad id, an unknown vendor, a key a store cannot hold */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description with TEAMS_FILE: no key, or a key no team has (WWW-Authenticate: Bearer); send Authorization: Bearer <your team's key> */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a team's key asked for another team's jobs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description no such batch, or another team's (the same answer: a team sees only its own batches) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        put?: never;
        /** Queue a job for a vendor */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Stripe's semantics, kept 24 h: a retry with the same key and the same body answers the same request_id (200) instead of queueing a second job; the same key with another body is a 422. 1 to 255 printable ASCII characters, e.g. a UUID */
                    "idempotency-key"?: string;
                    /** @description where to POST the job's completion webhook (see webhooks: job.complete, job.failed) instead of the team's notify.url: an http(s) URL whose host (and port) the operator allowed (NOTIFY_ALLOWED_HOSTS, or the team's notify.allowedHosts); any other is a 400 VFS_ERR_NOTIFY_URL */
                    "notify-url"?: string;
                    /** @description for a vendor that keeps results (its `cache`): `no-cache` skips the kept result and any identical job on the wire, makes a call of its own and keeps its result; `max-age=<seconds>` takes a kept result only if it is no older than that. Any other value is a 400 VFS_ERR_CACHE_CONTROL, whatever the vendor; for a vendor that keeps no results a valid one changes nothing */
                    "cache-control"?: string;
                };
                path?: never;
                cookie?: never;
            };
            /** @description every property other than vendor is the job payload, stored and sent to the vendor as given */
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "vendor": "syncVendor",
                     *       "type": "user_data",
                     *       "userId": 123
                     *     }
                     */
                    "application/json": {
                        /** @description a configured vendor, e.g. syncVendor or asyncVendor */
                        vendor: string;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            responses: {
                /** @description an earlier request with this Idempotency-Key and the same body queued this job */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SubmitJobReply"];
                    };
                };
                /** @description queued; poll the Location */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SubmitJobReply"];
                    };
                };
                /** @description bad input: malformed JSON, JSON nested deeper than 64 levels, a body that is not an object, a bad id, an unknown vendor, a key a store cannot hold */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description with TEAMS_FILE: no key, or a key no team has (WWW-Authenticate: Bearer); send Authorization: Bearer <your team's key> */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description VFS_ERR_BUDGET_EXHAUSTED: the team cannot afford one more call of the vendor within its budget (TEAMS_FILE budget): its most expensive call does not fit what is left */
                402: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description the admin token reads every team's jobs but submits none: send a team's key */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a request with this Idempotency-Key is still in progress; retry shortly */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description body over the size limit */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description content type is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description the Idempotency-Key was used with another body */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description past the team's intake limit: Retry-After says when to try again; RateLimit-Policy and RateLimit tell the limit and what is left */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Queue many jobs at once: each checked as POST /jobs checks one, the valid ones queued even when others are refused */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Stripe's semantics, kept 24 h: a retry with the same key and the same body answers the same request_id (200) instead of queueing a second job; the same key with another body is a 422. 1 to 255 printable ASCII characters, e.g. a UUID */
                    "idempotency-key"?: string;
                    /** @description where to POST the job's completion webhook (see webhooks: job.complete, job.failed) instead of the team's notify.url: an http(s) URL whose host (and port) the operator allowed (NOTIFY_ALLOWED_HOSTS, or the team's notify.allowedHosts); any other is a 400 VFS_ERR_NOTIFY_URL */
                    "notify-url"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description 1 to MAX_BATCH (1000) jobs */
                        jobs: unknown[];
                    };
                };
            };
            responses: {
                /** @description an earlier request with this Idempotency-Key and the same body queued this batch: its answer */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BatchReply"];
                    };
                };
                /** @description queued; GET /batches/{batch_id} tells how far it got */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BatchReply"];
                    };
                };
                /** @description a body that is not {"jobs": [...]} of 1 to MAX_BATCH jobs, or a Notify-Url the service may not call */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description with TEAMS_FILE: no key, or a key no team has (WWW-Authenticate: Bearer); send Authorization: Bearer <your team's key> */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description the admin token reads every team's jobs but submits none: send a team's key */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a request with this Idempotency-Key is still in progress; retry shortly */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description body over the size limit */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description content type is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description the Idempotency-Key was used with another body */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description the batch does not fit in the team's intake limit: none of it is queued; Retry-After says when to try again */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A job's status and, once done, its result or error; with ?wait=, as soon as it is done */
        get: {
            parameters: {
                query?: {
                    /** @description long poll: answer as soon as it is complete or failed, or as it stands after this many seconds; past MAX_WAITERS open waits on the process, a 503 with Retry-After */
                    wait?: number;
                };
                header?: never;
                path: {
                    /** @description the job id returned by POST /jobs */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["JobReply"];
                    };
                };
                /** @description bad input: malformed JSON, JSON nested deeper than 64 levels, a body that is not an object, a bad id, an unknown vendor, a key a store cannot hold */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description with TEAMS_FILE: no key, or a key no team has (WWW-Authenticate: Bearer); send Authorization: Bearer <your team's key> */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description no such job, or another team's (the same answer: a team sees only its own jobs) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a path parameter longer than 100 characters */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a failed job back to pending with a new attempt budget */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the job id returned by POST /jobs */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description queued again */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["JobReply"];
                    };
                };
                /** @description bad input: malformed JSON, JSON nested deeper than 64 levels, a body that is not an object, a bad id, an unknown vendor, a key a store cannot hold */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description with TEAMS_FILE: no key, or a key no team has (WWW-Authenticate: Bearer); send Authorization: Bearer <your team's key> */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description no such job, or another team's (the same answer: a team sees only its own jobs) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description the job cannot take this change */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description body over the size limit */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a path parameter longer than 100 characters */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description content type is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs/{id}/notify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a completion webhook that failed for good again, from its first try */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the job id returned by POST /jobs */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description to be sent again */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["JobReply"];
                    };
                };
                /** @description bad input: malformed JSON, JSON nested deeper than 64 levels, a body that is not an object, a bad id, an unknown vendor, a key a store cannot hold */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description with TEAMS_FILE: no key, or a key no team has (WWW-Authenticate: Bearer); send Authorization: Bearer <your team's key> */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description no such job, or another team's (the same answer: a team sees only its own jobs) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description the job asked for no completion webhook, or its webhook has not failed for good */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description body over the size limit */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a path parameter longer than 100 characters */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description content type is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/batches/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A batch's jobs counted by status; with ?wait=, as soon as every one is done */
        get: {
            parameters: {
                query?: {
                    /** @description long poll: answer as soon as it is complete or failed, or as it stands after this many seconds; past MAX_WAITERS open waits on the process, a 503 with Retry-After */
                    wait?: number;
                };
                header?: never;
                path: {
                    /** @description the batch_id returned by POST /jobs/batch */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BatchStatusReply"];
                    };
                };
                /** @description bad input: malformed JSON, JSON nested deeper than 64 levels, a body that is not an object, a bad id, an unknown vendor, a key a store cannot hold */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description with TEAMS_FILE: no key, or a key no team has (WWW-Authenticate: Bearer); send Authorization: Bearer <your team's key> */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description no such batch, or another team's (the same answer: a team sees only its own batches) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a path parameter longer than 100 characters */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send the newest failed jobs matching a filter back to pending, a bounded batch per call (admin) */
        post: {
            parameters: {
                query: {
                    /** @description a configured vendor */
                    vendor?: string;
                    /** @description a team's jobs: any team with the admin token; a team's key lists only its own */
                    team?: string;
                    /** @description only jobs created strictly after this time */
                    created_after?: string;
                    /** @description the most jobs replayed by this call, newest first */
                    limit: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description queued again */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RetryFailedReply"];
                    };
                };
                /** @description bad input: malformed JSON, JSON nested deeper than 64 levels, a body that is not an object, a bad id, an unknown vendor, a key a store cannot hold */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description missing or wrong admin bearer token (WWW-Authenticate: Bearer) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description no such vendor; or ADMIN_TOKEN is not set, and admin routes answer as unknown routes */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description body over the size limit */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description content type is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/vendors": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every vendor's configuration (no secrets), limits and their live state, queue and counts by status */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["VendorsReply"];
                    };
                };
                /** @description with TEAMS_FILE: a key no team has (WWW-Authenticate: Bearer); send your team's key, the admin token, or none */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/vendors/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One vendor's configuration (no secrets), limits and their live state, queue and counts by status */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description a configured vendor */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["VendorReply"];
                    };
                };
                /** @description bad input: malformed JSON, JSON nested deeper than 64 levels, a body that is not an object, a bad id, an unknown vendor, a key a store cannot hold */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description with TEAMS_FILE: a key no team has (WWW-Authenticate: Bearer); send your team's key, the admin token, or none */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description unknown job or vendor */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a path parameter longer than 100 characters */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/vendors/{name}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One vendor's last 15 minutes, the whole fleet's: calls per second against its limit, and its queue, per interval */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description a configured vendor */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["VendorHistoryReply"];
                    };
                };
                /** @description bad input: malformed JSON, JSON nested deeper than 64 levels, a body that is not an object, a bad id, an unknown vendor, a key a store cannot hold */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description unknown job or vendor */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a path parameter longer than 100 characters */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/vendors/{name}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop every worker from calling the vendor until resumed; its jobs wait without spending attempts (admin) */
        post: {
            parameters: {
                query?: {
                    /** @description shown with the pause, e.g. an incident */
                    reason?: string;
                };
                header?: never;
                path: {
                    /** @description a configured vendor */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description paused */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["VendorReply"];
                    };
                };
                /** @description bad input: malformed JSON, JSON nested deeper than 64 levels, a body that is not an object, a bad id, an unknown vendor, a key a store cannot hold */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description missing or wrong admin bearer token (WWW-Authenticate: Bearer) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description no such vendor; or ADMIN_TOKEN is not set, and admin routes answer as unknown routes */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description body over the size limit */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a path parameter longer than 100 characters */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description content type is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/vendors/{name}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Lift an operator's pause; a Retry-After pause the vendor asked for still runs its course (admin) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description a configured vendor */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description resumed */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["VendorReply"];
                    };
                };
                /** @description bad input: malformed JSON, JSON nested deeper than 64 levels, a body that is not an object, a bad id, an unknown vendor, a key a store cannot hold */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description missing or wrong admin bearer token (WWW-Authenticate: Bearer) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description no such vendor; or ADMIN_TOKEN is not set, and admin routes answer as unknown routes */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description body over the size limit */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a path parameter longer than 100 characters */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description content type is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/teams/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The calling team: its weight, intake, budget and quotas per vendor, and what it used where counted */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TeamReply"];
                    };
                };
                /** @description with TEAMS_FILE: no key, or a key no team has (WWW-Authenticate: Bearer); send Authorization: Bearer <your team's key> */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description the admin token is no team's */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/teams": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every team, as GET /teams/me shows it (admin) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TeamsReply"];
                    };
                };
                /** @description missing or wrong admin bearer token (WWW-Authenticate: Bearer) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description no such vendor; or ADMIN_TOKEN is not set, and admin routes answer as unknown routes */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description body over the size limit */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description content type is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/teams/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One team, as GET /teams/me shows it (admin) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description a team of TEAMS_FILE (default in open mode) */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TeamReply"];
                    };
                };
                /** @description bad input: malformed JSON, JSON nested deeper than 64 levels, a body that is not an object, a bad id, an unknown vendor, a key a store cannot hold */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description missing or wrong admin bearer token (WWW-Authenticate: Bearer) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description no such team; or ADMIN_TOKEN is not set */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description body over the size limit */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a path parameter longer than 100 characters */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description content type is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/vendor-webhook/{vendor}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** An async vendor's signed callback */
        post: {
            parameters: {
                query?: {
                    /** @description the call this callback answers, as the callback_url the vendor was given says */
                    ref?: string;
                };
                header?: {
                    /** @description the default scheme (stripe): t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the vendor secret>; at most 5 minutes old */
                    "x-signature"?: string;
                    /** @description Standard Webhooks: the message id */
                    "webhook-id"?: string;
                    /** @description Standard Webhooks: unix seconds; at most 5 minutes old */
                    "webhook-timestamp"?: string;
                    /** @description Standard Webhooks: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>"> */
                    "webhook-signature"?: string;
                };
                path: {
                    /** @description the async vendor calling back */
                    vendor: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["WebhookBody"] | {
                        [key: string]: unknown;
                    };
                    "application/x-www-form-urlencoded": components["schemas"]["WebhookBody"] | {
                        [key: string]: unknown;
                    };
                };
            };
            responses: {
                /** @description applied, or a duplicate of what is recorded */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WebhookReply"];
                    };
                };
                /** @description bad input: malformed JSON, JSON nested deeper than 64 levels, a body that is not an object, a bad id, an unknown vendor, a key a store cannot hold */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description missing, wrong or stale signature, or no body */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description unknown job or vendor */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description the job cannot take this change */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description body over the size limit */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a path parameter longer than 100 characters */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description content type is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
                /** @description a dependency is down or full, or the service sheds load; Retry-After says when to try again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Whether the service can take jobs, and the state of each dependency */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description can take jobs */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["HealthReply"];
                    };
                };
                /** @description cannot take jobs; checks name what is down */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["HealthReply"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics in the text exposition format (404 with METRICS=off) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the text exposition format, version 0.0.4 */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": string;
                    };
                };
                /** @description METRICS=off: this process keeps no metrics */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorReply"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dashboard": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A page over /vendors, /jobs and /teams: vendor state, charts of each vendor's calls per second against its limit and its queue over 15 minutes, each team's spend against its budget, teams, recent jobs and failures, a job's detail; every team's, and pause and resume, with the admin token */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the page */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export interface webhooks {
    "job.complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A job completed
         * @description POSTed to the job's notify URL (its Notify-Url, or the team's notify.url) once it ends, signed as Standard Webhooks with the team's secret; tried again after each of NOTIFY_RETRY_DELAYS until a 2xx comes back within 10 s, with the same webhook-id
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description the same on every try of one end of the job: drop repeats */
                    "webhook-id": string;
                    /** @description unix seconds of this try */
                    "webhook-timestamp": string;
                    /** @description v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>"> with the secret's bytes */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["NotifyEvent"];
                };
            };
            responses: {
                /** @description delivered; anything else (or nothing within 10 s) is tried again */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "job.failed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A job failed
         * @description POSTed to the job's notify URL (its Notify-Url, or the team's notify.url) once it ends, signed as Standard Webhooks with the team's secret; tried again after each of NOTIFY_RETRY_DELAYS until a 2xx comes back within 10 s, with the same webhook-id
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description the same on every try of one end of the job: drop repeats */
                    "webhook-id": string;
                    /** @description unix seconds of this try */
                    "webhook-timestamp": string;
                    /** @description v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>"> with the secret's bytes */
                    "webhook-signature": string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["NotifyEvent"];
                };
            };
            responses: {
                /** @description delivered; anything else (or nothing within 10 s) is tried again */
                "2XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export interface components {
    schemas: {
        /** @description Fastify's error shape; never a stack trace */
        ErrorReply: {
            statusCode: number;
            /** @example VFS_ERR_UNKNOWN_VENDOR */
            code: string;
            error: string;
            message: string;
        };
        /** @enum {string} */
        JobStatus: "pending" | "processing" | "complete" | "failed";
        SubmitJobReply: {
            /**
             * Format: uuid
             * @description the job id returned by POST /jobs
             */
            request_id: string;
        };
        JobReply: {
            /**
             * Format: uuid
             * @description the job id returned by POST /jobs
             */
            request_id: string;
            status: components["schemas"]["JobStatus"];
            vendor: string;
            /** @description the team that submitted it (`default` in open mode) */
            team: string;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            /** @description vendor calls made so far */
            attempts: number;
            /** @description what its vendor calls cost so far, in the operator's currency (the vendor's cost); absent while nothing */
            cost?: number;
            /** @description the vendor's data, once complete */
            result?: unknown;
            /** @description why the job failed */
            error?: string;
            /**
             * Format: date-time
             * @description when the next call is due: a retry after a failed attempt
             */
            next_attempt_at?: string;
            /** @description why the latest attempt did not succeed */
            last_error?: string;
            /**
             * Format: uuid
             * @description the batch it was submitted in (POST /jobs/batch)
             */
            batch_id?: string;
            /**
             * @description for a vendor that keeps results: `vendor` when it made its own call, `cache` when it took a kept result (no call), `coalesced` when it joined an identical job on the wire and took that job's outcome (no call)
             * @enum {string}
             */
            source?: "vendor" | "cache" | "coalesced";
            /** @description its completion webhook, when it asked for one */
            notify?: {
                /**
                 * @description pending until a 2xx came back, failed once every retry (NOTIFY_RETRY_DELAYS) failed too: POST /jobs/{id}/notify sends it again
                 * @enum {string}
                 */
                status: "pending" | "delivered" | "failed";
                /** @description deliveries tried for the job's end */
                attempts: number;
                /** @description why the latest delivery failed */
                last_error?: string;
            };
        };
        /** @description the default callback; a vendor's `webhook` settings say where its own callbacks carry the job's id (ours or the vendor's), result and error */
        WebhookBody: {
            /** @description the job id returned by POST /jobs */
            request_id: string;
            /** @description the vendor's data; completes the job */
            result?: unknown;
            /** @description the vendor could not serve the job; fails it */
            error?: string;
        };
        WebhookReply: {
            /**
             * Format: uuid
             * @description the job id returned by POST /jobs
             */
            request_id: string;
            /** @enum {string} */
            outcome: "applied" | "duplicate";
            status: components["schemas"]["JobStatus"];
        };
        HealthReply: {
            /** @enum {string} */
            status: "ok" | "unavailable";
            /** @description embedded, redis or full */
            mode: string;
            checks: {
                [key: string]: "up" | "down" | "off";
            };
            /**
             * @description with Redis: what a Redis restart keeps, as found at start (aof: every write; rdb: the last snapshot; none: nothing; unknown: CONFIG is disabled)
             * @enum {string}
             */
            persistence?: "aof" | "rdb" | "none" | "unknown";
        };
        /** @description signed with webhook-id (the same on every try of one end: drop repeats), webhook-timestamp and webhook-signature (v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">), the Standard Webhooks scheme, with the team's notify.secret (NOTIFY_SECRET in open mode) */
        NotifyEvent: {
            /** @enum {string} */
            type: "job.complete" | "job.failed";
            /**
             * Format: date-time
             * @description when the job ended
             */
            timestamp: string;
            data: components["schemas"]["JobReply"];
        };
        BatchReply: {
            /** Format: uuid */
            batch_id: string;
            /** @description one per job sent, in order: its request_id, or why it was refused (the others are queued all the same) */
            jobs: ({
                /**
                 * Format: uuid
                 * @description the job id returned by POST /jobs
                 */
                request_id: string;
            } | {
                /** @description what POST /jobs would have answered for this job */
                error: {
                    statusCode: number;
                    /** @example VFS_ERR_UNKNOWN_VENDOR */
                    code: string;
                    message: string;
                };
            })[];
        };
        BatchStatusReply: {
            /** Format: uuid */
            batch_id: string;
            /** Format: date-time */
            created_at: string;
            /** @description jobs in the batch (items that were refused are none) */
            total: number;
            counts: {
                pending: number;
                processing: number;
                complete: number;
                failed: number;
            };
            /** @description every job complete or failed */
            done: boolean;
        };
        /** @description a job as listed: its result only through GET /jobs/{id} */
        JobSummary: {
            /**
             * Format: uuid
             * @description the job id returned by POST /jobs
             */
            request_id: string;
            status: components["schemas"]["JobStatus"];
            vendor: string;
            /** @description the team that submitted it (`default` in open mode) */
            team: string;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            /** @description vendor calls made so far */
            attempts: number;
            /** @description what its vendor calls cost so far, in the operator's currency (the vendor's cost); absent while nothing */
            cost?: number;
            /** @description why the job failed */
            error?: string;
            /**
             * Format: date-time
             * @description when the next call is due: a retry after a failed attempt
             */
            next_attempt_at?: string;
            /** @description why the latest attempt did not succeed */
            last_error?: string;
            /**
             * Format: uuid
             * @description the batch it was submitted in (POST /jobs/batch)
             */
            batch_id?: string;
            /**
             * @description for a vendor that keeps results: `vendor` when it made its own call, `cache` when it took a kept result (no call), `coalesced` when it joined an identical job on the wire and took that job's outcome (no call)
             * @enum {string}
             */
            source?: "vendor" | "cache" | "coalesced";
            /** @description its completion webhook, when it asked for one */
            notify?: {
                /**
                 * @description pending until a 2xx came back, failed once every retry (NOTIFY_RETRY_DELAYS) failed too: POST /jobs/{id}/notify sends it again
                 * @enum {string}
                 */
                status: "pending" | "delivered" | "failed";
                /** @description deliveries tried for the job's end */
                attempts: number;
                /** @description why the latest delivery failed */
                last_error?: string;
            };
        };
        JobPage: {
            /** @description newest first */
            jobs: components["schemas"]["JobSummary"][];
            /** @description pass as cursor for the next page; absent on the last page */
            next_cursor?: string;
        };
        RetryFailedReply: {
            retried: number;
            request_ids: string[];
            /** @description more failed jobs match: call again for the next batch */
            more: boolean;
        };
        VendorReply: {
            name: string;
            /** @description the vendor's entry as VENDORS_FILE spells it, without secrets */
            config: {
                /** @enum {string} */
                mode: "sync" | "async" | "poll";
                /** @description origin and path only: user info and query are left out */
                url: string;
                rateLimit: {
                    perSecond: number;
                    burst: number;
                };
                quotas: {
                    limit: number;
                    /** @description the sliding window, ms */
                    window: number;
                }[];
                /** @description calls in flight from all workers together */
                concurrency: number;
                /** @description the longest pause a Retry-After may impose */
                maxRetryAfterMs: number;
                /** @description one call, headers and body */
                timeoutMs: number;
                maxResponseBytes: number;
                retry: {
                    attempts: number;
                    baseDelayMs: number;
                    maxDelayMs: number;
                };
                breaker: {
                    minCalls: number;
                    failureRatio: number;
                    windowMs: number;
                    halfOpenAfterMs: number;
                    probes: number;
                };
                /** @description the longest a job waits on an open breaker */
                maxWaitMs: number;
                /** @description how long an accepted async job waits for its webhook */
                callbackTimeoutMs: number;
                /** @description what a call costs, in the operator's currency; a job type's own cost replaces it for that type */
                cost: {
                    /** @description for every call the vendor receives: each attempt and each poll */
                    perCall: number;
                    /** @description once for a job that completes with the vendor's result */
                    perResult: number;
                };
            };
            state: {
                /** @description calls the token bucket would grant now */
                tokens: number;
                /** @description calls in flight from all workers */
                slots_in_use: number;
                /** @enum {string} */
                breaker: "closed" | "half-open" | "open";
                /**
                 * Format: date-time
                 * @description open: probes go through from then on
                 */
                breaker_open_until?: string;
                /**
                 * Format: date-time
                 * @description the vendor's own Retry-After pause
                 */
                paused_until?: string;
                /** @description an operator's pause: no worker calls the vendor until resumed */
                admin_pause?: {
                    /** Format: date-time */
                    since: string;
                    reason?: string;
                };
            };
            queue: {
                /** @description waiting to be called */
                ready: number;
                /** @description retries and polls waiting for their time */
                delayed: number;
                /** @description with a worker now */
                delivered: number;
                /**
                 * Format: date-time
                 * @description when the longest-waiting ready entry was queued
                 */
                oldest_ready_at?: string;
            };
            /** @description jobs by status, kept for JOB_TTL_DAYS */
            counts: {
                pending: number;
                processing: number;
                complete: number;
                failed: number;
            };
            /** @description what the vendor's calls cost, in the operator's currency (its cost), fleet-wide: a team's spend is shown only to it and to the admin */
            spend: {
                /** @description of the teams shown */
                total: number;
                /** @description by team: every team's for the admin token, the caller's own for a team's key, none without a key (without TEAMS_FILE everyone is the team default and sees its spend) */
                teams: {
                    [key: string]: number;
                };
            };
        };
        VendorsReply: {
            vendors: components["schemas"]["VendorReply"][];
        };
        VendorHistoryReply: {
            vendor: string;
            /** @description one point per interval this long */
            interval_ms: number;
            /** @description how far back the points go */
            window_ms: number;
            limit: {
                /** @description the vendor's rate limit */
                per_second: number;
                burst: number;
                /** @description calls in flight from all workers together */
                concurrency: number;
            };
            /** @description oldest first, from the first interval the service counted in the window to the last one complete */
            points: {
                /**
                 * Format: date-time
                 * @description the interval's start
                 */
                at: string;
                /** @description calls the vendor received from every worker in the interval (polls included) */
                calls: number;
                calls_per_second: number;
                /** @description the queue as one process of the fleet sampled it in the interval; absent where none did */
                queue?: {
                    /** @description waiting to be called */
                    ready: number;
                    /** @description retries and polls waiting for their time */
                    delayed: number;
                    /** @description calls on the wire */
                    in_flight: number;
                };
            }[];
        };
        TeamReply: {
            name: string;
            /** @description the team's share of each vendor against the other teams with work ready for it */
            weight: number;
            /** @description jobs the team may submit, fleet-wide; past it POST /jobs answers 429 */
            intake?: {
                perSecond: number;
                burst: number;
                /** @description burst jobs are taken in each fixed window this long */
                window: number;
            };
            budget?: {
                /** @description in the operator's currency */
                limit: number;
                /** @description the sliding window, ms */
                window: number;
                /** @description spent in the current window */
                spent?: number;
                remaining?: number;
            };
            /** @description every vendor, with what the team may use of it and, where counted, what it used */
            vendors: {
                name: string;
                /** @description the team's own quotas on the vendor, counted at dispatch */
                quotas: {
                    limit: number;
                    /** @description the sliding window, ms */
                    window: number;
                    /** @description calls counted in the window now */
                    used?: number;
                }[];
                budget?: {
                    /** @description in the operator's currency */
                    limit: number;
                    /** @description the sliding window, ms */
                    window: number;
                    /** @description spent in the current window */
                    spent?: number;
                    remaining?: number;
                };
                /** @description what the team's calls of the vendor cost in all, in the operator's currency (the vendor's cost) */
                spend?: number;
                /** @description calls made for the team in the last hour */
                calls?: number;
                /** @description the team's jobs waiting for the vendor */
                queued?: number;
                /** @description the team's part of the vendor's calls of the last minute or two */
                share?: number;
                /** @description vendor calls the team did not make, for a vendor that keeps results (its `cache`) */
                saved_calls?: {
                    /** @description jobs that took a kept result */
                    cache: number;
                    /** @description jobs that joined an identical job on the wire */
                    coalesced: number;
                };
                /** @description what those calls would have cost, in the operator's currency (the call and its result at the job's type's cost) */
                saved_cost?: number;
            }[];
        };
        TeamsReply: {
            teams: components["schemas"]["TeamReply"][];
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
