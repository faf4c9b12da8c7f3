/*
 * api.h - morgue-serve's answers, apart from HTTP itself: a request
 * (method, decoded path, decoded query parameters) in, a response (status,
 * type, body) out.  The JSON API of docs/http-api.md over the search code
 * that morgue-query uses, and the page's static files.  morgue_serve.c
 * puts it on libmicrohttpd; the tests call it directly.
 */
#ifndef MORGUE_API_H
#define MORGUE_API_H

#include <stddef.h>

#include "search.h"
#include "util.h"

/* Input bounds; beyond them a request gets 400. */
#define API_MAX_QUERY 1024 /* bytes of q */
#define API_MAX_VALUE 256  /* bytes of any other parameter */
#define API_MAX_LIMIT 100
#define API_MAX_PAGE 1000
#define API_MAX_PARAMS 32
/* hits a search may skip: offset + (page - 1) * limit */
#define API_MAX_OFFSET ((API_MAX_PAGE - 1) * API_MAX_LIMIT)
#define API_MAX_HEADERS 8 /* extra headers of a response */

/* One query-string parameter, percent-decoded: value holds len bytes
 * (which may include NUL bytes, refused as such). */
struct api_param {
    const char *key;
    const char *value;
    size_t len;
};

/* A header of a response; name and value are borrowed (see api_cors()). */
struct api_header {
    const char *name;
    const char *value;
};

/* A response.  body is owned when owned is set, else borrowed from the
 * api (a static file) and valid until api_free(). */
struct api_response {
    int status;
    const char *type;  /* Content-Type; NULL for a 204 (no body) */
    const char *allow; /* the Allow header of a 405 or an OPTIONS, else NULL */
    char *body;
    size_t len;
    int owned;
    int is_static; /* a file of the page (may be cached) */
    struct api_header headers[API_MAX_HEADERS]; /* more headers to send */
    int nheaders;
    char *log; /* owned, or NULL: what went wrong in the server (an index
                * error, with the index's path), for the operator's log
                * and not the client, whose body says it neutrally */
};

struct api_config {
    const char *db;      /* the index file */
    const char *web_dir; /* the page's files; NULL: no page */
    int timeout_ms;      /* a search running longer is stopped (0: none) */
    const char *cors;    /* origins that may call the API from a page of
                          * theirs, comma-separated ("https://a.example,
                          * http://localhost:3000"), or "*" for any; NULL
                          * or "": none (same origin only).  See api_cors() */
    const char *cluster; /* a cluster file of Xapian shards (searched
                          * instead of db; /api/search and /healthz only) */
    struct search_cluster_opts co; /* with cluster: timeouts, policy */
};

struct api;        /* shared by all threads, read-only once made */
struct api_worker; /* its own connection to the index, used by one
                    * request at a time (morgue-serve keeps lanes of them) */

/* Checks that the index opens (read-only) and reads the page's files
 * into memory: the regular files directly in web_dir whose names are
 * letters, digits, '.', '-' and '_' (not starting with '.').  Fails with
 * a message naming the index or the folder, or the first origin of cors
 * that is not "*", "null" or SCHEME://HOST[:PORT] (no path, no trailing
 * slash). */
int api_new(const struct api_config *c, struct api **out, struct mg_err *err);

/* Frees the api; takes NULL.  Every worker must be freed first. */
void api_free(struct api *a);

/* A worker of the api: it opens its read-only connection on its first
 * request, and reopens it when the index file is replaced by another
 * (another inode).  Use one worker from one thread at a time.  Can't
 * fail (NULL only for a NULL api). */
struct api_worker *api_worker_new(struct api *a);
void api_worker_free(struct api_worker *w);

/* Seconds since the worker's last request or keep-alive (a large number
 * before the first).  Can't fail. */
double api_worker_idle(const struct api_worker *w);

/* With --cluster: sends a keep-alive over each of the worker's open shard
 * connections (searcher_keep_alive: xapian-tcpsrv closes one idle for
 * 60 s; one that fails is dropped, and the next search reconnects it),
 * each waiting at most the connection's timeout; otherwise nothing.
 * Counts as the worker's use (api_worker_idle).  Use from the thread that
 * holds the worker; can't fail. */
void api_worker_keep_alive(struct api_worker *w);

/* Answers one request into *out (api_response_free() frees it).  method
 * is the HTTP method, path the decoded path without the query string.
 * Parameters an endpoint does not know are ignored, and named in the
 * answer's "warnings" (but "_" and "utm_..." silently).  OPTIONS on
 * /api/... and /healthz is 204 with out->allow (a CORS preflight: see
 * api_cors()).  Never fails: errors are responses (400, 404, 405, 500,
 * 503) with a JSON body {"error", "status"} whose message is for the
 * client: no path of the server, no command line (out->log has those). */
void api_handle(struct api_worker *w, const char *method, const char *path,
                const struct api_param *params, int nparams,
                struct api_response *out);

/* Frees r's body when owned and its log; takes NULL. */
void api_response_free(struct api_response *r);

/* Appends to out->headers the CORS headers of the answer to a request of
 * this method and path from a page of origin (its Origin header; NULL
 * when it has none).  Only answers under /api/ and at /healthz get any,
 * and only when the api has cors origins (api_config.cors):
 * Access-Control-Allow-Origin (origin when it is one of them, "*" when
 * they are "*"), Vary: Origin (unless "*"), and on a preflight (OPTIONS,
 * answered 204) Access-Control-Allow-Methods, -Max-Age and -Allow-Headers
 * (request_headers, the request's Access-Control-Request-Headers, when it
 * is a list of header names), else Access-Control-Expose-Headers:
 * Retry-After.  The values are borrowed from the api, origin and
 * request_headers.  Can't fail (a full out->headers takes no more). */
void api_cors(const struct api *a, const char *method, const char *path,
              const char *origin, const char *request_headers,
              struct api_response *out);

/* What a request needs, so that a server can keep costly searches from
 * holding up the rest: morgue-serve gives each lane workers of its own. */
enum api_lane {
    API_LANE_NONE,   /* reads no index: a file of the page, a 404, a 405;
                      * one worker may answer any number of these at once,
                      * from any threads */
    API_LANE_MAIN,   /* searches without a prefix, articles, entities,
                      * /healthz */
    API_LANE_PREFIX, /* a search whose q holds a prefix of at least
                      * PLAN_MIN_PREFIX letters ("econ*"): it stands for up
                      * to PLAN_MAX_EXPANDED words, and over a large index
                      * may take most of a second */
};

/* The lane of a request, from its method, decoded path and parameters
 * alone (no parse, no index: a few string comparisons).  Can't fail; a
 * request that will be refused may be put in any lane. */
enum api_lane api_lane(const char *method, const char *path,
                       const struct api_param *params, int nparams);

/* Sets *out to the 503 of a request that found no worker of its lane free
 * within waited seconds (api_response_free() frees it).  Can't fail. */
void api_busy(struct api_response *out, enum api_lane lane, double waited);

/* Sets *out to the JSON error {"error": msg, "status": status} of a
 * request the server refuses before the API sees it (a limit of
 * morgue-serve's; api_response_free() frees it).  Can't fail. */
void api_refuse(struct api_response *out, int status, const char *msg);

#endif
