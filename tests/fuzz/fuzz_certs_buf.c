/* fuzz_certs_buf.c - libFuzzer harness: the GHCB certificate table
 * ("certs-buf") the host writes. Every blob it yields is read as DER, as the
 * verifier does next. */
#include "verifier/failures.h"
#include "verifier/snp_certs_buf.h"

#include <json-c/json.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_der(const struct snp_blob *blob)
{
	const unsigned char *p = blob->data;
	X509 *cert;

	if (!blob->data)
		return;
	cert = d2i_X509(NULL, &p, (long)blob->len);
	X509_free(cert);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct failures f;
	struct snp_certs_buf table;

	failures_init(&f);
	if (snp_certs_buf_parse(data, size, &table, &f) == 0) {
		const struct snp_blob *all[5] = {&table.ark, &table.ask, &table.vcek, &table.vlek,
						 &table.crl};
		/* Every blob lies in the buffer, is not empty, and overlaps no other. */
		for (int i = 0; i < 5; i++) {
			if (!all[i]->data)
				continue;
			if (all[i]->len == 0 || all[i]->data < data ||
			    all[i]->data + all[i]->len > data + size)
				abort();
			for (int j = i + 1; j < 5; j++)
				if (all[j]->data && all[i]->data < all[j]->data + all[j]->len &&
				    all[j]->data < all[i]->data + all[i]->len)
					abort();
		}
		read_der(&table.ark);
		read_der(&table.ask);
		read_der(&table.vcek);
		read_der(&table.vlek);
	}
	json_object_put(failures_to_json(&f));
	failures_clear(&f);
	return 0;
}
