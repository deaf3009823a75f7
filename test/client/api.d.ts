// Generated from openapi.yaml by `npm run openapi`; do not edit.
export interface paths {
    "/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Jobs newest first, filtered, a page at a time (results only through GET /jobs/{id}) */
        get: {
            parameters: {
                query: {
                    status?: "pending" | "processing" | "complete" | "failed";
                    /** @description a configured vendor */
                    vendor?: string;
                    /** @description only jobs created strictly after this time */
                    created_after?: string;
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
        /** A job's status and, once done, its result or error */
        get: {
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
        /** A page over /vendors and /jobs: vendor state, recent jobs and failures, a job's detail; pause and resume with the admin token */
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
export type webhooks = Record<string, never>;
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
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            /** @description vendor calls made so far */
            attempts: number;
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
        /** @description a job as listed: its result only through GET /jobs/{id} */
        JobSummary: {
            /**
             * Format: uuid
             * @description the job id returned by POST /jobs
             */
            request_id: string;
            status: components["schemas"]["JobStatus"];
            vendor: string;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            /** @description vendor calls made so far */
            attempts: number;
            /** @description why the job failed */
            error?: string;
            /**
             * Format: date-time
             * @description when the next call is due: a retry after a failed attempt
             */
            next_attempt_at?: string;
            /** @description why the latest attempt did not succeed */
            last_error?: string;
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
        };
        VendorsReply: {
            vendors: components["schemas"]["VendorReply"][];
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
