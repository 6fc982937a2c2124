/* result_keys.c - the result-signing key files (see result_keys.h). */
#include "certs/result_keys.h"

#include "verifier/bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A PEM key file is a few KB; a previous file holds a few of them. */
#define KEY_FILE_MAX ((size_t)64 * 1024)
#define PATH_MAX_LEN 4096

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t cap, const char *fmt,
							  ...)
{
	va_list ap;

	if (!err || cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
}

static int path_of(const char *dir, const char *name, char *out, char *err, size_t cap)
{
	int n = snprintf(out, PATH_MAX_LEN, "%s/%s", dir, name);

	if (n < 0 || n >= PATH_MAX_LEN) {
		set_err(err, cap, "path %s/%s is too long", dir, name);
		return -1;
	}
	return 0;
}

/* 1 present (regular file), 0 absent, -1 error. */
static int file_present(const char *dir, const char *name, char *err, size_t cap)
{
	char path[PATH_MAX_LEN];
	struct stat st;

	if (path_of(dir, name, path, err, cap))
		return -1;
	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		set_err(err, cap, "cannot stat %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, cap, "%s exists but is not a regular file", path);
		return -1;
	}
	return 1;
}

/* An encrypted key is refused instead of letting OpenSSL prompt on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static char *read_text(const char *dir, const char *name, size_t *len, char *err, size_t cap)
{
	char path[PATH_MAX_LEN], why[512];
	uint8_t *data;

	if (path_of(dir, name, path, err, cap))
		return NULL;
	data = bytes_read_file(path, KEY_FILE_MAX, len, why, sizeof(why));
	if (!data)
		set_err(err, cap, "%s", why);
	return (char *)data;
}

static EVP_PKEY *read_private(const char *dir, char *err, size_t cap)
{
	size_t len = 0;
	char *text = read_text(dir, RESULT_KEY_PRIVATE_FILE, &len, err, cap);
	BIO *bio = text ? BIO_new_mem_buf(text, (int)len) : NULL;
	EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;

	if (text && !pkey)
		set_err(err, cap, "%s/%s is not an unencrypted PEM private key", dir,
			RESULT_KEY_PRIVATE_FILE);
	ERR_clear_error();
	BIO_free(bio);
	if (text)
		OPENSSL_cleanse(text, len);
	free(text);
	return pkey;
}

int result_keys_parse_pem(const char *text, size_t len, struct jose_keyset *out, char *err,
			  size_t cap)
{
	BIO *bio = BIO_new_mem_buf(text, (int)len);
	int rc = -1, blocks = 0;

	if (!bio || len > KEY_FILE_MAX) {
		set_err(err, cap, "cannot read PEM text of %zu bytes", len);
		goto out;
	}
	for (;;) {
		char *name = NULL, *header = NULL;
		unsigned char *der = NULL;
		const unsigned char *p;
		long der_len = 0;
		EVP_PKEY *pkey = NULL;
		struct jose_key key;
		char why[256];
		int ok = -1;

		if (PEM_read_bio(bio, &name, &header, &der, &der_len) != 1) {
			unsigned long e = ERR_peek_last_error();

			ERR_clear_error();
			/* The end of the text (an empty previous file drops every old key). */
			if (ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
				rc = 0;
			else
				set_err(err, cap, "PEM block %d does not parse", blocks + 1);
			break;
		}
		blocks++;
		p = der;
		if (strcmp(name, "PUBLIC KEY") != 0)
			set_err(err, cap,
				"PEM block %d is a %s: only PUBLIC KEY blocks belong here", blocks,
				name);
		else if (!(pkey = d2i_PUBKEY(NULL, &p, der_len)) || p != der + der_len)
			set_err(err, cap, "PEM block %d is not a public key", blocks);
		else if (jose_key_from_pkey(pkey, &key, why, sizeof(why)))
			set_err(err, cap, "PEM block %d: %s", blocks, why);
		else {
			ok = 0;
			/* The same key twice is published once. */
			bool seen = false;
			for (size_t i = 0; i < out->count; i++)
				seen = seen || jose_key_same_public(&out->keys[i], &key);
			if (!seen && jose_keyset_add(out, &key, why, sizeof(why))) {
				set_err(err, cap, "PEM block %d: %s", blocks, why);
				ok = -1;
			}
			jose_key_clear(&key);
		}
		ERR_clear_error();
		EVP_PKEY_free(pkey);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		if (ok)
			break;
	}
out:
	BIO_free(bio);
	return rc;
}

/* Adds dir/name's public keys to set. Absent and optional: nothing added;
 * not optional: the file must hold exactly one key. */
static int add_pem_file(const char *dir, const char *name, bool optional, struct jose_keyset *set,
			char *err, size_t cap)
{
	size_t before = set->count;
	char why[512];
	size_t len = 0;
	char *text;
	int present = file_present(dir, name, err, cap);
	int rc;

	if (present < 0)
		return -1;
	if (!present && optional)
		return 0;
	text = read_text(dir, name, &len, err, cap);
	if (!text)
		return -1;
	rc = result_keys_parse_pem(text, len, set, why, sizeof(why));
	if (rc)
		set_err(err, cap, "%s/%s: %s", dir, name, why);
	else if (!optional && set->count != before + 1) {
		set_err(err, cap, "%s/%s must hold exactly one public key", dir, name);
		rc = -1;
	}
	free(text);
	return rc;
}

static void keys_free(struct result_keys *keys)
{
	jose_key_clear(&keys->current);
	jose_keyset_clear(&keys->published);
	free(keys);
}

struct result_keys *result_keys_load(const char *dir, char *err, size_t cap)
{
	struct result_keys *keys = calloc(1, sizeof(*keys));
	struct jose_keyset own = {0};
	EVP_PKEY *pkey = NULL;
	char why[256];
	int present;

	if (!keys) {
		set_err(err, cap, "out of memory");
		return NULL;
	}
	atomic_init(&keys->refs, 1);
	pkey = read_private(dir, err, cap);
	if (!pkey)
		goto fail;
	if (jose_key_from_pkey(pkey, &keys->current, why, sizeof(why))) {
		set_err(err, cap, "%s/%s: %s", dir, RESULT_KEY_PRIVATE_FILE, why);
		goto fail;
	}
	if (jose_keyset_add(&keys->published, &keys->current, why, sizeof(why))) {
		set_err(err, cap, "%s", why);
		goto fail;
	}
	/* The public file is what operators hand to relying parties: it must be this key's. */
	present = file_present(dir, RESULT_KEY_PUBLIC_FILE, err, cap);
	if (present < 0 ||
	    (present && add_pem_file(dir, RESULT_KEY_PUBLIC_FILE, false, &own, err, cap)))
		goto fail;
	if (present && !jose_key_same_public(&own.keys[0], &keys->current)) {
		set_err(err, cap, "%s/%s does not belong to %s/%s", dir, RESULT_KEY_PUBLIC_FILE,
			dir, RESULT_KEY_PRIVATE_FILE);
		goto fail;
	}
	if (add_pem_file(dir, RESULT_KEY_PREVIOUS_FILE, true, &keys->published, err, cap))
		goto fail;
	if (keys->published.count - 1 > RESULT_KEYS_PREVIOUS_MAX) {
		set_err(err, cap, "%s/%s holds %zu keys: at most %d are published", dir,
			RESULT_KEY_PREVIOUS_FILE, keys->published.count - 1,
			RESULT_KEYS_PREVIOUS_MAX);
		goto fail;
	}
	jose_keyset_clear(&own);
	EVP_PKEY_free(pkey);
	return keys;
fail:
	jose_keyset_clear(&own);
	EVP_PKEY_free(pkey);
	keys_free(keys);
	return NULL;
}

struct result_keys *result_keys_get(struct result_keys *keys)
{
	if (keys)
		atomic_fetch_add(&keys->refs, 1);
	return keys;
}

void result_keys_put(struct result_keys *keys)
{
	if (keys && atomic_fetch_sub(&keys->refs, 1) == 1)
		keys_free(keys);
}

int result_keys_load_public(const char *dir, struct jose_keyset *out, char *err, size_t cap)
{
	memset(out, 0, sizeof(*out));
	if (add_pem_file(dir, RESULT_KEY_PUBLIC_FILE, false, out, err, cap) ||
	    add_pem_file(dir, RESULT_KEY_PREVIOUS_FILE, true, out, err, cap)) {
		jose_keyset_clear(out);
		return -1;
	}
	return 0;
}

/* ---- writing ---- */

/* Writes dir/name whole: into dir/name.tmp first (synced), then renamed
 * over name (replace) or linked to it (no replace: fails when it exists).
 * Readers never see half a file. */
static int write_file(const char *dir, const char *name, mode_t mode, const char *data, size_t len,
		      bool replace, char *err, size_t cap)
{
	char path[PATH_MAX_LEN], tmp[PATH_MAX_LEN + 8];
	int fd, rc = -1;

	if (path_of(dir, name, path, err, cap))
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/* A temporary file left by an interrupted run is ours to replace. */
	if (unlink(tmp) != 0 && errno != ENOENT) {
		set_err(err, cap, "cannot remove %s: %s", tmp, strerror(errno));
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		set_err(err, cap, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			set_err(err, cap, "cannot write %s: %s", tmp, strerror(errno));
			goto out;
		}
		data += n;
		len -= (size_t)n;
	}
	if (fsync(fd) != 0) {
		set_err(err, cap, "cannot sync %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (replace ? rename(tmp, path) != 0 : link(tmp, path) != 0) {
		set_err(err, cap, "cannot %s %s: %s", replace ? "replace" : "create", path,
			strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(fd);
	unlink(tmp);
	return rc;
}

static int sync_dir(const char *dir, char *err, size_t cap)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	/* Some file systems cannot sync a directory (EINVAL): the files are synced. */
	if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL)) {
		set_err(err, cap, "cannot sync directory %s: %s", dir, strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The key as PEM text (private: PKCS#8 in secure memory, cleansed when freed). */
static char *pem_text(EVP_PKEY *pkey, bool private_part, size_t *len)
{
	BIO *bio = BIO_new(private_part ? BIO_s_secmem() : BIO_s_mem());
	char *data = NULL, *copy = NULL;
	long n;
	int ok;

	if (!bio)
		return NULL;
	ok = private_part ? PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)
			  : PEM_write_bio_PUBKEY(bio, pkey);
	n = BIO_get_mem_data(bio, &data);
	if (ok == 1 && n > 0) {
		copy = malloc((size_t)n + 1);
		if (copy) {
			memcpy(copy, data, (size_t)n);
			copy[n] = '\0';
			*len = (size_t)n;
		}
	}
	ERR_clear_error();
	BIO_free(bio);
	return copy;
}

static void free_secret(char *text, size_t len)
{
	if (text)
		OPENSSL_cleanse(text, len);
	free(text);
}

static EVP_PKEY *generate(enum jose_alg alg, char *err, size_t cap)
{
	EVP_PKEY *pkey = alg == JOSE_RS256 ? EVP_RSA_gen(RESULT_KEY_RSA_BITS) : EVP_EC_gen("P-256");

	if (!pkey)
		set_err(err, cap, "cannot generate a %s key", jose_alg_name(alg));
	ERR_clear_error();
	return pkey;
}

/* Private key first: a run stopped half way leaves a key without its public
 * file, which the next run restores. */
static int write_pair(const char *dir, EVP_PKEY *pkey, bool replace, int *created, char *err,
		      size_t cap)
{
	size_t priv_len = 0, pub_len = 0;
	char *priv = pem_text(pkey, true, &priv_len);
	char *pub = pem_text(pkey, false, &pub_len);
	int rc = -1;

	if (!priv || !pub) {
		set_err(err, cap, "cannot encode the result-signing key");
		goto out;
	}
	if (write_file(dir, RESULT_KEY_PRIVATE_FILE, 0600, priv, priv_len, replace, err, cap))
		goto out;
	(*created)++;
	if (write_file(dir, RESULT_KEY_PUBLIC_FILE, 0644, pub, pub_len, replace, err, cap))
		goto out;
	(*created)++;
	rc = 0;
out:
	free_secret(priv, priv_len);
	free(pub);
	return rc;
}

int result_keys_create(const char *dir, enum jose_alg alg, int *created, char *err, size_t cap)
{
	int have_private = file_present(dir, RESULT_KEY_PRIVATE_FILE, err, cap);
	int have_public = file_present(dir, RESULT_KEY_PUBLIC_FILE, err, cap);
	EVP_PKEY *pkey = NULL;
	struct jose_key key = {0};
	size_t pub_len = 0;
	char *pub = NULL, why[256];
	int written = 0, rc = -1;

	if (have_private < 0 || have_public < 0)
		goto out;
	if (have_private && have_public) {
		rc = 0;
		goto out;
	}
	if (have_public) {
		set_err(err, cap, "%s/%s exists but its private key %s/%s is missing", dir,
			RESULT_KEY_PUBLIC_FILE, dir, RESULT_KEY_PRIVATE_FILE);
		goto out;
	}
	if (have_private) {
		/* The public key follows from the private one: restoring it is no guess. */
		pkey = read_private(dir, err, cap);
		if (!pkey)
			goto out;
		if (jose_key_from_pkey(pkey, &key, why, sizeof(why))) {
			set_err(err, cap, "%s/%s: %s", dir, RESULT_KEY_PRIVATE_FILE, why);
			goto out;
		}
		pub = pem_text(pkey, false, &pub_len);
		if (!pub ||
		    write_file(dir, RESULT_KEY_PUBLIC_FILE, 0644, pub, pub_len, false, err, cap))
			goto out;
		written++;
	} else {
		pkey = generate(alg ? alg : JOSE_ES256, err, cap);
		if (!pkey || write_pair(dir, pkey, false, &written, err, cap))
			goto out;
	}
	rc = sync_dir(dir, err, cap);
out:
	if (created)
		*created += written;
	jose_key_clear(&key);
	free(pub);
	EVP_PKEY_free(pkey);
	return rc;
}

int result_keys_rotate(const char *dir, enum jose_alg alg, char *err, size_t cap)
{
	struct result_keys *keys = result_keys_load(dir, err, cap);
	EVP_PKEY *pkey = NULL;
	char *previous = NULL, *current_pub = NULL, *joined = NULL;
	size_t previous_len = 0, current_len = 0;
	int present, written = 0, rc = -1;

	if (!keys)
		return -1;
	if (keys->published.count - 1 >= RESULT_KEYS_PREVIOUS_MAX) {
		set_err(err, cap,
			"%s/%s already holds %d keys: drop the oldest before rotating again", dir,
			RESULT_KEY_PREVIOUS_FILE, RESULT_KEYS_PREVIOUS_MAX);
		goto out;
	}
	present = file_present(dir, RESULT_KEY_PREVIOUS_FILE, err, cap);
	if (present < 0)
		goto out;
	if (present) {
		previous = read_text(dir, RESULT_KEY_PREVIOUS_FILE, &previous_len, err, cap);
		if (!previous)
			goto out;
	}
	current_pub = pem_text(keys->current.pkey, false, &current_len);
	if (!current_pub || asprintf(&joined, "%s%s%s", previous ? previous : "",
				     previous_len && previous[previous_len - 1] != '\n' ? "\n" : "",
				     current_pub) < 0) {
		joined = NULL;
		set_err(err, cap, "out of memory");
		goto out;
	}
	/* Previous file first: stopped after it, the current key is published
	 * twice (once); stopped before it, nothing changed. */
	if (write_file(dir, RESULT_KEY_PREVIOUS_FILE, 0644, joined, strlen(joined), true, err, cap))
		goto out;
	pkey = generate(alg ? alg : keys->current.alg, err, cap);
	if (!pkey || write_pair(dir, pkey, true, &written, err, cap))
		goto out;
	rc = sync_dir(dir, err, cap);
out:
	free(previous);
	free(current_pub);
	free(joined);
	EVP_PKEY_free(pkey);
	result_keys_put(keys);
	return rc;
}
