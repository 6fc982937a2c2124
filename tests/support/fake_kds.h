/* fake_kds.h - a fake AMD Key Distribution Service for tests.
 *
 * A plain-HTTP libmicrohttpd server on 127.0.0.1 that serves files from a
 * folder, can be told to answer with an error status (429 with Retry-After,
 * 500, ...) or slowly, and counts the requests it saw.
 *
 * File-naming rule: a GET for PATH (no query) is answered from <root>PATH; a
 * GET for PATH?QUERY from <root>PATH.QUERY, the raw query appended after a
 * dot, byte for byte (no unescaping, no reordering). So
 *   /vcek/v1/Milan/cert_chain  ->  <root>/vcek/v1/Milan/cert_chain
 *   /vcek/v1/Milan/<hwid>?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115
 *                              ->  <root>/vcek/v1/Milan/<hwid>.blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115
 * A missing file is a 404; so is a path with "..", "%" or a query with "/"
 * (so no request can reach outside root). Only GET is served (405 otherwise).
 * fake_kds_path() builds the file name for a request target.
 */
#ifndef TEEV_FAKE_KDS_H
#define TEEV_FAKE_KDS_H

#include <stddef.h>
#include <stdio.h>

struct fake_kds;

/* Serves root_dir on 127.0.0.1 at an ephemeral port. NULL on error. */
struct fake_kds *fake_kds_start(const char *root_dir);
/* The same on a given port (0: ephemeral), writing one line per request,
 * "GET <path>?<query> -> <status>", to log when it is not NULL. */
struct fake_kds *fake_kds_start_on(const char *root_dir, unsigned port, FILE *log);
unsigned fake_kds_port(const struct fake_kds *k);

/* Answers the next `count` requests with `status` (e.g. 429) and a short
 * text body, plus "Retry-After: retry_after" when retry_after > 0. count 0
 * clears it. */
void fake_kds_set_status(struct fake_kds *k, unsigned status, unsigned count, unsigned retry_after);
/* Every answer waits this long first, to test single flight. */
void fake_kds_set_delay_ms(struct fake_kds *k, unsigned ms);
/* Requests so far whose target ("<path>" or "<path>?<query>") starts with prefix. */
unsigned fake_kds_hits(struct fake_kds *k, const char *path_prefix);
/* Most requests that were being answered at the same time. */
unsigned fake_kds_peak_concurrency(struct fake_kds *k);
void fake_kds_stop(struct fake_kds *k);

/* The file that answers a request target ("/path?query"), by the rule above,
 * into out. Returns -1 when the target is refused or does not fit. */
int fake_kds_path(const char *root_dir, const char *target, char *out, size_t cap);

#endif
