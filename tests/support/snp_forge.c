/*
 * snp_forge.c: forges AMD SEV-SNP evidence for tests (see snp_forge.h).
 *
 * Everything here is written from shared/docs/SNP.md and from the shape of
 * the real certificates in shared/testdata/snp, never from teev's verifier,
 * so that the two cannot share a misreading of the format.
 */
#include "snp_forge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#define AMD_OID_ARC "1.3.6.1.4.1.3704.1"
#define CA_RSA_BITS 2048 /* AMD uses 4096; 2048 keeps tests fast */
#define PSS_SALT_LEN 48
#define SECONDS_PER_DAY 86400
#define CA_YEARS 25 /* AMD's ARK/ASK/ASVK validity */
#define VCEK_YEARS 7
#define VLEK_YEARS 1
#define SIG_COMPONENT_SIZE 72 /* R and S slots in the report */
#define SIG_AREA_SIZE 0x200
#define P521_COORD_SIZE 66
#define SPL_EXT_COUNT 8 /* spl extensions per cert, both layouts */
#define FIXTURE_NONCE_SIZE 32
#define PATH_SIZE 4096

static const char *const product_names[FORGE_PRODUCT_COUNT] = {"Milan", "Genoa",
							       "Turin"};
static const char *const product_dirs[FORGE_PRODUCT_COUNT] = {"milan", "genoa",
							      "turin"};

/* CPUID family, model, stepping as real reports of each product carry them. */
static const uint8_t product_cpuid[FORGE_PRODUCT_COUNT][3] = {
	{0x19, 0x01, 0x01}, {0x19, 0x11, 0x01}, {0x1A, 0x02, 0x01}};

/* Firmware build per product (major 1, minor 55), from real reports. */
static const uint8_t product_fw_build[FORGE_PRODUCT_COUNT] = {0x1D, 0x2B, 0x3D};

/* GHCB certificate table GUIDs, canonical (RFC 4122 big-endian) byte order. */
static const uint8_t guid_ark[16] = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
				     0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};
static const uint8_t guid_ask[16] = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
				     0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
static const uint8_t guid_vcek[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
				      0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
static const uint8_t guid_vlek[16] = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
				      0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};
static const uint8_t guid_crl[16] = {0x92, 0xf8, 0x1b, 0xc3, 0x58, 0x11, 0x4d, 0x3d,
				     0x97, 0xff, 0xd1, 0x9f, 0x88, 0xdc, 0x67, 0xea};

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static bool product_valid(enum forge_product p)
{
	return (unsigned)p < FORGE_PRODUCT_COUNT;
}

const char *forge_product_name(enum forge_product p)
{
	return product_valid(p) ? product_names[p] : NULL;
}

uint64_t forge_tcb_encode(enum forge_product p, const struct forge_tcb *t)
{
	uint8_t b[8] = {0};
	uint64_t v = 0;

	/* Turin moved SNP down to byte 3 and put FMC in front (SNP.md 5). */
	if (p == FORGE_TURIN) {
		b[0] = t->fmc;
		b[1] = t->bootloader;
		b[2] = t->tee;
		b[3] = t->snp;
	} else {
		b[0] = t->bootloader;
		b[1] = t->tee;
		b[6] = t->snp;
	}
	b[7] = t->microcode;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

struct forge_tcb forge_tcb_default(enum forge_product p)
{
	/* Values of the real milan-v3-oak, genoa-v5-oak and turin-v5-oak reports. */
	switch (p) {
	case FORGE_GENOA:
		return (struct forge_tcb){.bootloader = 0x0A, .snp = 0x19, .microcode = 0x54};
	case FORGE_TURIN:
		return (struct forge_tcb){.bootloader = 1, .snp = 2, .microcode = 0x47};
	case FORGE_MILAN:
	default:
		return (struct forge_tcb){.bootloader = 4, .snp = 0x18, .microcode = 0xDB};
	}
}

/* AMD's DN: the order and the UTF8String types match the real certificates. */
static int set_amd_name(X509_NAME *name, const char *cn)
{
	static const char *const fields[][2] = {
		{"OU", "Engineering"}, {"C", "US"}, {"L", "Santa Clara"},
		{"ST", "CA"},          {"O", "Advanced Micro Devices"},
	};

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (X509_NAME_add_entry_by_txt(name, fields[i][0], MBSTRING_UTF8,
					       (const unsigned char *)fields[i][1], -1,
					       -1, 0) != 1)
			return -1;
	}
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				       (const unsigned char *)cn, -1, -1, 0) != 1)
		return -1;
	return 0;
}

/* Calendar years, as AMD's certs have them (same date and time, N years on). */
static int set_time_years_after(ASN1_TIME *t, time_t base, int years)
{
	struct tm tm;
	char text[64];

	if (!gmtime_r(&base, &tm))
		return -1;
	tm.tm_year += years;
	if (tm.tm_mon == 1 && tm.tm_mday == 29)
		tm.tm_mday = 28; /* the target year may have no 29 February */
	snprintf(text, sizeof text, "%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	/* Picks UTCTime before 2050 and GeneralizedTime after, as RFC 5280 wants. */
	return ASN1_TIME_set_string_X509(t, text) == 1 ? 0 : -1;
}

static int set_validity(X509 *x, time_t not_before, time_t not_after, int years)
{
	if (!ASN1_TIME_set(X509_getm_notBefore(x), not_before))
		return -1;
	if (not_after != 0)
		return ASN1_TIME_set(X509_getm_notAfter(x), not_after) ? 0 : -1;
	return set_time_years_after(X509_getm_notAfter(x), not_before, years);
}

/* Standard extension from OpenSSL's config syntax; issuer NULL = self. */
static int add_conf_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext = NULL;
	int rc = -1;

	X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
	if (!ext || X509_add_ext(cert, ext, -1) != 1)
		goto out;
	rc = 0;
out:
	X509_EXTENSION_free(ext);
	return rc;
}

/* RSASSA-PSS, SHA-384, MGF1-SHA-384, salt 48: AMD's choice for every cert. */
static int sign_pss(X509 *x, EVP_PKEY *key)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int rc = -1;

	if (!md || EVP_DigestSignInit(md, &pctx, EVP_sha384(), NULL, key) != 1)
		goto out;
	if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, PSS_SALT_LEN) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) <= 0)
		goto out;
	if (X509_sign_ctx(x, md) <= 0)
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

/*
 * ARK (issuer NULL: self-signed) or ASK/ASVK, with the extensions in the
 * order AMD's certs list them.
 */
static X509 *ca_cert_create(EVP_PKEY *key, const char *cn, long serial, X509 *issuer,
			    EVP_PKEY *issuer_key, const char *crl_uri)
{
	X509 *x = X509_new();
	X509 *ret = NULL;
	time_t not_before = time(NULL) - SECONDS_PER_DAY;

	if (!x || X509_set_version(x, X509_VERSION_3) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial) != 1)
		goto out;
	if (set_amd_name(X509_get_subject_name(x), cn) != 0)
		goto out;
	if (X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer)
					   : X509_get_subject_name(x)) != 1)
		goto out;
	if (set_validity(x, not_before, 0, CA_YEARS) != 0 || X509_set_pubkey(x, key) != 1)
		goto out;
	if (!issuer) {
		if (add_conf_ext(x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign") ||
		    add_conf_ext(x, NULL, NID_subject_key_identifier, "hash") ||
		    add_conf_ext(x, NULL, NID_basic_constraints, "critical,CA:TRUE") ||
		    add_conf_ext(x, NULL, NID_crl_distribution_points, crl_uri))
			goto out;
	} else {
		/* Real ASK/ASVK: keyCertSign only; the ARK signs the CRL. */
		if (add_conf_ext(x, issuer, NID_subject_key_identifier, "hash") ||
		    add_conf_ext(x, issuer, NID_authority_key_identifier, "keyid:always") ||
		    add_conf_ext(x, issuer, NID_basic_constraints,
				 "critical,CA:TRUE,pathlen:0") ||
		    add_conf_ext(x, issuer, NID_key_usage, "critical,keyCertSign") ||
		    add_conf_ext(x, issuer, NID_crl_distribution_points, crl_uri))
			goto out;
	}
	if (sign_pss(x, issuer_key ? issuer_key : key) != 0)
		goto out;
	ret = x;
	x = NULL;
out:
	X509_free(x);
	return ret;
}

void forge_chain_free(struct forge_chain *c)
{
	if (!c)
		return;
	X509_free(c->ark);
	X509_free(c->ask);
	X509_free(c->asvk);
	EVP_PKEY_free(c->ark_key);
	EVP_PKEY_free(c->ask_key);
	EVP_PKEY_free(c->asvk_key);
	memset(c, 0, sizeof *c);
}

int forge_chain_create(enum forge_product p, struct forge_chain *out)
{
	const char *name = forge_product_name(p);
	char cn_ark[32], cn_ask[32], cn_asvk[32], crl_vcek[96], crl_vlek[96];
	long serial_base = ((long)p + 1) << 16; /* AMD: 0x010000 Milan, 0x020000 Genoa, ... */
	int rc = -1;

	memset(out, 0, sizeof *out);
	out->product = p;
	if (!name)
		goto out;
	snprintf(cn_ark, sizeof cn_ark, "ARK-%s", name);
	snprintf(cn_ask, sizeof cn_ask, "SEV-%s", name);
	snprintf(cn_asvk, sizeof cn_asvk, "SEV-VLEK-%s", name);
	snprintf(crl_vcek, sizeof crl_vcek, "URI:https://kdsintf.amd.com/vcek/v1/%s/crl", name);
	snprintf(crl_vlek, sizeof crl_vlek, "URI:https://kdsintf.amd.com/vlek/v1/%s/crl", name);

	out->ark_key = EVP_RSA_gen(CA_RSA_BITS);
	out->ask_key = EVP_RSA_gen(CA_RSA_BITS);
	out->asvk_key = EVP_RSA_gen(CA_RSA_BITS);
	if (!out->ark_key || !out->ask_key || !out->asvk_key)
		goto out;
	out->ark = ca_cert_create(out->ark_key, cn_ark, serial_base, NULL, NULL, crl_vcek);
	if (!out->ark)
		goto out;
	out->ask = ca_cert_create(out->ask_key, cn_ask, serial_base | 0x1, out->ark,
				  out->ark_key, crl_vcek);
	out->asvk = ca_cert_create(out->asvk_key, cn_asvk, serial_base | 0x101, out->ark,
				   out->ark_key, crl_vlek);
	if (!out->ask || !out->asvk)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		forge_chain_free(out);
		out->product = p;
	}
	return rc;
}

static int path_join(char out[PATH_SIZE], const char *dir, const char *name)
{
	int n = snprintf(out, PATH_SIZE, "%s/%s", dir, name);

	if (n < 0 || n >= PATH_SIZE) {
		ERR_raise_data(ERR_LIB_SYS, ENAMETOOLONG, "%s/%s", dir, name);
		return -1;
	}
	return 0;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	ERR_raise_data(ERR_LIB_SYS, errno, "mkdir %s", path);
	return -1;
}

/* mkdir -p, so `--out a/b/c` works on a fresh machine. */
static int make_dirs(const char *path)
{
	char buf[PATH_SIZE];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof buf) {
		ERR_raise_data(ERR_LIB_SYS, ENAMETOOLONG, "%s", path);
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i < len; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (make_dir(buf) != 0)
			return -1;
		buf[i] = '/';
	}
	return make_dir(buf);
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int rc = -1;

	if (!f)
		goto out;
	if (fwrite(data, 1, len, f) != len)
		goto out;
	rc = 0;
out:
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc != 0)
		ERR_raise_data(ERR_LIB_SYS, errno, "write %s", path);
	return rc;
}

static int write_pem(const char *dir, const char *product_dir, const char *role, X509 *x)
{
	char name[64], path[PATH_SIZE];
	FILE *f = NULL;
	int rc = -1;

	snprintf(name, sizeof name, "%s_%s.pem", product_dir, role);
	if (path_join(path, dir, name) != 0)
		goto out;
	f = fopen(path, "w");
	if (!f) {
		ERR_raise_data(ERR_LIB_SYS, errno, "open %s", path);
		goto out;
	}
	if (PEM_write_X509(f, x) != 1)
		goto out;
	rc = 0;
out:
	if (f && fclose(f) != 0)
		rc = -1;
	return rc;
}

int forge_chain_write(const struct forge_chain *c, const char *dir)
{
	const char *pd;

	if (!product_valid(c->product) || !c->ark || !c->ask || !c->asvk)
		return -1;
	pd = product_dirs[c->product];
	if (write_pem(dir, pd, "ark", c->ark) != 0 || write_pem(dir, pd, "ask", c->ask) != 0 ||
	    write_pem(dir, pd, "asvk", c->asvk) != 0)
		return -1;
	return 0;
}

/* Extension whose value is exactly these bytes (AMD's are not all DER). */
static int add_raw_ext(X509 *x, const char *oid_suffix, const uint8_t *value, size_t len)
{
	char oid[64];
	ASN1_OBJECT *obj = NULL;
	ASN1_OCTET_STRING *os = NULL;
	X509_EXTENSION *ext = NULL;
	int rc = -1;

	snprintf(oid, sizeof oid, "%s.%s", AMD_OID_ARC, oid_suffix);
	obj = OBJ_txt2obj(oid, 1);
	os = ASN1_OCTET_STRING_new();
	if (!obj || !os || len > INT32_MAX || ASN1_OCTET_STRING_set(os, value, (int)len) != 1)
		goto out;
	ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
	if (!ext || X509_add_ext(x, ext, -1) != 1)
		goto out;
	rc = 0;
out:
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
	return rc;
}

/* DER tag + length + content, lengths up to 0xFFFF (plenty for these strings). */
static int add_tlv_ext(X509 *x, const char *oid_suffix, uint8_t tag, const uint8_t *content,
		       size_t len)
{
	uint8_t *buf = NULL;
	size_t hdr = 0;
	int rc = -1;

	if (len > 0xFFFF)
		goto out;
	buf = malloc(len + 4);
	if (!buf)
		goto out;
	buf[hdr++] = tag;
	if (len < 0x80) {
		buf[hdr++] = (uint8_t)len;
	} else if (len <= 0xFF) {
		buf[hdr++] = 0x81;
		buf[hdr++] = (uint8_t)len;
	} else {
		buf[hdr++] = 0x82;
		buf[hdr++] = (uint8_t)(len >> 8);
		buf[hdr++] = (uint8_t)len;
	}
	if (len > 0)
		memcpy(buf + hdr, content, len);
	rc = add_raw_ext(x, oid_suffix, buf, hdr + len);
out:
	free(buf);
	return rc;
}

/* DER INTEGER of a byte: 0x80 and up need a 0x00 in front to stay positive. */
static int add_int_ext(X509 *x, const char *oid_suffix, uint8_t v)
{
	uint8_t buf[4] = {0x02, 0x01, v, 0};

	if (v >= 0x80) {
		buf[1] = 0x02;
		buf[2] = 0x00;
		buf[3] = v;
		return add_raw_ext(x, oid_suffix, buf, 4);
	}
	return add_raw_ext(x, oid_suffix, buf, 3);
}

static int add_ia5_ext(X509 *x, const char *oid_suffix, const char *s)
{
	return add_tlv_ext(x, oid_suffix, 0x16, (const uint8_t *)s, strlen(s));
}

struct amd_int_ext {
	const char *oid_suffix;
	uint8_t value;
};

/*
 * AMD's extensions in the order real certs list them: Milan/Genoa put snpSPL
 * after spl_4..7, Turin puts fmcSPL first and has no spl_4.
 */
static int add_amd_exts(X509 *x, enum forge_product p, const struct forge_vek_opts *o)
{
	const struct forge_tcb *t = &o->tcb;
	const struct amd_int_ext turin_spl[SPL_EXT_COUNT] = {
		{"3.9", t->fmc}, {"3.1", t->bootloader}, {"3.2", t->tee}, {"3.3", t->snp},
		{"3.5", 0},      {"3.6", 0},             {"3.7", 0},      {"3.8", t->microcode},
	};
	const struct amd_int_ext milan_spl[SPL_EXT_COUNT] = {
		{"3.1", t->bootloader}, {"3.2", t->tee}, {"3.4", 0},      {"3.5", 0},
		{"3.6", 0},             {"3.7", 0},      {"3.3", t->snp}, {"3.8", t->microcode},
	};
	const struct amd_int_ext *spl = p == FORGE_TURIN ? turin_spl : milan_spl;
	const char *name = o->product_name;

	if (!name && p == FORGE_MILAN)
		name = o->vlek ? "Milan" : "Milan-B0";
	else if (!name)
		name = product_names[p];
	if (add_int_ext(x, "1", p == FORGE_TURIN ? 1 : 0) != 0 || add_ia5_ext(x, "2", name) != 0)
		return -1;
	for (size_t i = 0; i < SPL_EXT_COUNT; i++) {
		if (add_int_ext(x, spl[i].oid_suffix, spl[i].value) != 0)
			return -1;
	}
	if (o->hwid && o->hwid_der_wrapped) {
		if (add_tlv_ext(x, "4", 0x04, o->hwid, o->hwid_len) != 0)
			return -1;
	} else if (o->hwid) {
		if (add_raw_ext(x, "4", o->hwid, o->hwid_len) != 0)
			return -1;
	}
	if (o->csp_id && add_ia5_ext(x, "5", o->csp_id) != 0)
		return -1;
	return 0;
}

X509 *forge_vek_create(const struct forge_chain *c, EVP_PKEY *vek_key,
		       const struct forge_vek_opts *o)
{
	X509 *issuer = o->vlek ? c->asvk : c->ask;
	EVP_PKEY *issuer_key = o->vlek ? c->asvk_key : c->ask_key;
	time_t not_before = o->not_before ? o->not_before : time(NULL) - SECONDS_PER_DAY;
	X509 *x = NULL;
	X509 *ret = NULL;

	if (!product_valid(c->product) || !issuer || !issuer_key || !vek_key)
		goto out;
	x = X509_new();
	if (!x || X509_set_version(x, X509_VERSION_3) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 0) != 1)
		goto out;
	if (X509_set_issuer_name(x, X509_get_subject_name(issuer)) != 1 ||
	    set_amd_name(X509_get_subject_name(x), o->vlek ? "SEV-VLEK" : "SEV-VCEK") != 0)
		goto out;
	if (set_validity(x, not_before, o->not_after, o->vlek ? VLEK_YEARS : VCEK_YEARS) != 0)
		goto out;
	if (X509_set_pubkey(x, vek_key) != 1 || add_amd_exts(x, c->product, o) != 0)
		goto out;
	if (sign_pss(x, issuer_key) != 0)
		goto out;
	ret = x;
	x = NULL;
out:
	X509_free(x);
	return ret;
}

void forge_report_opts_default(struct forge_report_opts *o, enum forge_product p)
{
	struct forge_tcb tcb = forge_tcb_default(p);

	memset(o, 0, sizeof *o);
	o->version = p == FORGE_TURIN ? 5 : 3;
	o->product = p;
	o->policy = 0x30000; /* SMT allowed + reserved bit 17 */
	o->platform_info = 0x25; /* SMT_EN, ECC_EN, ALIAS_CHECK_COMPLETE, as real Milan/Genoa */
	o->current_tcb = tcb;
	o->reported_tcb = tcb;
	o->committed_tcb = tcb;
	o->launch_tcb = tcb;
	memset(o->report_id_ma, 0xFF, sizeof o->report_id_ma);
	o->fw_major = 1;
	o->fw_minor = 55;
	o->fw_build = product_valid(p) ? product_fw_build[p] : 0;
}

void forge_report_build(uint8_t out[FORGE_REPORT_SIZE], const struct forge_report_opts *o)
{
	enum forge_product p = o->product;

	memset(out, 0, FORGE_REPORT_SIZE);
	put_le32(out + 0x000, o->version);
	put_le32(out + 0x004, o->guest_svn);
	put_le64(out + 0x008, o->policy);
	memcpy(out + 0x010, o->family_id, 16);
	memcpy(out + 0x020, o->image_id, 16);
	put_le32(out + 0x030, o->vmpl);
	put_le32(out + 0x034, 1); /* SIGNATURE_ALGO: ECDSA P-384 with SHA-384 */
	put_le64(out + 0x038, forge_tcb_encode(p, &o->current_tcb));
	put_le64(out + 0x040, o->platform_info);
	put_le32(out + 0x048, (o->vlek ? 1U : 0U) << 2); /* SIGNING_KEY in bits 4:2 */
	memcpy(out + 0x050, o->report_data, 64);
	memcpy(out + 0x090, o->measurement, 48);
	memcpy(out + 0x0C0, o->host_data, 32);
	memcpy(out + 0x0E0, o->id_key_digest, 48);
	memcpy(out + 0x140, o->report_id, 32);
	memcpy(out + 0x160, o->report_id_ma, 32);
	put_le64(out + 0x180, forge_tcb_encode(p, &o->reported_tcb));
	if (o->version >= 3 && product_valid(p))
		memcpy(out + 0x188, product_cpuid[p], 3);
	memcpy(out + 0x1A0, o->chip_id, 64);
	put_le64(out + 0x1E0, forge_tcb_encode(p, &o->committed_tcb));
	out[0x1E8] = o->fw_build;
	out[0x1E9] = o->fw_minor;
	out[0x1EA] = o->fw_major;
	out[0x1EC] = o->fw_build;
	out[0x1ED] = o->fw_minor;
	out[0x1EE] = o->fw_major;
	put_le64(out + 0x1F0, forge_tcb_encode(p, &o->launch_tcb));
	if (o->version >= 5) {
		put_le64(out + 0x1F8, o->launch_mit_vector);
		put_le64(out + 0x200, o->current_mit_vector);
	}
}

int forge_report_sign(uint8_t report[FORGE_REPORT_SIZE], EVP_PKEY *vek_key)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	const unsigned char *p;
	ECDSA_SIG *sig = NULL;
	const BIGNUM *r, *s;
	size_t der_len = 0;
	int rc = -1;

	/* A wrong key type would still sign something; refuse it here instead. */
	if (!md || !vek_key || !EVP_PKEY_is_a(vek_key, "EC") || EVP_PKEY_get_bits(vek_key) != 384)
		goto out;
	if (EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, vek_key) != 1 ||
	    EVP_DigestSign(md, NULL, &der_len, report, FORGE_REPORT_SIGNED_SIZE) != 1)
		goto out;
	der = OPENSSL_malloc(der_len);
	if (!der || EVP_DigestSign(md, der, &der_len, report, FORGE_REPORT_SIGNED_SIZE) != 1)
		goto out;
	p = der;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!sig)
		goto out;
	ECDSA_SIG_get0(sig, &r, &s);
	memset(report + FORGE_REPORT_SIGNED_SIZE, 0, SIG_AREA_SIZE);
	if (BN_bn2lebinpad(r, report + FORGE_REPORT_SIGNED_SIZE, SIG_COMPONENT_SIZE) < 0 ||
	    BN_bn2lebinpad(s, report + FORGE_REPORT_SIGNED_SIZE + SIG_COMPONENT_SIZE,
			   SIG_COMPONENT_SIZE) < 0)
		goto out;
	rc = 0;
out:
	ECDSA_SIG_free(sig);
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	return rc;
}

int forge_report_data_bind(uint8_t out[64], const uint8_t *x, size_t xlen, const uint8_t *y,
			   size_t ylen, const uint8_t *nonce, size_t nlen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int len = 0;
	int rc = -1;

	if (!md || EVP_DigestInit_ex(md, EVP_sha512(), NULL) != 1 ||
	    EVP_DigestUpdate(md, x, xlen) != 1 || EVP_DigestUpdate(md, y, ylen) != 1 ||
	    EVP_DigestUpdate(md, nonce, nlen) != 1 || EVP_DigestFinal_ex(md, out, &len) != 1 ||
	    len != 64)
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

const uint8_t *forge_cert_guid(enum forge_cert_kind kind)
{
	switch (kind) {
	case FORGE_CERT_ARK:
		return guid_ark;
	case FORGE_CERT_ASK:
		return guid_ask;
	case FORGE_CERT_VCEK:
		return guid_vcek;
	case FORGE_CERT_VLEK:
		return guid_vlek;
	case FORGE_CERT_CRL:
		return guid_crl;
	}
	return NULL;
}

size_t forge_certs_buf(uint8_t *out, size_t cap, const struct forge_cert_entry *entries,
		       size_t n)
{
	size_t table, total, off;

	/* Offsets and lengths are u32 on the wire; refuse what cannot fit. */
	if (n >= UINT32_MAX / FORGE_CERTS_ENTRY_SIZE)
		return 0;
	table = (n + 1) * FORGE_CERTS_ENTRY_SIZE;
	total = table;
	for (size_t i = 0; i < n; i++) {
		if (!forge_cert_guid(entries[i].kind) || (!entries[i].der && entries[i].der_len))
			return 0;
		if (entries[i].der_len > UINT32_MAX - total)
			return 0;
		total += entries[i].der_len;
	}
	if (!out || total > cap)
		return total;
	memset(out, 0, table);
	off = table;
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = out + i * FORGE_CERTS_ENTRY_SIZE;

		memcpy(e, forge_cert_guid(entries[i].kind), 16);
		put_le32(e + 16, (uint32_t)off);
		put_le32(e + 20, (uint32_t)entries[i].der_len);
		if (entries[i].der_len)
			memcpy(out + off, entries[i].der, entries[i].der_len);
		off += entries[i].der_len;
	}
	return total;
}

/* ---- fixture: the files `snp-forge fixture` writes ---- */

/* Standard base64 without line breaks; NULL on failure. */
static char *base64_std(const uint8_t *data, size_t len)
{
	char *out = NULL;

	if (len > INT32_MAX / 2)
		return NULL;
	out = malloc(4 * ((len + 2) / 3) + 1);
	if (out)
		EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

/* base64url without padding, as the request's tee-pubkey-*-b64 fields are. */
static char *base64_url(const uint8_t *data, size_t len)
{
	char *out = base64_std(data, len);

	if (!out)
		return NULL;
	for (char *c = out; *c; c++) {
		if (*c == '+')
			*c = '-';
		else if (*c == '/')
			*c = '_';
		else if (*c == '=')
			*c = '\0';
	}
	return out;
}

/* Fixed-width big-endian coordinates: what SVSM hashes into REPORT_DATA. */
static int p521_coordinates(EVP_PKEY *key, uint8_t x[P521_COORD_SIZE],
			    uint8_t y[P521_COORD_SIZE])
{
	BIGNUM *bx = NULL, *by = NULL;
	int rc = -1;

	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &bx) != 1 ||
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &by) != 1)
		goto out;
	if (BN_bn2binpad(bx, x, P521_COORD_SIZE) < 0 || BN_bn2binpad(by, y, P521_COORD_SIZE) < 0)
		goto out;
	rc = 0;
out:
	BN_free(bx);
	BN_free(by);
	return rc;
}

/* The exact JSON Trustee's KBS posts to Keylime's one-shot API. */
static int write_request(const char *path, const char *report_b64, const char *certs_b64,
			 const char *nonce_b64, const char *x_b64, const char *y_b64)
{
	FILE *f = fopen(path, "w");
	const char *quote = certs_b64 ? "\"" : "";
	int rc = -1;

	if (!f)
		goto out;
	if (fprintf(f,
		    "{\"type\":\"tee\",\"data\":{\"tee-evidence\":{\"tee\":\"snp\","
		    "\"evidence\":{\"snp-report\":\"%s\",\"certs-buf\":%s%s%s}},"
		    "\"nonce\":\"%s\",\"tee-pubkey-x-b64\":\"%s\",\"tee-pubkey-y-b64\":\"%s\"}}\n",
		    report_b64, quote, certs_b64 ? certs_b64 : "null", quote, nonce_b64, x_b64,
		    y_b64) < 0)
		goto out;
	rc = 0;
out:
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc != 0)
		ERR_raise_data(ERR_LIB_SYS, errno, "write %s", path);
	return rc;
}

/*
 * One evidence directory: report.bin, vcek.der (vlek.der for a VLEK),
 * request.json with the leaf in certs-buf, request-nocerts.json without.
 */
static int write_evidence_dir(const char *dir, const struct forge_chain *c, bool vlek)
{
	enum forge_product p = c->product;
	size_t hwid_len = p == FORGE_TURIN ? 8 : 64; /* Turin uses CHIP_ID[0:8] only */
	struct forge_report_opts ro;
	struct forge_vek_opts vo = {.vlek = vlek};
	struct forge_cert_entry entry;
	uint8_t report[FORGE_REPORT_SIZE], nonce[FIXTURE_NONCE_SIZE];
	uint8_t x[P521_COORD_SIZE], y[P521_COORD_SIZE];
	EVP_PKEY *vek_key = NULL, *tee_key = NULL;
	X509 *vek = NULL;
	unsigned char *vek_der = NULL;
	uint8_t *certs = NULL;
	size_t certs_len;
	char *report_b64 = NULL, *certs_b64 = NULL, *nonce_b64 = NULL;
	char *x_b64 = NULL, *y_b64 = NULL;
	char path[PATH_SIZE];
	int der_len, rc = -1;

	if (make_dir(dir) != 0)
		goto out;
	forge_report_opts_default(&ro, p);
	ro.vlek = vlek;
	/* A VLEK report carries no chip id (the AWS vector has it all zero). */
	if ((!vlek && RAND_bytes(ro.chip_id, (int)hwid_len) != 1) ||
	    RAND_bytes(ro.measurement, sizeof ro.measurement) != 1 ||
	    RAND_bytes(ro.report_id, sizeof ro.report_id) != 1 ||
	    RAND_bytes(nonce, sizeof nonce) != 1)
		goto out;

	vek_key = EVP_EC_gen("P-384");
	tee_key = EVP_EC_gen("P-521"); /* SVSM's key for the KBS exchange */
	if (!vek_key || !tee_key || p521_coordinates(tee_key, x, y) != 0)
		goto out;
	if (forge_report_data_bind(ro.report_data, x, sizeof x, y, sizeof y, nonce,
				   sizeof nonce) != 0)
		goto out;

	vo.tcb = ro.reported_tcb;
	if (vlek) {
		vo.csp_id = "CN=test.example";
	} else {
		vo.hwid = ro.chip_id;
		vo.hwid_len = hwid_len;
	}
	vek = forge_vek_create(c, vek_key, &vo);
	if (!vek)
		goto out;
	der_len = i2d_X509(vek, &vek_der);
	if (der_len <= 0)
		goto out;

	forge_report_build(report, &ro);
	if (forge_report_sign(report, vek_key) != 0)
		goto out;

	entry = (struct forge_cert_entry){vlek ? FORGE_CERT_VLEK : FORGE_CERT_VCEK, vek_der,
					  (size_t)der_len};
	certs_len = forge_certs_buf(NULL, 0, &entry, 1);
	certs = certs_len ? malloc(certs_len) : NULL;
	if (!certs || forge_certs_buf(certs, certs_len, &entry, 1) != certs_len)
		goto out;

	report_b64 = base64_std(report, sizeof report);
	certs_b64 = base64_std(certs, certs_len);
	nonce_b64 = base64_std(nonce, sizeof nonce);
	x_b64 = base64_url(x, sizeof x);
	y_b64 = base64_url(y, sizeof y);
	if (!report_b64 || !certs_b64 || !nonce_b64 || !x_b64 || !y_b64)
		goto out;

	if (path_join(path, dir, "report.bin") != 0 || write_file(path, report, sizeof report) != 0)
		goto out;
	if (path_join(path, dir, vlek ? "vlek.der" : "vcek.der") != 0 ||
	    write_file(path, vek_der, (size_t)der_len) != 0)
		goto out;
	if (path_join(path, dir, "request.json") != 0 ||
	    write_request(path, report_b64, certs_b64, nonce_b64, x_b64, y_b64) != 0)
		goto out;
	if (path_join(path, dir, "request-nocerts.json") != 0 ||
	    write_request(path, report_b64, NULL, nonce_b64, x_b64, y_b64) != 0)
		goto out;
	rc = 0;
out:
	free(report_b64);
	free(certs_b64);
	free(nonce_b64);
	free(x_b64);
	free(y_b64);
	free(certs);
	OPENSSL_free(vek_der);
	X509_free(vek);
	EVP_PKEY_free(tee_key);
	EVP_PKEY_free(vek_key);
	return rc;
}

static int write_readme(const char *dir)
{
	static const char text[] =
		"Forged AMD SEV-SNP test fixture, written by `snp-forge fixture` "
		"(tests/support/snp_forge.c) with fresh keys on every run. amd/ holds fake "
		"ARK/ASK/ASVK roots per product (<product>_{ark,ask,asvk}.pem, RSA-2048, "
		"RSASSA-PSS/SHA-384), usable as teev's amd_root_dir and trusted by nothing "
		"else. milan/, genoa/ and turin/ each hold a VCEK-signed report (report.bin, "
		"version 3, Turin 5, VMPL 0, policy 0x30000), the VCEK (vcek.der, with AMD's "
		"extensions and hwID = CHIP_ID), and request.json, the body Trustee's KBS "
		"posts to Keylime's one-shot API, with REPORT_DATA = SHA-512(x || y || nonce) "
		"over the decoded P-521 coordinates and nonce in that request and the VCEK in "
		"certs-buf; request-nocerts.json is the same with \"certs-buf\": null, so the "
		"verifier must find the VCEK itself. milan-vlek/ is the same for a "
		"VLEK-signed Milan report (SIGNING_KEY 1, CHIP_ID zero, vlek.der signed by "
		"the ASVK, cspID CN=test.example, VLEK in certs-buf under the VLEK GUID). "
		"A correct verifier trusting amd/ accepts every request.json here; for "
		"request-nocerts.json it needs the VCEK from elsewhere (e.g. an offline "
		"store fed from vcek.der).\n";
	char path[PATH_SIZE];

	if (path_join(path, dir, "README.txt") != 0)
		return -1;
	return write_file(path, text, sizeof text - 1);
}

int forge_fixture_write(const char *dir)
{
	struct forge_chain chains[FORGE_PRODUCT_COUNT];
	char amd_dir[PATH_SIZE], sub[PATH_SIZE];
	int rc = -1;

	memset(chains, 0, sizeof chains);
	if (make_dirs(dir) != 0 || path_join(amd_dir, dir, "amd") != 0 || make_dir(amd_dir) != 0)
		goto out;
	for (int p = 0; p < FORGE_PRODUCT_COUNT; p++) {
		if (forge_chain_create((enum forge_product)p, &chains[p]) != 0 ||
		    forge_chain_write(&chains[p], amd_dir) != 0)
			goto out;
		if (path_join(sub, dir, product_dirs[p]) != 0 ||
		    write_evidence_dir(sub, &chains[p], false) != 0)
			goto out;
	}
	if (path_join(sub, dir, "milan-vlek") != 0 ||
	    write_evidence_dir(sub, &chains[FORGE_MILAN], true) != 0)
		goto out;
	if (write_readme(dir) != 0)
		goto out;
	rc = 0;
out:
	for (int p = 0; p < FORGE_PRODUCT_COUNT; p++)
		forge_chain_free(&chains[p]);
	return rc;
}
