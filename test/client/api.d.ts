// Generated from openapi.yaml by `npm run openapi`; do not edit.
export interface paths {
    "/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
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
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
