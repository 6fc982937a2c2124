/* tests/unit/test_ca_tool.c: unit tests for certs/ca_tool.c (`teev certs init`): the files and
 * their modes, that the certificates chain and carry the right names and purposes, that keys
 * match, and that existing or half-present folders are never overwritten or "repaired".
 * RSA key generation is slow under valgrind, so one reference folder is made by ca_tool_init in
 * the group setup; tests that need an already initialised folder copy it into their own fresh
 * mkdtemp directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certs/ca_tool.h"

enum { PATH_LEN = 512, ERR_LEN = 512 };

static const char *const ALL_FILES[] = {
    "cacert.crt",      "ca-private.pem",     "ca-public.pem",
    "server-cert.crt", "server-private.pem", "server-public.pem",
    "client-cert.crt", "client-private.pem", "client-public.pem",
};
enum { N_FILES = sizeof(ALL_FILES) / sizeof(ALL_FILES[0]) };

static const char *const EXTRA_SANS[] = {"teev.example", "10.1.2.3"};
enum { N_EXTRA_SANS = sizeof(EXTRA_SANS) / sizeof(EXTRA_SANS[0]) };

struct group {
    char ref[PATH_LEN]; /* a complete folder made once by ca_tool_init */
};

struct fixture {
    const struct group *group;
    char dir[PATH_LEN]; /* this test's own empty mkdtemp directory */
};

static void join(char *out, const char *dir, const char *name)
{
    int n = snprintf(out, PATH_LEN, "%s/%s", dir, name);

    assert_true(n > 0 && n < PATH_LEN);
}

static unsigned char *read_all(const char *dir, const char *name, size_t *len)
{
    char path[PATH_LEN];
    FILE *f;
    unsigned char *buf;
    long size;

    join(path, dir, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    buf[size] = '\0';
    fclose(f);
    *len = (size_t)size;
    return buf;
}

static void write_all(const char *dir, const char *name, const void *data, size_t len,
                      mode_t mode)
{
    char path[PATH_LEN];
    int fd;

    join(path, dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

static bool exists(const char *dir, const char *name)
{
    char path[PATH_LEN];
    struct stat st;

    join(path, dir, name);
    return stat(path, &st) == 0;
}

static mode_t mode_of(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static void remove_file(const char *dir, const char *name)
{
    char path[PATH_LEN];

    join(path, dir, name);
    assert_int_equal(unlink(path), 0);
}

static void assert_same_file(const char *dir_a, const char *dir_b, const char *name)
{
    size_t len_a;
    size_t len_b;
    unsigned char *a = read_all(dir_a, name, &len_a);
    unsigned char *b = read_all(dir_b, name, &len_b);

    assert_int_equal(len_a, len_b);
    assert_memory_equal(a, b, len_a);
    free(a);
    free(b);
}

static void copy_file(const char *from, const char *to, const char *name)
{
    char path[PATH_LEN];
    size_t len;
    unsigned char *data = read_all(from, name, &len);

    join(path, from, name);
    write_all(to, name, data, len, mode_of(path));
    free(data);
}

static void copy_reference(const struct fixture *f)
{
    for (size_t i = 0; i < N_FILES; i++)
        copy_file(f->group->ref, f->dir, ALL_FILES[i]);
}

static void remove_tree(const char *path)
{
    struct stat st;
    DIR *d;

    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    d = opendir(path);
    if (d != NULL) {
        for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
            char child[PATH_LEN];

            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            join(child, path, e->d_name);
            remove_tree(child);
        }
        closedir(d);
    }
    rmdir(path);
}

static X509 *load_cert(const char *dir, const char *name)
{
    char path[PATH_LEN];
    BIO *bio;
    X509 *cert;

    join(path, dir, name);
    bio = BIO_new_file(path, "r");
    assert_non_null(bio);
    cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(cert);
    return cert;
}

static EVP_PKEY *load_private(const char *dir, const char *name)
{
    char path[PATH_LEN];
    BIO *bio;
    EVP_PKEY *key;

    join(path, dir, name);
    bio = BIO_new_file(path, "r");
    assert_non_null(bio);
    key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(key);
    return key;
}

static EVP_PKEY *load_public(const char *dir, const char *name)
{
    char path[PATH_LEN];
    BIO *bio;
    EVP_PKEY *key;

    join(path, dir, name);
    bio = BIO_new_file(path, "r");
    assert_non_null(bio);
    key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(key);
    return key;
}

/* Returns X509_verify_cert's verdict for leaf against cacert.crt, with RFC 5280 strict checks
 * on since Python 3.13 clients (Keylime's tenant) turn them on too. */
static int verify_leaf(const char *dir, const char *leaf_name, int purpose)
{
    X509 *ca = load_cert(dir, "cacert.crt");
    X509 *leaf = load_cert(dir, leaf_name);
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok;

    assert_non_null(store);
    assert_non_null(ctx);
    assert_int_equal(X509_STORE_add_cert(store, ca), 1);
    assert_int_equal(X509_STORE_CTX_init(ctx, store, leaf, NULL), 1);
    assert_int_equal(X509_STORE_CTX_set_purpose(ctx, purpose), 1);
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_X509_STRICT);
    ok = X509_verify_cert(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    X509_free(leaf);
    X509_free(ca);
    return ok;
}

static int run_init(const char *dir, const char *const *sans, size_t n, int *created, char *err)
{
    *created = -1;
    memset(err, 'x', ERR_LEN);
    return ca_tool_init(dir, sans, n, created, err, ERR_LEN);
}

static int group_setup(void **state)
{
    struct group *g = calloc(1, sizeof(*g));
    char err[ERR_LEN];
    int created;

    if (g == NULL)
        return -1;
    snprintf(g->ref, sizeof(g->ref), "/tmp/teev-ca-ref-XXXXXX");
    if (mkdtemp(g->ref) == NULL ||
        ca_tool_init(g->ref, EXTRA_SANS, N_EXTRA_SANS, &created, err, sizeof(err)) != 0 ||
        created != N_FILES) {
        fprintf(stderr, "reference folder: %s\n", err);
        free(g);
        return -1;
    }
    *state = g;
    return 0;
}

static int group_teardown(void **state)
{
    struct group *g = *state;

    remove_tree(g->ref);
    free(g);
    return 0;
}

/* cmocka hands each test's setup the group's state; it is kept in the per-test fixture. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    f->group = *state;
    snprintf(f->dir, sizeof(f->dir), "/tmp/teev-ca-test-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    remove_tree(f->dir);
    free(f);
    return 0;
}

static void test_init_creates_all_files_with_modes(void **state)
{
    const struct fixture *f = *state;
    char parent[PATH_LEN];
    char dir[PATH_LEN];
    char path[PATH_LEN];
    char err[ERR_LEN];
    int created;

    /* mkdir -p: both levels are new. */
    join(parent, f->dir, "var");
    join(dir, parent, "cv_ca");
    assert_int_equal(run_init(dir, EXTRA_SANS, N_EXTRA_SANS, &created, err), 0);
    assert_string_equal(err, "");
    assert_int_equal(created, N_FILES);
    assert_int_equal(mode_of(parent), 0700);
    assert_int_equal(mode_of(dir), 0700);
    for (size_t i = 0; i < N_FILES; i++) {
        mode_t mode;

        join(path, dir, ALL_FILES[i]);
        mode = mode_of(path);
        if (strstr(ALL_FILES[i], "-private.pem") != NULL)
            assert_int_equal(mode, 0600);
        else
            assert_int_equal(mode & 0022, 0); /* nobody else may replace a certificate */
    }
    /* Fresh output, not only the reference folder, must chain. */
    assert_int_equal(verify_leaf(dir, "server-cert.crt", X509_PURPOSE_SSL_SERVER), 1);
    assert_int_equal(verify_leaf(dir, "client-cert.crt", X509_PURPOSE_SSL_CLIENT), 1);
}

static void test_server_cert_verifies_and_has_sans(void **state)
{
    const struct fixture *f = *state;
    X509 *cert;
    GENERAL_NAMES *names;

    copy_reference(f);
    assert_int_equal(verify_leaf(f->dir, "server-cert.crt", X509_PURPOSE_SSL_SERVER), 1);

    cert = load_cert(f->dir, "server-cert.crt");
    assert_int_equal(X509_check_host(cert, "localhost", 0, 0, NULL), 1);
    assert_int_equal(X509_check_host(cert, "teev.example", 0, 0, NULL), 1);
    assert_int_equal(X509_check_host(cert, "other.example", 0, 0, NULL), 0);
    assert_int_equal(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
    assert_int_equal(X509_check_ip_asc(cert, "::1", 0), 1);
    assert_int_equal(X509_check_ip_asc(cert, "10.1.2.3", 0), 1);
    assert_int_equal(X509_check_ip_asc(cert, "10.1.2.4", 0), 0);
    /* The extra IP is an iPAddress entry, not a DNS name spelled like an address. */
    assert_int_equal(X509_check_host(cert, "10.1.2.3", 0, 0, NULL), 0);
    names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    assert_non_null(names);
    assert_int_equal(sk_GENERAL_NAME_num(names), 5);
    GENERAL_NAMES_free(names);

    assert_int_equal(X509_get_extended_key_usage(cert), XKU_SSL_SERVER);
    assert_int_equal(X509_get_key_usage(cert), KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
    assert_int_equal(X509_check_ca(cert), 0);
    assert_non_null(X509_get0_authority_key_id(cert));
    X509_free(cert);
}

static void test_client_cert_verifies_for_client_only(void **state)
{
    const struct fixture *f = *state;
    X509 *cert;

    copy_reference(f);
    assert_int_equal(verify_leaf(f->dir, "client-cert.crt", X509_PURPOSE_SSL_CLIENT), 1);
    assert_int_equal(verify_leaf(f->dir, "client-cert.crt", X509_PURPOSE_SSL_SERVER), 0);
    assert_int_equal(verify_leaf(f->dir, "server-cert.crt", X509_PURPOSE_SSL_CLIENT), 0);

    cert = load_cert(f->dir, "client-cert.crt");
    assert_int_equal(X509_get_extended_key_usage(cert), XKU_SSL_CLIENT);
    assert_int_equal(X509_get_key_usage(cert), KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
    assert_int_equal(X509_check_ca(cert), 0);
    assert_non_null(X509_get0_authority_key_id(cert));
    X509_free(cert);
}

static void test_ca_certificate_profile(void **state)
{
    const struct fixture *f = *state;
    X509 *ca;
    X509_NAME *subject;
    char text[128];
    BASIC_CONSTRAINTS *bc;
    int crit = -1;
    int days;
    int secs;

    copy_reference(f);
    ca = load_cert(f->dir, "cacert.crt");
    assert_int_equal(X509_get_version(ca), X509_VERSION_3);
    assert_int_equal(X509_verify(ca, X509_get0_pubkey(ca)), 1);
    subject = X509_get_subject_name(ca);
    assert_int_equal(X509_NAME_cmp(subject, X509_get_issuer_name(ca)), 0);
    assert_true(X509_NAME_get_text_by_NID(subject, NID_commonName, text, sizeof(text)) > 0);
    assert_string_equal(text, "teev development CA");
    assert_true(X509_NAME_get_text_by_NID(subject, NID_organizationName, text, sizeof(text)) > 0);
    assert_string_equal(text, "teev");

    bc = X509_get_ext_d2i(ca, NID_basic_constraints, &crit, NULL);
    assert_non_null(bc);
    assert_true(bc->ca);
    assert_int_equal(crit, 1);
    BASIC_CONSTRAINTS_free(bc);
    assert_true(X509_check_ca(ca) > 0);
    assert_int_equal(X509_get_key_usage(ca), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
    assert_int_equal(X509_EXTENSION_get_critical(
                         X509_get_ext(ca, X509_get_ext_by_NID(ca, NID_key_usage, -1))),
                     1);
    assert_non_null(X509_get0_subject_key_id(ca));
    assert_true(EVP_PKEY_is_a(X509_get0_pubkey(ca), "RSA"));
    assert_int_equal(EVP_PKEY_get_bits(X509_get0_pubkey(ca)), 2048);
    assert_int_equal(X509_get_signature_nid(ca), NID_sha256WithRSAEncryption);

    /* 10 years, started an hour back. */
    assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(ca), X509_get0_notAfter(ca)),
                     1);
    assert_int_equal(days, 3650);
    assert_int_equal(secs, 3600);
    assert_true(X509_cmp_current_time(X509_get0_notBefore(ca)) < 0);
    X509_free(ca);
}

static void test_leaf_validity_and_serials(void **state)
{
    const struct fixture *f = *state;
    const char *const certs[] = {"cacert.crt", "server-cert.crt", "client-cert.crt"};
    BIGNUM *serials[3] = {NULL, NULL, NULL};

    copy_reference(f);
    for (size_t i = 0; i < 3; i++) {
        X509 *cert = load_cert(f->dir, certs[i]);
        const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
        int days;
        int secs;

        serials[i] = ASN1_INTEGER_to_BN(serial, NULL);
        assert_non_null(serials[i]);
        assert_false(BN_is_negative(serials[i]));
        assert_false(BN_is_zero(serials[i]));
        assert_true(BN_num_bytes(serials[i]) <= 16);
        /* Top bit cleared: DER needs no leading zero octet, so tag + length + at most 16. */
        assert_true(i2d_ASN1_INTEGER(serial, NULL) <= 18);
        /* 16 random bytes: at least one of the first three is non-zero, barring 2^-24 luck. */
        assert_true(BN_num_bytes(serials[i]) >= 14);
        if (i > 0) {
            assert_int_equal(X509_get_signature_nid(cert), NID_sha256WithRSAEncryption);
            assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert),
                                            X509_get0_notAfter(cert)),
                             1);
            assert_int_equal(days, 730);
            assert_int_equal(secs, 3600);
            assert_true(X509_cmp_current_time(X509_get0_notBefore(cert)) < 0);
        }
        X509_free(cert);
    }
    assert_int_not_equal(BN_cmp(serials[0], serials[1]), 0);
    assert_int_not_equal(BN_cmp(serials[1], serials[2]), 0);
    assert_int_not_equal(BN_cmp(serials[0], serials[2]), 0);
    for (size_t i = 0; i < 3; i++)
        BN_free(serials[i]);
}

static void test_public_keys_match_private_keys(void **state)
{
    const struct fixture *f = *state;
    const char *const prefixes[] = {"ca", "server", "client"};

    copy_reference(f);
    for (size_t i = 0; i < 3; i++) {
        char priv_name[64];
        char pub_name[64];
        size_t len;
        unsigned char *pem;
        EVP_PKEY *priv;
        EVP_PKEY *pub;

        snprintf(priv_name, sizeof(priv_name), "%s-private.pem", prefixes[i]);
        snprintf(pub_name, sizeof(pub_name), "%s-public.pem", prefixes[i]);
        /* The KBS parses these exact PEM forms: SPKI public keys, unencrypted PKCS#8. */
        pem = read_all(f->dir, pub_name, &len);
        assert_memory_equal(pem, "-----BEGIN PUBLIC KEY-----\n", 27);
        free(pem);
        pem = read_all(f->dir, priv_name, &len);
        assert_memory_equal(pem, "-----BEGIN PRIVATE KEY-----\n", 28);
        free(pem);

        priv = load_private(f->dir, priv_name);
        pub = load_public(f->dir, pub_name);
        assert_true(EVP_PKEY_is_a(pub, "RSA"));
        assert_int_equal(EVP_PKEY_get_bits(pub), 2048);
        assert_int_equal(EVP_PKEY_eq(pub, priv), 1);
        EVP_PKEY_free(pub);
        EVP_PKEY_free(priv);
    }
    /* Each certificate carries its own pair's key. */
    {
        X509 *cert = load_cert(f->dir, "server-cert.crt");
        EVP_PKEY *priv = load_private(f->dir, "server-private.pem");

        assert_int_equal(X509_check_private_key(cert, priv), 1);
        EVP_PKEY_free(priv);
        X509_free(cert);
    }
}

static void test_second_call_changes_nothing(void **state)
{
    const struct fixture *f = *state;
    char err[ERR_LEN];
    int created;

    copy_reference(f);
    assert_int_equal(run_init(f->dir, EXTRA_SANS, N_EXTRA_SANS, &created, err), 0);
    assert_int_equal(created, 0);
    assert_string_equal(err, "");
    /* Different extra SANs later do not reissue an existing server certificate either. */
    assert_int_equal(run_init(f->dir, NULL, 0, &created, err), 0);
    assert_int_equal(created, 0);
    for (size_t i = 0; i < N_FILES; i++)
        assert_same_file(f->group->ref, f->dir, ALL_FILES[i]);
}

static void test_orphan_server_key_in_empty_dir_refused(void **state)
{
    const struct fixture *f = *state;
    static const char junk[] = "operator's own key, not ours\n";
    char err[ERR_LEN];
    size_t len;
    unsigned char *after;
    int created;

    write_all(f->dir, "server-private.pem", junk, sizeof(junk) - 1, 0600);
    assert_int_equal(run_init(f->dir, NULL, 0, &created, err), -1);
    assert_int_equal(created, 0);
    assert_non_null(strstr(err, "server-private.pem"));
    assert_non_null(strstr(err, "server-cert.crt"));
    assert_null(strchr(err, '\n'));

    after = read_all(f->dir, "server-private.pem", &len);
    assert_int_equal(len, sizeof(junk) - 1);
    assert_memory_equal(after, junk, len);
    free(after);
    /* Refused before anything was written: no CA appeared beside the orphan. */
    for (size_t i = 0; i < N_FILES; i++) {
        if (strcmp(ALL_FILES[i], "server-private.pem") != 0)
            assert_false(exists(f->dir, ALL_FILES[i]));
    }
}

static void test_orphan_server_key_beside_ca_refused(void **state)
{
    const struct fixture *f = *state;
    static const char junk[] = "-----BEGIN PRIVATE KEY-----\n"
                               "not really\n"
                               "-----END PRIVATE KEY-----\n";
    char err[ERR_LEN];
    size_t len;
    unsigned char *after;
    int created;

    copy_reference(f);
    remove_file(f->dir, "server-cert.crt");
    remove_file(f->dir, "server-private.pem");
    remove_file(f->dir, "server-public.pem");
    write_all(f->dir, "server-private.pem", junk, sizeof(junk) - 1, 0600);

    assert_int_equal(run_init(f->dir, EXTRA_SANS, N_EXTRA_SANS, &created, err), -1);
    assert_int_equal(created, 0);
    assert_non_null(strstr(err, "server-private.pem"));
    assert_non_null(strstr(err, "server-cert.crt"));
    after = read_all(f->dir, "server-private.pem", &len);
    assert_int_equal(len, sizeof(junk) - 1);
    assert_memory_equal(after, junk, len);
    free(after);
    assert_false(exists(f->dir, "server-cert.crt"));
    assert_false(exists(f->dir, "server-public.pem"));
}

static void test_leaf_files_without_ca_key_refused(void **state)
{
    const struct fixture *f = *state;
    char err[ERR_LEN];
    int created;

    copy_reference(f);
    remove_file(f->dir, "ca-private.pem");
    assert_int_equal(run_init(f->dir, NULL, 0, &created, err), -1);
    assert_int_equal(created, 0);
    assert_non_null(strstr(err, "ca-private.pem"));
    assert_false(exists(f->dir, "ca-private.pem"));
    for (size_t i = 0; i < N_FILES; i++) {
        if (strcmp(ALL_FILES[i], "ca-private.pem") != 0)
            assert_same_file(f->group->ref, f->dir, ALL_FILES[i]);
    }
}

static void test_leaf_files_without_any_ca_refused(void **state)
{
    const struct fixture *f = *state;
    char err[ERR_LEN];
    int created;

    copy_reference(f);
    remove_file(f->dir, "cacert.crt");
    remove_file(f->dir, "ca-private.pem");
    remove_file(f->dir, "ca-public.pem");
    assert_int_equal(run_init(f->dir, NULL, 0, &created, err), -1);
    assert_int_equal(created, 0);
    assert_non_null(strstr(err, "ca-private.pem"));
    assert_non_null(strstr(err, "server-cert.crt"));
    assert_false(exists(f->dir, "cacert.crt"));
    assert_false(exists(f->dir, "ca-private.pem"));
    assert_false(exists(f->dir, "ca-public.pem"));
}

static void test_ca_cert_without_key_refused(void **state)
{
    const struct fixture *f = *state;
    char err[ERR_LEN];
    int created;

    copy_file(f->group->ref, f->dir, "cacert.crt");
    assert_int_equal(run_init(f->dir, NULL, 0, &created, err), -1);
    assert_int_equal(created, 0);
    assert_non_null(strstr(err, "cacert.crt"));
    assert_non_null(strstr(err, "ca-private.pem"));
    assert_same_file(f->group->ref, f->dir, "cacert.crt");
    assert_false(exists(f->dir, "ca-private.pem"));
    assert_false(exists(f->dir, "server-cert.crt"));
}

static void test_ca_key_not_matching_cert_refused(void **state)
{
    const struct fixture *f = *state;
    char err[ERR_LEN];
    size_t len;
    unsigned char *other_key;
    int created;

    copy_file(f->group->ref, f->dir, "cacert.crt");
    other_key = read_all(f->group->ref, "client-private.pem", &len);
    write_all(f->dir, "ca-private.pem", other_key, len, 0600);
    free(other_key);
    assert_int_equal(run_init(f->dir, NULL, 0, &created, err), -1);
    assert_int_equal(created, 0);
    assert_non_null(strstr(err, "ca-private.pem"));
    assert_false(exists(f->dir, "server-cert.crt"));
}

static void test_missing_leaf_issued_by_existing_ca(void **state)
{
    const struct fixture *f = *state;
    char err[ERR_LEN];
    int created;

    copy_reference(f);
    remove_file(f->dir, "client-cert.crt");
    remove_file(f->dir, "client-private.pem");
    remove_file(f->dir, "client-public.pem");
    assert_int_equal(run_init(f->dir, NULL, 0, &created, err), 0);
    assert_int_equal(created, 3);
    assert_int_equal(verify_leaf(f->dir, "client-cert.crt", X509_PURPOSE_SSL_CLIENT), 1);
    for (size_t i = 0; i < 6; i++) /* the CA and server files, untouched */
        assert_same_file(f->group->ref, f->dir, ALL_FILES[i]);
}

static void test_missing_public_key_restored(void **state)
{
    const struct fixture *f = *state;
    char err[ERR_LEN];
    int created;

    copy_reference(f);
    remove_file(f->dir, "server-public.pem");
    remove_file(f->dir, "ca-public.pem");
    assert_int_equal(run_init(f->dir, NULL, 0, &created, err), 0);
    assert_int_equal(created, 2);
    /* Derived from the private key, so byte for byte what was there before. */
    for (size_t i = 0; i < N_FILES; i++)
        assert_same_file(f->group->ref, f->dir, ALL_FILES[i]);
}

static void test_invalid_sans_refused_before_writing(void **state)
{
    const struct fixture *f = *state;
    const char *const bad[] = {
        "",            /* empty */
        "bad name",    /* space */
        "evil.example,IP:1.2.3.4", /* would smuggle a second entry into a config string */
        "[::1]",       /* URL-style brackets */
        "a..example",  /* empty label */
        ".example",    /* empty first label */
        "x\nDNS:y",    /* newline */
        "*.",          /* wildcard without a domain */
        "10.1.2.3/24", /* a network, not an address */
    };
    char dir[PATH_LEN];
    char err[ERR_LEN];
    int created;

    join(dir, f->dir, "new");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *const one[] = {"teev.example", bad[i]};

        assert_int_equal(run_init(dir, one, 2, &created, err), -1);
        assert_int_equal(created, 0);
        assert_non_null(strstr(err, "SAN"));
        assert_null(strchr(err, '\n'));
        assert_false(exists(f->dir, "new"));
    }
    /* A NULL list with a count is a caller bug, refused the same way. */
    assert_int_equal(run_init(dir, NULL, 1, &created, err), -1);
    assert_false(exists(f->dir, "new"));
}

static void test_wildcard_and_ipv6_sans_accepted(void **state)
{
    const struct fixture *f = *state;
    const char *const sans[] = {"*.teev.example", "fd00::1", "teev_verifier.local"};
    char err[ERR_LEN];
    int created;
    X509 *cert;

    copy_file(f->group->ref, f->dir, "cacert.crt");
    copy_file(f->group->ref, f->dir, "ca-private.pem");
    copy_file(f->group->ref, f->dir, "ca-public.pem");
    copy_file(f->group->ref, f->dir, "client-cert.crt");
    copy_file(f->group->ref, f->dir, "client-private.pem");
    copy_file(f->group->ref, f->dir, "client-public.pem");
    assert_int_equal(run_init(f->dir, sans, 3, &created, err), 0);
    assert_int_equal(created, 3);
    cert = load_cert(f->dir, "server-cert.crt");
    assert_int_equal(X509_check_host(cert, "a.teev.example", 0, 0, NULL), 1);
    assert_int_equal(X509_check_ip_asc(cert, "fd00::1", 0), 1);
    assert_int_equal(X509_check_ip_asc(cert, "10.1.2.3", 0), 0);
    X509_free(cert);
    assert_int_equal(verify_leaf(f->dir, "server-cert.crt", X509_PURPOSE_SSL_SERVER), 1);
}

static void test_short_err_buffer_is_terminated(void **state)
{
    const struct fixture *f = *state;
    char err[8];
    int created = -1;

    copy_file(f->group->ref, f->dir, "cacert.crt");
    memset(err, 'x', sizeof(err));
    assert_int_equal(ca_tool_init(f->dir, NULL, 0, &created, err, sizeof(err)), -1);
    assert_int_equal(created, 0);
    assert_int_equal(strlen(err), sizeof(err) - 1);
    /* No error buffer at all is allowed too. */
    assert_int_equal(ca_tool_init(f->dir, NULL, 0, NULL, NULL, 0), -1);
}

static void test_missing_dir_refused(void **state)
{
    char err[ERR_LEN];
    int created;
    char path[PATH_LEN];
    const struct fixture *f = *state;

    assert_int_equal(run_init(NULL, NULL, 0, &created, err), -1);
    assert_true(strlen(err) > 0);
    assert_int_equal(run_init("", NULL, 0, &created, err), -1);
    assert_true(strlen(err) > 0);
    /* A file where the directory should be. */
    write_all(f->dir, "plain", "x", 1, 0600);
    join(path, f->dir, "plain");
    assert_int_equal(run_init(path, NULL, 0, &created, err), -1);
    assert_non_null(strstr(err, "plain"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_creates_all_files_with_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_cert_verifies_and_has_sans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_cert_verifies_for_client_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ca_certificate_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leaf_validity_and_serials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_keys_match_private_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_call_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orphan_server_key_in_empty_dir_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_orphan_server_key_beside_ca_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_leaf_files_without_ca_key_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leaf_files_without_any_ca_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ca_cert_without_key_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ca_key_not_matching_cert_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_leaf_issued_by_existing_ca, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_public_key_restored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_sans_refused_before_writing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_wildcard_and_ipv6_sans_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_err_buffer_is_terminated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_dir_refused, setup, teardown),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
