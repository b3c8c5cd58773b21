/*
 * linux_pvh.c - load an uncompressed Linux vmlinux (ELF64) through its PVH
 * entry, as Firecracker and Cloud Hypervisor do: no bzImage decompressor
 * runs in the guest, which halves a boot under emulation.
 *
 * The entry point is the XEN_ELFNOTE_PHYS32_ENTRY note (type 18, owner
 * "Xen"), reached in 32-bit protected mode with paging off and EBX pointing
 * at struct hvm_start_info (Xen docs/misc/pvh.pandoc; the layout is
 * xen/include/public/arch-x86/hvm/start_info.h).  PT_LOAD segments go at
 * their p_paddr: the kernel is linked for that address and not relocated.
 *
 * References: ELF-64 Object File Format 1.5 (header, program headers, note
 * layout: namesz, descsz, type, name and desc each padded to 4 bytes).
 */
#include <hv/lib.h>
#include <hv/loader.h>

#include "linux_internal.h"

/* ELF64 header and program header offsets (ELF-64 1.5 tables 2, 10). */
#define EH_CLASS		 4
#define EH_DATA			 5
#define EH_MACHINE		 18
#define EH_PHOFF		 32
#define EH_PHENTSIZE		 54
#define EH_PHNUM		 56
#define EH_LEN			 64
#define ELFCLASS64		 2
#define ELFDATA2LSB		 1
#define EM_X86_64		 62
#define PH_TYPE			 0
#define PH_OFFSET		 8
#define PH_PADDR		 24
#define PH_FILESZ		 32
#define PH_MEMSZ		 40
#define PH_LEN			 56
#define PH_MAX			 64
#define PT_LOAD			 1
#define PT_NOTE			 4
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* struct hvm_start_info (version 1), hvm_modlist_entry, hvm_memmap_table_entry */
#define SI_MAGIC_VALUE	    0x336EC578
#define SI_MAGIC	    0
#define SI_VERSION	    4
#define SI_FLAGS	    8
#define SI_NR_MODULES	    12
#define SI_MODLIST_PADDR    16
#define SI_CMDLINE_PADDR    24
#define SI_RSDP_PADDR	    32
#define SI_MEMMAP_PADDR	    40
#define SI_MEMMAP_ENTRIES   48
#define SI_LEN		    56
#define SI_MODLIST	    (LINUX_START_INFO + 0x40)
#define SI_MOD_LEN	    32
#define SI_MEMMAP	    (LINUX_START_INFO + 0x80)
#define SI_MEMMAP_ENTRY_LEN 24

compile_assert(SI_MEMMAP + LX_MAX_E820 * SI_MEMMAP_ENTRY_LEN <= LINUX_START_INFO + PAGE_SIZE);

struct pvh_image {
	const uint8_t *k;
	size_t klen;
	uint64_t phoff;
	uint32_t phnum;
	uint64_t entry;
};

bool linux_is_pvh_elf(const void *kernel, size_t klen)
{
	const uint8_t *k = kernel;

	return klen >= EH_LEN && k[0] == 0x7F && k[1] == 'E' && k[2] == 'L' && k[3] == 'F' &&
	       k[EH_CLASS] == ELFCLASS64 && k[EH_DATA] == ELFDATA2LSB &&
	       lx_get(k + EH_MACHINE, 2) == EM_X86_64;
}

static const uint8_t *pvh_phdr(const struct pvh_image *img, uint32_t i)
{
	return img->k + img->phoff + (uint64_t)i * PH_LEN;
}

/* Search one PT_NOTE segment for the PHYS32 entry note; true when found. */
static bool pvh_scan_notes(const struct pvh_image *img, uint64_t off, uint64_t len, uint64_t *entry)
{
	uint64_t pos = 0;

	while (len - pos >= 12) {
		const uint8_t *n = img->k + off + pos;
		uint64_t namesz = lx_get(n, 4), descsz = lx_get(n + 4, 4);
		uint64_t type = lx_get(n + 8, 4);
		uint64_t name_pad = ALIGN_UP(namesz, 4), desc_pad = ALIGN_UP(descsz, 4);

		if (name_pad > len - pos - 12 || desc_pad > len - pos - 12 - name_pad)
			return false;
		if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 && !memcmp(n + 12, "Xen", 4) &&
		    (descsz == 4 || descsz == 8)) {
			*entry = lx_get(n + 12 + name_pad, (uint32_t)descsz);
			return true;
		}
		pos += 12 + name_pad + desc_pad;
	}
	return false;
}

static int pvh_check_header(struct lx_plan *plan, struct pvh_image *img)
{
	const uint8_t *k = img->k;
	bool found = false;

	img->phoff = lx_get(k + EH_PHOFF, 8);
	img->phnum = (uint32_t)lx_get(k + EH_PHNUM, 2);
	if (lx_get(k + EH_PHENTSIZE, 2) != PH_LEN || img->phnum == 0 || img->phnum > PH_MAX)
		return lx_fail(plan,
			       "kernel: ELF program header table (%u entries of %llu bytes) "
			       "is not usable",
			       img->phnum, (unsigned long long)lx_get(k + EH_PHENTSIZE, 2));
	if (img->phoff > img->klen || (uint64_t)img->phnum * PH_LEN > img->klen - img->phoff)
		return lx_fail(plan,
			       "kernel: ELF program headers at %#llx lie past the end of the "
			       "%zu-byte file",
			       (unsigned long long)img->phoff, img->klen);
	for (uint32_t i = 0; i < img->phnum && !found; i++) {
		const uint8_t *ph = pvh_phdr(img, i);
		uint64_t off = lx_get(ph + PH_OFFSET, 8), sz = lx_get(ph + PH_FILESZ, 8);

		if (lx_get(ph + PH_TYPE, 4) == PT_NOTE && off <= img->klen && sz <= img->klen - off)
			found = pvh_scan_notes(img, off, sz, &img->entry);
	}
	if (!found)
		return lx_fail(plan, "kernel: ELF image without the PVH entry note "
				     "(XEN_ELFNOTE_PHYS32_ENTRY): built without CONFIG_PVH?");
	if (img->entry >= LX_IDENTITY_TOP)
		return lx_fail(plan, "kernel: PVH entry %#llx is not a 32-bit address",
			       (unsigned long long)img->entry);
	return 0;
}

/* Check every PT_LOAD segment against the file and free guest RAM; note the kernel's extent. */
static int pvh_check_segments(struct lx_plan *plan, const struct pvh_image *img)
{
	char s[32];

	plan->kbase = ~0ULL;
	plan->kend = 0;
	for (uint32_t i = 0; i < img->phnum; i++) {
		const uint8_t *ph = pvh_phdr(img, i);
		uint64_t off = lx_get(ph + PH_OFFSET, 8), pa = lx_get(ph + PH_PADDR, 8);
		uint64_t fsz = lx_get(ph + PH_FILESZ, 8), msz = lx_get(ph + PH_MEMSZ, 8);

		if (lx_get(ph + PH_TYPE, 4) != PT_LOAD || msz == 0)
			continue;
		if (fsz > msz || off > img->klen || fsz > img->klen - off)
			return lx_fail(plan,
				       "kernel: segment %u (offset %#llx, %#llx bytes) lies "
				       "past the end of the %zu-byte file",
				       i, (unsigned long long)off, (unsigned long long)fsz,
				       img->klen);
		if (!lx_is_free(plan, pa, msz))
			return lx_fail(plan,
				       "kernel: segment %u at [%#llx, +%#llx) is not in free "
				       "RAM of the %s of guest memory",
				       i, (unsigned long long)pa, (unsigned long long)msz,
				       lx_size_str(plan->mem->size, s));
		plan->kbase = MIN(plan->kbase, pa);
		plan->kend = MAX(plan->kend, pa + msz);
	}
	if (plan->kend == 0)
		return lx_fail(plan, "kernel: ELF image has no loadable segment");
	if (img->entry < plan->kbase || img->entry >= plan->kend)
		return lx_fail(plan,
			       "kernel: PVH entry %#llx lies outside the loaded kernel "
			       "[%#llx, %#llx)",
			       (unsigned long long)img->entry, (unsigned long long)plan->kbase,
			       (unsigned long long)plan->kend);
	return 0;
}

static void pvh_copy_segments(const struct lx_plan *plan, const struct pvh_image *img)
{
	for (uint32_t i = 0; i < img->phnum; i++) {
		const uint8_t *ph = pvh_phdr(img, i);
		uint64_t off = lx_get(ph + PH_OFFSET, 8), pa = lx_get(ph + PH_PADDR, 8);
		uint64_t fsz = lx_get(ph + PH_FILESZ, 8), msz = lx_get(ph + PH_MEMSZ, 8);

		if (lx_get(ph + PH_TYPE, 4) != PT_LOAD || msz == 0)
			continue;
		memcpy(plan->mem->host + pa, img->k + off, fsz);
		memset(plan->mem->host + pa + fsz, 0, msz - fsz); /* .bss */
	}
}

static void pvh_write_start_info(const struct lx_plan *plan, size_t ilen)
{
	uint8_t *si = plan->mem->host + LINUX_START_INFO;

	memset(si, 0, PAGE_SIZE);
	lx_put(si + SI_MAGIC, SI_MAGIC_VALUE, 4);
	lx_put(si + SI_VERSION, 1, 4); /* version 1: memmap present */
	lx_put(si + SI_FLAGS, 0, 4);
	lx_put(si + SI_NR_MODULES, ilen ? 1 : 0, 4);
	lx_put(si + SI_MODLIST_PADDR, ilen ? SI_MODLIST : 0, 8);
	lx_put(si + SI_CMDLINE_PADDR, LINUX_CMDLINE, 8);
	lx_put(si + SI_RSDP_PADDR, plan->layout->rsdp, 8);
	lx_put(si + SI_MEMMAP_PADDR, SI_MEMMAP, 8);
	lx_put(si + SI_MEMMAP_ENTRIES, plan->e820_count, 4);
	if (ilen) {
		uint8_t *mod = plan->mem->host + SI_MODLIST;

		lx_put(mod, plan->initrd_base, 8);
		lx_put(mod + 8, ilen, 8);
	}
	for (uint32_t i = 0; i < plan->e820_count; i++) {
		uint8_t *e = plan->mem->host + SI_MEMMAP + SI_MEMMAP_ENTRY_LEN * i;

		lx_put(e, plan->e820[i].addr, 8);
		lx_put(e + 8, plan->e820[i].size, 8);
		lx_put(e + 16, plan->e820[i].type, 4);
	}
}

int lx_pvh_load(struct lx_plan *plan, const uint8_t *k, size_t klen, const void *initrd,
		size_t ilen, const char *cmdline, struct linux_boot *out)
{
	struct pvh_image img = {.k = k, .klen = klen};

	if (pvh_check_header(plan, &img) || pvh_check_segments(plan, &img))
		return -1;
	/*
	 * Linux's PVH code copies the module address into the 32-bit
	 * hdr.ramdisk_image alone (arch/x86/platform/pvh/enlighten.c), so the
	 * initrd stays below 4 GiB.
	 */
	if (lx_place_initrd(plan, ilen, LX_IDENTITY_TOP, "4 GiB"))
		return -1;
	pvh_copy_segments(plan, &img);
	pvh_write_start_info(plan, ilen);
	lx_write_common(plan, cmdline, initrd, ilen, out);
	out->mode = LINUX_ENTRY_PVH32;
	out->entry = img.entry;
	out->params = LINUX_START_INFO;
	out->cr3 = 0;
	out->cs = LINUX_SEL_CS32;
	return 0;
}
