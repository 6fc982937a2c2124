/* certs/ca_tool.c: creates a development CA and its server and client key pairs in Keylime's
 * cv_ca layout, so Keylime tools and Trustee's KBS can use the folder as it is. Only what is
 * missing is created; existing files are never overwritten, and half-present pairs are refused
 * rather than repaired, so a folder never silently gets a second CA. */
#include "ca_tool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

enum {
    KEY_BITS = 2048,
    SERIAL_BYTES = 16,
    CA_DAYS = 3650,
    LEAF_DAYS = 730,
    CLOCK_SKEW_SECONDS = 3600,
    DNS_NAME_MAX = 253,
    DNS_LABEL_MAX = 63,
};

/* One key pair: its three files (Keylime's names) and the certificate it gets. */
struct pair_spec {
    const char *cert_file;
    const char *key_file;
    const char *pub_file;
    const char *org; /* NULL: subject has no O */
    const char *cn;
    int days;
    const char *basic_constraints;
    const char *key_usage;
    const char *ext_key_usage; /* NULL: no extendedKeyUsage */
    bool with_sans;
};

/* Which of a pair's files are present. */
struct pair_state {
    bool cert;
    bool key;
    bool pub;
};

static const struct pair_spec CA_SPEC = {
    .cert_file = "cacert.crt",
    .key_file = "ca-private.pem",
    .pub_file = "ca-public.pem",
    .org = "teev",
    .cn = "teev development CA",
    .days = CA_DAYS,
    .basic_constraints = "critical,CA:TRUE",
    .key_usage = "critical,keyCertSign,cRLSign",
    .ext_key_usage = NULL,
    .with_sans = false,
};

static const struct pair_spec LEAF_SPECS[] = {
    {
        .cert_file = "server-cert.crt",
        .key_file = "server-private.pem",
        .pub_file = "server-public.pem",
        .org = NULL,
        .cn = "server",
        .days = LEAF_DAYS,
        .basic_constraints = "CA:FALSE",
        .key_usage = "critical,digitalSignature,keyEncipherment",
        .ext_key_usage = "serverAuth",
        .with_sans = true,
    },
    {
        .cert_file = "client-cert.crt",
        .key_file = "client-private.pem",
        .pub_file = "client-public.pem",
        .org = NULL,
        .cn = "client",
        .days = LEAF_DAYS,
        .basic_constraints = "CA:FALSE",
        .key_usage = "critical,digitalSignature,keyEncipherment",
        .ext_key_usage = "clientAuth",
        .with_sans = false,
    },
};

enum { N_LEAVES = sizeof(LEAF_SPECS) / sizeof(LEAF_SPECS[0]) };

/* Names every server certificate carries, so local clients work without --san. */
static const char *const DEFAULT_SANS[] = {"localhost", "127.0.0.1", "::1"};

enum pem_kind { PEM_OUT_CERT, PEM_OUT_PRIVATE, PEM_OUT_PUBLIC };

/* Where the new files go and what was written so far; passed down instead of five arguments. */
struct out_dir {
    int fd;
    const char *path;
    int created;
    char *err;
    size_t err_len;
};

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t err_len,
                                                           const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || err_len == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

/* Appends OpenSSL's most recent reason, then clears its queue so a later message is not
 * blamed on this failure. */
__attribute__((format(printf, 3, 4))) static void set_crypto_err(char *err, size_t err_len,
                                                                  const char *fmt, ...)
{
    char what[256];
    char why[256];
    unsigned long code = ERR_peek_last_error();
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (code != 0)
        ERR_error_string_n(code, why, sizeof(why));
    else
        snprintf(why, sizeof(why), "no detail from OpenSSL");
    ERR_clear_error();
    set_err(err, err_len, "%s: %s", what, why);
}

static bool parse_ip(const char *s, unsigned char *buf, int *len)
{
    if (inet_pton(AF_INET, s, buf) == 1) {
        *len = 4;
        return true;
    }
    if (inet_pton(AF_INET6, s, buf) == 1) {
        *len = 16;
        return true;
    }
    return false;
}

static bool is_ldh(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

/* Extra names come from an operator's command line; refusing anything that is not a plain
 * host name (optionally "*." first) keeps a typo from becoming a certificate no client accepts. */
static bool dns_name_ok(const char *s)
{
    size_t len = strlen(s);
    size_t label = 0;
    size_t i = 0;

    if (len == 0 || len > DNS_NAME_MAX)
        return false;
    if (strncmp(s, "*.", 2) == 0)
        i = 2;
    for (; i <= len; i++) {
        if (s[i] == '.' || s[i] == '\0') {
            if (label == 0 || label > DNS_LABEL_MAX)
                return false;
            label = 0;
            continue;
        }
        if (!is_ldh(s[i]))
            return false;
        label++;
    }
    return true;
}

static bool has_control_char(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    }
    return false;
}

static int check_sans(const char *const *sans, size_t n, char *err, size_t err_len)
{
    unsigned char ip[16];
    int ip_len;

    if (n > 0 && sans == NULL) {
        set_err(err, err_len, "extra SAN list is NULL but its count is %zu", n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (sans[i] == NULL) {
            set_err(err, err_len, "extra SAN %zu is NULL", i + 1);
            return -1;
        }
        if (parse_ip(sans[i], ip, &ip_len) || dns_name_ok(sans[i]))
            continue;
        /* Quoting a value with control characters would break the one-line message. */
        if (has_control_char(sans[i]))
            set_err(err, err_len, "invalid SAN %zu: contains a control character", i + 1);
        else
            set_err(err, err_len, "invalid SAN \"%.80s\": not an IPv4/IPv6 address or DNS name",
                    sans[i]);
        return -1;
    }
    return 0;
}

/* mkdir -p; every directory it creates is 0700 because the last one holds private keys and
 * the ones above it exist only for it. Existing directories keep their mode. */
static int make_dirs(const char *dir, char *err, size_t err_len)
{
    int rc = -1;
    char *path = strdup(dir);
    size_t len;

    if (path == NULL) {
        set_err(err, err_len, "out of memory");
        goto out;
    }
    len = strlen(path);
    for (size_t i = 1; i <= len; i++) {
        int made;

        if (path[i] != '/' && path[i] != '\0')
            continue;
        path[i] = '\0';
        made = mkdir(path, 0700);
        if (made != 0 && errno != EEXIST) {
            set_err(err, err_len, "cannot create directory %s: %s", path, strerror(errno));
            goto out;
        }
        if (i < len)
            path[i] = '/';
    }
    rc = 0;
out:
    free(path);
    return rc;
}

static int stat_file(const struct out_dir *od, const char *name, bool *present)
{
    struct stat st;

    if (fstatat(od->fd, name, &st, 0) != 0) {
        if (errno == ENOENT) {
            *present = false;
            return 0;
        }
        set_err(od->err, od->err_len, "cannot stat %s/%s: %s", od->path, name, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        set_err(od->err, od->err_len, "%s/%s exists but is not a regular file", od->path, name);
        return -1;
    }
    *present = true;
    return 0;
}

static int stat_pair(const struct out_dir *od, const struct pair_spec *spec, struct pair_state *st)
{
    if (stat_file(od, spec->cert_file, &st->cert) != 0)
        return -1;
    if (stat_file(od, spec->key_file, &st->key) != 0)
        return -1;
    return stat_file(od, spec->pub_file, &st->pub);
}

/* A pair with some files but not its certificate and key together is something this tool
 * cannot complete without guessing which half is wanted, so it is refused. */
static int check_pair(const struct out_dir *od, const struct pair_spec *spec,
                      const struct pair_state *st)
{
    const char *d = od->path;

    if (st->key && !st->cert) {
        set_err(od->err, od->err_len, "%s/%s exists but its certificate %s/%s is missing", d,
                spec->key_file, d, spec->cert_file);
        return -1;
    }
    if (st->cert && !st->key) {
        set_err(od->err, od->err_len, "%s/%s exists but its private key %s/%s is missing", d,
                spec->cert_file, d, spec->key_file);
        return -1;
    }
    if (st->pub && !st->key) {
        set_err(od->err, od->err_len, "%s/%s exists but its private key %s/%s is missing", d,
                spec->pub_file, d, spec->key_file);
        return -1;
    }
    return 0;
}

/* Leaves issued by a CA that is gone must not be joined by a new CA: the folder would then
 * hold certificates that no longer chain to its cacert.crt. */
static int refuse_leaves_without_ca(const struct out_dir *od, const struct pair_state *leaves)
{
    for (size_t i = 0; i < N_LEAVES; i++) {
        const char *name = NULL;

        if (leaves[i].cert)
            name = LEAF_SPECS[i].cert_file;
        else if (leaves[i].key)
            name = LEAF_SPECS[i].key_file;
        else if (leaves[i].pub)
            name = LEAF_SPECS[i].pub_file;
        if (name != NULL) {
            set_err(od->err, od->err_len,
                    "%s/%s exists but the CA key %s/%s and certificate %s are missing; "
                    "refusing to create a second CA",
                    od->path, name, od->path, CA_SPEC.key_file, CA_SPEC.cert_file);
            return -1;
        }
    }
    return 0;
}

static int write_new_file(struct out_dir *od, const char *name, mode_t mode, const char *data,
                          size_t len)
{
    int rc = -1;
    /* O_EXCL: never replace a file, not even one that appeared since the check. */
    int fd = openat(od->fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

    if (fd < 0) {
        set_err(od->err, od->err_len, "cannot create %s/%s: %s", od->path, name,
                strerror(errno));
        goto out;
    }
    /* Counted as soon as it exists, so a failure report says what is now on disk. */
    od->created++;
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            set_err(od->err, od->err_len, "cannot write %s/%s: %s", od->path, name,
                    strerror(errno));
            goto out;
        }
        data += n;
        len -= (size_t)n;
    }
    if (fsync(fd) != 0) {
        set_err(od->err, od->err_len, "cannot sync %s/%s: %s", od->path, name, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0 && close(fd) != 0 && rc == 0) {
        set_err(od->err, od->err_len, "cannot close %s/%s: %s", od->path, name, strerror(errno));
        rc = -1;
    }
    return rc;
}

/* Private keys are PKCS#8 "BEGIN PRIVATE KEY", public keys SPKI "BEGIN PUBLIC KEY": the forms
 * Keylime writes and the KBS parses. */
static int write_pem(struct out_dir *od, const char *name, enum pem_kind kind, X509 *cert,
                     EVP_PKEY *key)
{
    int rc = -1;
    int ok = 0;
    /* Secure-heap memory is cleansed when freed, so the key's PEM does not linger in the heap. */
    BIO *bio = BIO_new(kind == PEM_OUT_PRIVATE ? BIO_s_secmem() : BIO_s_mem());
    char *data = NULL;
    long len;

    if (bio == NULL) {
        set_crypto_err(od->err, od->err_len, "cannot encode %s/%s", od->path, name);
        goto out;
    }
    switch (kind) {
    case PEM_OUT_CERT:
        ok = PEM_write_bio_X509(bio, cert);
        break;
    case PEM_OUT_PRIVATE:
        ok = PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
        break;
    case PEM_OUT_PUBLIC:
        ok = PEM_write_bio_PUBKEY(bio, key);
        break;
    }
    len = BIO_get_mem_data(bio, &data);
    if (ok != 1 || len <= 0) {
        set_crypto_err(od->err, od->err_len, "cannot encode %s/%s", od->path, name);
        goto out;
    }
    rc = write_new_file(od, name, kind == PEM_OUT_PRIVATE ? 0600 : 0644, data, (size_t)len);
out:
    BIO_free(bio);
    return rc;
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

static BIO *open_existing(const struct out_dir *od, const char *name)
{
    BIO *bio;
    int fd = openat(od->fd, name, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        set_err(od->err, od->err_len, "cannot open %s/%s: %s", od->path, name, strerror(errno));
        return NULL;
    }
    bio = BIO_new_fd(fd, BIO_CLOSE);
    if (bio == NULL) {
        close(fd);
        set_crypto_err(od->err, od->err_len, "cannot read %s/%s", od->path, name);
    }
    return bio;
}

static int load_cert(const struct out_dir *od, const char *name, X509 **out)
{
    int rc = -1;
    BIO *bio = open_existing(od, name);

    if (bio == NULL)
        goto out;
    *out = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
    if (*out == NULL) {
        set_crypto_err(od->err, od->err_len, "cannot parse %s/%s as a PEM certificate",
                       od->path, name);
        goto out;
    }
    rc = 0;
out:
    BIO_free(bio);
    return rc;
}

static int load_key(const struct out_dir *od, const char *name, EVP_PKEY **out)
{
    int rc = -1;
    BIO *bio = open_existing(od, name);

    if (bio == NULL)
        goto out;
    *out = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    if (*out == NULL) {
        set_crypto_err(od->err, od->err_len,
                       "cannot parse %s/%s as an unencrypted PEM private key", od->path, name);
        goto out;
    }
    rc = 0;
out:
    BIO_free(bio);
    return rc;
}

/* A CA brought by the operator is used as it is, provided its key signs for its certificate. */
static int load_ca(struct out_dir *od, X509 **cert, EVP_PKEY **key)
{
    if (load_cert(od, CA_SPEC.cert_file, cert) != 0)
        return -1;
    if (load_key(od, CA_SPEC.key_file, key) != 0)
        return -1;
    if (X509_check_private_key(*cert, *key) != 1) {
        ERR_clear_error();
        set_err(od->err, od->err_len, "%s/%s does not belong to %s/%s", od->path,
                CA_SPEC.key_file, od->path, CA_SPEC.cert_file);
        return -1;
    }
    if (X509_check_ca(*cert) == 0) {
        set_err(od->err, od->err_len, "%s/%s is not a CA certificate", od->path,
                CA_SPEC.cert_file);
        return -1;
    }
    return 0;
}

/* 16 random bytes with the top bit clear: positive, and 16 bytes once DER-encoded. */
static int set_random_serial(X509 *cert)
{
    int rc = -1;
    unsigned char buf[SERIAL_BYTES];
    BIGNUM *bn = NULL;

    if (RAND_bytes(buf, sizeof(buf)) != 1)
        goto out;
    buf[0] &= 0x7f;
    bn = BN_bin2bn(buf, sizeof(buf), NULL);
    if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == NULL)
        goto out;
    rc = 0;
out:
    BN_free(bn);
    return rc;
}

static int add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    int ok = ext != NULL && X509_add_ext(cert, ext, -1) == 1;

    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static int push_name(GENERAL_NAMES *names, const char *value)
{
    int rc = -1;
    unsigned char ip[16];
    int ip_len = 0;
    bool is_ip = parse_ip(value, ip, &ip_len);
    GENERAL_NAME *gen = GENERAL_NAME_new();
    ASN1_STRING *str = is_ip ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();

    if (gen == NULL || str == NULL)
        goto out;
    if (is_ip ? !ASN1_STRING_set(str, ip, ip_len) : !ASN1_STRING_set(str, value, -1))
        goto out;
    GENERAL_NAME_set0_value(gen, is_ip ? GEN_IPADD : GEN_DNS, str);
    str = NULL;
    if (sk_GENERAL_NAME_push(names, gen) <= 0)
        goto out;
    gen = NULL;
    rc = 0;
out:
    ASN1_STRING_free(str);
    GENERAL_NAME_free(gen);
    return rc;
}

/* Built as structures, not as an OpenSSL config string, so a comma in an operator's name
 * cannot smuggle in another entry. */
static int add_sans(X509 *cert, const char *const *extra, size_t n_extra)
{
    int rc = -1;
    GENERAL_NAMES *names = GENERAL_NAMES_new();

    if (names == NULL)
        goto out;
    for (size_t i = 0; i < sizeof(DEFAULT_SANS) / sizeof(DEFAULT_SANS[0]); i++) {
        if (push_name(names, DEFAULT_SANS[i]) != 0)
            goto out;
    }
    for (size_t i = 0; i < n_extra; i++) {
        if (push_name(names, extra[i]) != 0)
            goto out;
    }
    if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT) != 1)
        goto out;
    rc = 0;
out:
    GENERAL_NAMES_free(names);
    return rc;
}

static int set_subject(X509 *cert, const struct pair_spec *spec)
{
    X509_NAME *name = X509_get_subject_name(cert);

    if (spec->org != NULL &&
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)spec->org,
                                    -1, -1, 0))
        return -1;
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)spec->cn,
                                    -1, -1, 0))
        return -1;
    return 0;
}

/* issuer NULL: self-signed with key. */
static int build_cert(const struct pair_spec *spec, EVP_PKEY *key, X509 *issuer,
                      EVP_PKEY *issuer_key, const char *const *extra_sans, size_t n_extra_sans,
                      X509 **out)
{
    int rc = -1;
    X509 *cert = X509_new();
    X509V3_CTX ctx;
    /* One clock reading for both ends, so the validity period is exact. */
    time_t now = time(NULL);

    if (cert == NULL || X509_set_version(cert, X509_VERSION_3) != 1 ||
        set_random_serial(cert) != 0)
        goto out;
    /* An hour back: a peer whose clock runs a little behind must still accept it. */
    if (X509_time_adj_ex(X509_getm_notBefore(cert), 0, -CLOCK_SKEW_SECONDS, &now) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(cert), spec->days, 0, &now) == NULL)
        goto out;
    if (set_subject(cert, spec) != 0)
        goto out;
    if (X509_set_issuer_name(cert, X509_get_subject_name(issuer != NULL ? issuer : cert)) != 1 ||
        X509_set_pubkey(cert, key) != 1)
        goto out;

    X509V3_set_ctx(&ctx, issuer != NULL ? issuer : cert, cert, NULL, NULL, 0);
    X509V3_set_ctx_nodb(&ctx);
    if (add_ext(cert, &ctx, NID_basic_constraints, spec->basic_constraints) != 0 ||
        add_ext(cert, &ctx, NID_key_usage, spec->key_usage) != 0 ||
        add_ext(cert, &ctx, NID_subject_key_identifier, "hash") != 0)
        goto out;
    /* Also on the self-signed CA: Python 3.13's strict verification (Keylime's tools) wants it. */
    if (add_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always") != 0)
        goto out;
    if (spec->ext_key_usage != NULL &&
        add_ext(cert, &ctx, NID_ext_key_usage, spec->ext_key_usage) != 0)
        goto out;
    if (spec->with_sans && add_sans(cert, extra_sans, n_extra_sans) != 0)
        goto out;
    if (X509_sign(cert, issuer_key != NULL ? issuer_key : key, EVP_sha256()) <= 0)
        goto out;

    *out = cert;
    cert = NULL;
    rc = 0;
out:
    X509_free(cert);
    return rc;
}

/* Key first: if writing stops half way, the folder holds a key without a certificate (refused
 * next time, nothing lost) rather than a certificate whose key was never stored. */
static int create_pair(struct out_dir *od, const struct pair_spec *spec, X509 *issuer,
                       EVP_PKEY *issuer_key, const char *const *extra_sans, size_t n_extra_sans,
                       X509 **cert_out, EVP_PKEY **key_out)
{
    int rc = -1;
    X509 *cert = NULL;
    EVP_PKEY *key = EVP_RSA_gen(KEY_BITS);

    if (key == NULL) {
        set_crypto_err(od->err, od->err_len, "cannot generate the key for %s/%s", od->path,
                       spec->key_file);
        goto out;
    }
    if (build_cert(spec, key, issuer, issuer_key, extra_sans, n_extra_sans, &cert) != 0) {
        set_crypto_err(od->err, od->err_len, "cannot build %s/%s", od->path, spec->cert_file);
        goto out;
    }
    if (write_pem(od, spec->key_file, PEM_OUT_PRIVATE, NULL, key) != 0 ||
        write_pem(od, spec->cert_file, PEM_OUT_CERT, cert, NULL) != 0 ||
        write_pem(od, spec->pub_file, PEM_OUT_PUBLIC, NULL, key) != 0)
        goto out;
    if (cert_out != NULL) {
        *cert_out = cert;
        cert = NULL;
    }
    if (key_out != NULL) {
        *key_out = key;
        key = NULL;
    }
    rc = 0;
out:
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

/* The public key is fully determined by the private key, so restoring it is no guess. */
static int restore_public(struct out_dir *od, const struct pair_spec *spec)
{
    int rc = -1;
    EVP_PKEY *key = NULL;

    if (load_key(od, spec->key_file, &key) != 0)
        goto out;
    rc = write_pem(od, spec->pub_file, PEM_OUT_PUBLIC, NULL, key);
out:
    EVP_PKEY_free(key);
    return rc;
}

int ca_tool_init(const char *dir, const char *const *extra_sans, size_t n_extra_sans,
                 int *created, char *err, size_t err_len)
{
    int rc = -1;
    struct out_dir od = {.fd = -1, .path = dir, .created = 0, .err = err, .err_len = err_len};
    struct pair_state ca_state = {0};
    struct pair_state leaf_state[N_LEAVES] = {{0}};
    X509 *ca_cert = NULL;
    EVP_PKEY *ca_key = NULL;

    if (err != NULL && err_len > 0)
        err[0] = '\0';
    if (dir == NULL || dir[0] == '\0') {
        set_err(err, err_len, "no CA directory given");
        goto out;
    }
    /* Everything is checked before the first file is written, so a refusal changes nothing. */
    if (check_sans(extra_sans, n_extra_sans, err, err_len) != 0)
        goto out;
    if (make_dirs(dir, err, err_len) != 0)
        goto out;
    od.fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (od.fd < 0) {
        set_err(err, err_len, "cannot open directory %s: %s", dir, strerror(errno));
        goto out;
    }
    if (stat_pair(&od, &CA_SPEC, &ca_state) != 0)
        goto out;
    for (size_t i = 0; i < N_LEAVES; i++) {
        if (stat_pair(&od, &LEAF_SPECS[i], &leaf_state[i]) != 0 ||
            check_pair(&od, &LEAF_SPECS[i], &leaf_state[i]) != 0)
            goto out;
    }
    if (check_pair(&od, &CA_SPEC, &ca_state) != 0)
        goto out;
    if (!ca_state.cert && refuse_leaves_without_ca(&od, leaf_state) != 0)
        goto out;

    if (!ca_state.cert) {
        if (create_pair(&od, &CA_SPEC, NULL, NULL, NULL, 0, &ca_cert, &ca_key) != 0)
            goto out;
    } else {
        if (load_ca(&od, &ca_cert, &ca_key) != 0)
            goto out;
        if (!ca_state.pub && write_pem(&od, CA_SPEC.pub_file, PEM_OUT_PUBLIC, NULL, ca_key) != 0)
            goto out;
    }
    for (size_t i = 0; i < N_LEAVES; i++) {
        const struct pair_spec *spec = &LEAF_SPECS[i];

        if (!leaf_state[i].cert) {
            if (create_pair(&od, spec, ca_cert, ca_key, extra_sans, n_extra_sans, NULL, NULL) != 0)
                goto out;
        } else if (!leaf_state[i].pub) {
            if (restore_public(&od, spec) != 0)
                goto out;
        }
    }
    /* Makes the new names durable; some file systems cannot sync a directory (EINVAL), which
     * is no reason to report failure for files already written and synced. */
    if (od.created > 0 && fsync(od.fd) != 0 && errno != EINVAL) {
        set_err(err, err_len, "cannot sync directory %s: %s", dir, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (created != NULL)
        *created = od.created;
    if (od.fd >= 0)
        close(od.fd);
    X509_free(ca_cert);
    EVP_PKEY_free(ca_key);
    return rc;
}

/* True when names holds value: a DNS name without regard to case, an IP address by value. */
static bool names_contain(const GENERAL_NAMES *names, const char *value)
{
    unsigned char ip[16];
    int ip_len = 0;
    bool is_ip = parse_ip(value, ip, &ip_len);

    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *gen = sk_GENERAL_NAME_value(names, i);
        int type = 0;
        const ASN1_STRING *str = GENERAL_NAME_get0_value(gen, &type);

        if (is_ip && type == GEN_IPADD && ASN1_STRING_length(str) == ip_len &&
            memcmp(ASN1_STRING_get0_data(str), ip, (size_t)ip_len) == 0)
            return true;
        if (!is_ip && type == GEN_DNS && (size_t)ASN1_STRING_length(str) == strlen(value) &&
            strncasecmp((const char *)ASN1_STRING_get0_data(str), value, strlen(value)) == 0)
            return true;
    }
    return false;
}

static int open_dir(struct out_dir *od, const char *dir, char *err, size_t err_len)
{
    od->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    od->path = dir;
    od->err = err;
    od->err_len = err_len;
    if (od->fd < 0) {
        set_err(err, err_len, "cannot open directory %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

int ca_tool_server_sans_missing(const char *dir, const char *const *sans, size_t n_sans,
                                size_t *missing, char *err, size_t err_len)
{
    struct out_dir od = {.fd = -1};
    X509 *cert = NULL;
    GENERAL_NAMES *names = NULL;
    int count = -1;

    if (open_dir(&od, dir, err, err_len) != 0 ||
        load_cert(&od, LEAF_SPECS[0].cert_file, &cert) != 0)
        goto out;
    names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    count = 0;
    for (size_t i = 0; i < n_sans; i++) {
        if (names == NULL || !names_contain(names, sans[i]))
            missing[count++] = i;
    }
out:
    GENERAL_NAMES_free(names);
    X509_free(cert);
    if (od.fd >= 0)
        close(od.fd);
    return count;
}

int ca_tool_reissue_server(const char *dir, const char *const *extra_sans, size_t n_extra_sans,
                           char *err, size_t err_len)
{
    const struct pair_spec *spec = &LEAF_SPECS[0];
    struct out_dir od = {.fd = -1};
    X509 *ca_cert = NULL, *cert = NULL;
    EVP_PKEY *ca_key = NULL, *key = NULL;
    char tmp[64];
    int rc = -1;

    if (check_sans(extra_sans, n_extra_sans, err, err_len) != 0 ||
        open_dir(&od, dir, err, err_len) != 0 || load_ca(&od, &ca_cert, &ca_key) != 0 ||
        load_key(&od, spec->key_file, &key) != 0)
        goto out;
    if (build_cert(spec, key, ca_cert, ca_key, extra_sans, n_extra_sans, &cert) != 0) {
        set_crypto_err(err, err_len, "cannot build %s/%s", dir, spec->cert_file);
        goto out;
    }
    /* Written beside the old one, then renamed over it: a reader (a running teev on SIGHUP)
     * sees the old certificate or the new one, never half of one. */
    snprintf(tmp, sizeof(tmp), "%s.new-%ld", spec->cert_file, (long)getpid());
    unlinkat(od.fd, tmp, 0);
    if (write_pem(&od, tmp, PEM_OUT_CERT, cert, NULL) != 0)
        goto out;
    if (renameat(od.fd, tmp, od.fd, spec->cert_file) != 0 || fsync(od.fd) != 0) {
        set_err(err, err_len, "cannot replace %s/%s: %s", dir, spec->cert_file, strerror(errno));
        unlinkat(od.fd, tmp, 0);
        goto out;
    }
    rc = 0;
out:
    X509_free(cert);
    X509_free(ca_cert);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    if (od.fd >= 0)
        close(od.fd);
    return rc;
}
