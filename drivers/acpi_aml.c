/*
 * acpi_aml.c - the \_S5 (soft-off) sleep type values from the DSDT's AML.
 *
 * Not an AML interpreter: a byte scan for the NameOp that defines _S5_
 * followed by a package of integers, which is how every firmware encodes
 * it.  Every candidate is decoded with its package length and element
 * encodings bounds-checked against the table.
 *
 * Reference: ACPI 6.5 20.2 (AML grammar: NameOp, PackageOp, PkgLength,
 * ComputationalData), 7.4.2 (\_Sx objects).
 */
#include "acpi_internal.h"

/* AML encoding (ACPI 20.2) */
#define AML_ZERO_OP	 0x00
#define AML_ONE_OP	 0x01
#define AML_NAME_OP	 0x08
#define AML_BYTE_PREFIX	 0x0A
#define AML_WORD_PREFIX	 0x0B
#define AML_DWORD_PREFIX 0x0C
#define AML_QWORD_PREFIX 0x0E
#define AML_PACKAGE_OP	 0x12
#define AML_ROOT_CHAR	 '\\'
#define AML_ONES_OP	 0xFF

/* Decode an AML PkgLength at *pos (ACPI 20.2.4); false when malformed. */
static bool aml_pkg_length(const struct acpi_buf *b, uint32_t *pos, uint32_t *len)
{
	uint32_t start = *pos, lead, nbytes;

	if (*pos >= b->len)
		return false;
	lead = b->p[*pos];
	nbytes = lead >> 6;
	if (b->len - *pos < 1 + nbytes)
		return false;
	if (nbytes == 0) {
		*len = lead & 0x3F;
	} else {
		*len = lead & 0x0F;
		for (uint32_t i = 1; i <= nbytes; i++)
			*len |= (uint32_t)b->p[*pos + i] << (4 + 8 * (i - 1));
	}
	*pos += 1 + nbytes;
	/* the length counts from the PkgLength byte itself */
	return *len >= 1 + nbytes && *len <= b->len - start;
}

/* Decode one integer data object at *pos, within b (ACPI 20.2.3). */
static bool aml_integer(const struct acpi_buf *b, uint32_t *pos, uint64_t *val)
{
	uint32_t size;

	if (*pos >= b->len)
		return false;
	switch (b->p[*pos]) {
	case AML_ZERO_OP:
		*val = 0;
		*pos += 1;
		return true;
	case AML_ONE_OP:
		*val = 1;
		*pos += 1;
		return true;
	case AML_ONES_OP:
		*val = ~0ULL;
		*pos += 1;
		return true;
	case AML_BYTE_PREFIX:
		size = 1;
		break;
	case AML_WORD_PREFIX:
		size = 2;
		break;
	case AML_DWORD_PREFIX:
		size = 4;
		break;
	case AML_QWORD_PREFIX:
		size = 8;
		break;
	default:
		return false;
	}
	if (b->len - *pos < 1 + size)
		return false;
	*val = buf_get(b, *pos + 1, size);
	*pos += 1 + size;
	return true;
}

/*
 * Decode "Name(_S5_, Package() {SLP_TYPa, SLP_TYPb, ...})" whose PackageOp
 * is at pos.  A one-element package is the ACPI 1.0 form holding both values
 * in one integer (low byte a, next byte b), as ACPICA accepts.
 */
static bool aml_s5_package(const struct acpi_buf *b, uint32_t pos, uint8_t *typa, uint8_t *typb)
{
	uint32_t start, plen, count;
	struct acpi_buf pkg;
	uint64_t a, v;

	if (pos >= b->len || b->p[pos] != AML_PACKAGE_OP)
		return false;
	start = ++pos;
	if (!aml_pkg_length(b, &pos, &plen))
		return false;
	pkg = buf_sub(b, 0, start + plen);
	if (pos >= pkg.len)
		return false;
	count = pkg.p[pos++];
	if (count == 0 || !aml_integer(&pkg, &pos, &a))
		return false;
	if (count == 1) {
		*typa = (uint8_t)a;
		*typb = (uint8_t)(a >> 8);
		return true;
	}
	if (!aml_integer(&pkg, &pos, &v))
		return false;
	*typa = (uint8_t)a;
	*typb = (uint8_t)v;
	return true;
}

/*
 * Find the NameOp defining _S5_ (optionally as \_S5_) in the DSDT's AML.
 * A byte scan, not an AML interpreter: "_S5_" preceded by NameOp and
 * followed by a package is unambiguous enough in practice, and every
 * candidate is fully bounds-checked.
 */
bool acpi_aml_find_s5(const struct acpi_buf *t, uint8_t *typa, uint8_t *typb)
{
	for (uint32_t i = SDT_HDR_LEN; i + 4 < t->len; i++) {
		const uint8_t *p = t->p + i;
		bool named;

		if (p[0] != '_' || p[1] != 'S' || p[2] != '5' || p[3] != '_')
			continue;
		named = (i >= 1 && p[-1] == AML_NAME_OP) ||
			(i >= 2 && p[-1] == AML_ROOT_CHAR && p[-2] == AML_NAME_OP);
		if (named && aml_s5_package(t, i + 4, typa, typb))
			return true;
	}
	return false;
}
