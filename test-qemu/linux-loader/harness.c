/*
 * harness.c - end-to-end check of guests/linux.c and guests/acpi_build.c
 * without the hypervisor: run them on the host exactly as the hypervisor
 * will, then hand the resulting guest memory to QEMU as multiboot modules
 * that stub.S moves into place before entering the kernel the way
 * struct linux_boot says.  So a real kernel boots on nothing but the zero
 * page / hvm_start_info, e820 map, page tables, GDT and ACPI tables these
 * pure modules built (QEMU's own firmware tables are never seen by it).
 *
 * Usage: harness KERNEL INITRD MEM_MIB CPUS CMDLINE OUTDIR
 * Writes OUTDIR/{low,kernel,initrd}.bin and prints the -initrd argument
 * ("low.bin 0x0,kernel.bin 0x1000000,...") on stdout.
 *
 * The tables describe QEMU q35's real devices: ICH9 PM at 0x600 (as SeaBIOS
 * programs it), reset 0xCF9, ECAM 0xB0000000, and QEMU's soft-off SLP_TYP 0
 * (hw/acpi/core.c), so the guest's poweroff exits QEMU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/acpi_build.h>
#include <hv/loader.h>

#define ACPI_AT	   0x40000ULL
#define ACPI_LEN   0x1000ULL
#define LOW_LEN	   0x80000ULL /* what low.bin carries: the loader's area and the tables */
#define DESC_AT	   0x30000ULL /* stub.S reads the entry description here */
#define DESC_MAGIC 0x4C4E5848 /* "HXNL" */

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *data;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		perror(path);
		exit(1);
	}
	data = malloc((size_t)n);
	if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return data;
}

static void dump(const char *dir, const char *name, const void *data, size_t len)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

static void build_acpi(struct guest_mem *m, uint32_t cpus, struct linux_layout *l)
{
	struct acpi_build_config cfg;
	struct acpi_build_result res;
	char err[200];

	acpi_build_defaults(&cfg, ACPI_AT, cpus);
	cfg.s5_slp_typ = 0;
	cfg.ecam_base = 0xB0000000;
	cfg.ecam_bus_end = 255;
	if (acpi_build(&cfg, m->host + ACPI_AT, ACPI_LEN, &res, err, sizeof(err))) {
		fprintf(stderr, "harness: %s\n", err);
		exit(1);
	}
	l->rsdp = res.rsdp;
	l->region_count = 3;
	l->regions[0] = (struct linux_region){ACPI_AT, ACPI_LEN, E820_ACPI};
	l->regions[1] = (struct linux_region){0x9FC00, 0x100000 - 0x9FC00, E820_RESERVED};
	l->regions[2] = (struct linux_region){0xB0000000, 0x10000000, E820_RESERVED};
}

/* The entry description stub.S reads: magic, mode, entry, params, cr3. */
static void write_desc(struct guest_mem *m, const struct linux_boot *b)
{
	uint32_t head[2] = {DESC_MAGIC, b->mode};
	uint64_t regs[3] = {b->entry, b->params, b->cr3};

	memcpy(m->host + DESC_AT, head, sizeof(head));
	memcpy(m->host + DESC_AT + 8, regs, sizeof(regs));
}

int main(int argc, char **argv)
{
	struct guest_mem m;
	struct linux_layout l;
	struct linux_boot b;
	size_t klen, ilen, kbytes;
	uint8_t *k, *initrd;
	char err[200];

	if (argc != 7) {
		fprintf(stderr, "usage: harness KERNEL INITRD MEM_MIB CPUS CMDLINE OUTDIR\n");
		return 2;
	}
	k = slurp(argv[1], &klen);
	initrd = slurp(argv[2], &ilen);
	m.size = strtoull(argv[3], NULL, 0) << 20;
	m.host = calloc(1, m.size);
	build_acpi(&m, (uint32_t)atoi(argv[4]), &l);
	if (linux_load(k, klen, initrd, ilen, argv[5], &m, &l, &b, err, sizeof(err))) {
		fprintf(stderr, "harness: %s\n", err);
		return 1;
	}
	write_desc(&m, &b);
	/* a bzImage's payload is what the loader copied; a vmlinux's is its whole extent */
	kbytes = b.mode == LINUX_ENTRY_64 ? klen - ((k[0x1F1] ? k[0x1F1] : 4) + 1) * 512u
					  : (size_t)(b.kernel_end - b.kernel_base);
	dump(argv[6], "low.bin", m.host, LOW_LEN);
	dump(argv[6], "kernel.bin", m.host + b.kernel_base, kbytes);
	dump(argv[6], "initrd.bin", m.host + b.initrd_base, ilen);
	printf("%s/low.bin 0x0,%s/kernel.bin %#llx,%s/initrd.bin %#llx\n", argv[6], argv[6],
	       (unsigned long long)b.kernel_base, argv[6], (unsigned long long)b.initrd_base);
	fprintf(stderr, "harness: mode %u entry %#llx params %#llx e820 %u entries\n", b.mode,
		(unsigned long long)b.entry, (unsigned long long)b.params, b.e820_count);
	return 0;
}
