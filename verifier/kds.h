/* kds.h - client for the AMD Key Distribution Service (../shared/docs/SNP.md §8).
 *
 * Fetches VCEKs, ASK/ASVK+ARK chains and CRLs over HTTPS with libcurl. KDS
 * answers about one VCEK request per client per 10 s before it starts
 * answering 429 (LANDSCAPE.md §4), so the client is careful with it:
 *  - single flight: while a request for a URL is in flight, other threads
 *    asking for the same URL wait for it and get a copy of its outcome;
 *  - back-off: after a 429, a 5xx or a network error for a URL, calls for
 *    that URL fail fast with KDS_BACKING_OFF until backoff_seconds (or a
 *    longer Retry-After) have passed.
 * It keeps no certificates: caching what was fetched is the caller's job.
 *
 * The client is thread-safe and has no global state, but libcurl needs
 * curl_global_init(CURL_GLOBAL_DEFAULT) to have been called once by the
 * program, before any thread uses a client (libcurl's global init is not
 * thread-safe on every build).
 */
#ifndef TEEV_KDS_H
#define TEEV_KDS_H

#include "verifier/snp_report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KDS_DEFAULT_BASE_URL "https://kdsintf.amd.com"
#define KDS_DEFAULT_TIMEOUT_MS 10000L
#define KDS_DEFAULT_BACKOFF_SECONDS 10u
#define KDS_DEFAULT_MAX_RESPONSE ((size_t)1 << 20)
/* Longest base_url kds_client_new accepts, and a buffer size that always
 * holds a URL built from it (for kds_vcek_url). */
#define KDS_BASE_URL_MAX 256
#define KDS_URL_MAX 512

struct kds_client;

/* A zero field (or a NULL cfg) takes the KDS_DEFAULT_* value. */
struct kds_config {
	const char *base_url;     /* "https://kdsintf.amd.com" by default; tests point it at a loopback fake */
	long timeout_ms;          /* whole-request timeout */
	unsigned backoff_seconds; /* after a 429/5xx/network error for a URL, no new request for it before this */
	size_t max_response;      /* bytes; larger bodies are an error */
};

enum kds_status {
	KDS_OK,
	KDS_NOT_FOUND,     /* 404 */
	KDS_BAD_REQUEST,   /* 400: KDS does not take this hwid or TCB, e.g. another product's chip */
	KDS_RATE_LIMITED,  /* 429; the URL is now backing off */
	KDS_BACKING_OFF,   /* refused without a request: a recent failure for this URL */
	KDS_HTTP_ERROR,    /* any other non-200 answer (5xx ones start a back-off) */
	KDS_NETWORK_ERROR, /* no HTTP answer: DNS, connect, TLS, timeout; starts a back-off */
	KDS_INVALID,       /* bad arguments, an oversized or unusable body, or out of memory */
};

/* NULL when out of memory or when cfg->base_url is longer than
 * KDS_BASE_URL_MAX. The config is copied. */
struct kds_client *kds_client_new(const struct kds_config *cfg);
void kds_client_free(struct kds_client *k);

/* VCEK (DER) for a platform:
 * /vcek/v1/{Milan|Genoa|Turin}/{hwid}?blSPL=BB&teeSPL=TT&snpSPL=SS&ucodeSPL=UU
 * (Turin adds &fmcSPL=FF). hwid = lower-case hex of CHIP_ID (64 bytes; Turin:
 * the first 8). SPL values are decimal, zero-padded to 2 digits, as Keylime
 * requests them. Refuses (KDS_INVALID, no request) an unknown product and a
 * chip id whose hwid bytes are all zero (VLEK platforms report those).
 *
 * Every fetch function: on KDS_OK stores a malloc'd body the caller frees;
 * otherwise stores NULL and 0. err (may be NULL) always gets a one-line reason
 * naming the URL, and the HTTP status when there was one. */
enum kds_status kds_fetch_vcek(struct kds_client *k, enum snp_product product, const uint8_t chip_id[64],
			       struct snp_tcb tcb, uint8_t **der, size_t *der_len, char *err, size_t err_len);

/* ASK then ARK (PEM) from /vcek/v1/{P}/cert_chain, or ASVK then ARK from
 * /vlek/v1/{P}/cert_chain. *pem is NUL-terminated; *pem_len excludes the NUL.
 * A body containing a NUL byte is KDS_INVALID. */
enum kds_status kds_fetch_cert_chain(struct kds_client *k, enum snp_product product, bool vlek,
				     char **pem, size_t *pem_len, char *err, size_t err_len);

/* DER CRL from /vcek/v1/{P}/crl or /vlek/v1/{P}/crl. */
enum kds_status kds_fetch_crl(struct kds_client *k, enum snp_product product, bool vlek,
			      uint8_t **der, size_t *der_len, char *err, size_t err_len);

/* The URL kds_fetch_vcek would use (for logs, messages and tests); an empty
 * string for an unknown product or when cap is too small (KDS_URL_MAX is
 * always enough). Does not check the chip id. */
void kds_vcek_url(const struct kds_client *k, enum snp_product product, const uint8_t chip_id[64],
		  struct snp_tcb tcb, char *out, size_t cap);

/* requests = HTTP requests started; each that finished is counted once in
 * successes, rate_limited (429) or errors (everything else). coalesced =
 * calls that shared another thread's request; backoff_refusals = calls
 * answered KDS_BACKING_OFF. */
struct kds_stats {
	uint64_t requests, successes, rate_limited, errors, coalesced, backoff_refusals;
};
void kds_stats(struct kds_client *k, struct kds_stats *out);

/* "KDS_OK", "KDS_NOT_FOUND", ... for logs and test messages. */
const char *kds_status_name(enum kds_status status);

#endif
