/*
 * partition.c - guests from hv.cfg: build (memory, EPT, image, vCPU
 * placement), start, stop, and what happens when the last one stops.
 *
 * Building follows "check, then apply" per guest: everything that can be
 * refused (CPUs, files, the image format) is checked before memory is
 * taken.  Guest RAM is one contiguous, 2 MiB-aligned block of host RAM,
 * zeroed, mapped at guest-physical 0 by the guest's own EPT and by nothing
 * else: the hypervisor's memory and other guests' memory are never mapped
 * into a guest.
 */
#include <hv/acpi_build.h>
#include <hv/bootfile.h>
#include <hv/guest.h>
#include <hv/lib.h>
#include <hv/loader.h>
#include <hv/mm.h>
#include <hv/power.h>
#include <hv/printk.h>
#include <hv/runq.h>
#include <hv/vplatform.h>
#include <arch/cpu.h>
#include "vmx/vmcs_setup.h"

#define GUEST_RAM_ALIGN	   (2 * MiB)
#define GUEST_RAM_ALIGN_1G GiB
#define MB1_MODS_MAX	   CONFIG_MAX_MODULES

struct guest guests[CONFIG_MAX_GUESTS];
uint32_t guest_count;

/* The loaders use static buffers: one guest (re)loads at a time. */
static spinlock_t load_lock = SPINLOCK_INIT;

__printf(2, 3) static int part_fail(const struct config_guest *c, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("guest %s: not started: %s\n", c->name, msg);
	return -1;
}

/* vCPUs already placed on cpu by the guests built before g. */
static uint32_t part_cpu_load(const struct guest *g, uint32_t cpu)
{
	uint32_t n = 0;

	for (const struct guest *o = guests; o < g; o++)
		for (uint32_t i = 0; i < o->vcpu_count; i++)
			n += o->vcpus[i].pcpu == cpu;
	return n;
}

/*
 * vCPU i on the i-th listed CPU, modulo their count (vcpus = N, default one
 * per CPU).  Every CPU must be up with VT-x; a CPU carries at most
 * RUNQ_MAX_ENTITIES vCPUs, and one that would carry several needs the
 * VMX-preemption timer for its time slices.  hv.cfg's check already made
 * sure that only guests saying shared = yes share a CPU.
 */
static int part_place_vcpus(struct guest *g, const struct config_guest *c)
{
	uint32_t count = c->vcpus ? c->vcpus : c->cpu_count;

	if (!c->cpu_count)
		return part_fail(c, "no cpus");
	if (count > GUEST_MAX_VCPUS)
		return part_fail(c, "%u vcpus, at most %u", count, GUEST_MAX_VCPUS);
	for (uint32_t n = 0; n < count; n++) {
		uint32_t cpu = config_vcpu_cpu(c, n), load;

		if (cpu >= HV_MAX_CPUS || !percpu[cpu].online || !percpu[cpu].vmx_on)
			return part_fail(c, "cpu %u is not online with VT-x", cpu);
		g->vcpus[n] = (struct vcpu){.guest = g, .index = n, .pcpu = cpu};
		g->vcpu_count = n + 1;
		load = part_cpu_load(g + 1, cpu);
		if (load > RUNQ_MAX_ENTITIES)
			return part_fail(c, "cpu %u: %u vcpus, at most %u", cpu, load,
					 RUNQ_MAX_ENTITIES);
		if (load > 1 && !vcpu_arch_can_preempt())
			return part_fail(c,
					 "cpu %u would be shared, but VT-x offers no "
					 "VMX-preemption timer for time slices",
					 cpu);
	}
	return 0;
}

static int part_memory(struct guest *g, const struct config_guest *c)
{
	uint32_t flags = EPT_RWX | (vmx_ctrls.has_ept_2m ? EPT_ALLOW_2M : 0) |
			 (vmx_ctrls.has_ept_1g ? EPT_ALLOW_1G : 0);
	int rc;

	g->mem_size = c->memory;
	/* 1 GiB-aligned when the guest has a GiB or more, so EPT can map it
	 * with 1 GiB pages (fewer TLB misses); 2 MiB when that much aligned
	 * free memory is not there */
	if (vmx_ctrls.has_ept_1g && g->mem_size >= GUEST_RAM_ALIGN_1G)
		g->mem_hpa = pmm_alloc(&hv_pmm, g->mem_size, GUEST_RAM_ALIGN_1G);
	if (!g->mem_hpa)
		g->mem_hpa = pmm_alloc(&hv_pmm, g->mem_size, GUEST_RAM_ALIGN);
	if (!g->mem_hpa)
		return part_fail(c, "no %llu MiB of contiguous free memory",
				 (unsigned long long)(g->mem_size / MiB));
	/* nothing of the host's or an earlier guest's data may show through */
	pr_debug("guest %s: %llu MiB of RAM at host-physical %#llx\n", c->name,
		 (unsigned long long)(g->mem_size / MiB), (unsigned long long)g->mem_hpa);
	memset((void *)(uintptr_t)g->mem_hpa, 0, g->mem_size);
	rc = ept_init_hv(&g->ept);
	if (!rc)
		rc = ept_map(&g->ept, 0, g->mem_hpa, g->mem_size, flags);
	if (rc)
		return part_fail(c, "EPT: %s", ept_strerror(rc));
	return 0;
}

/* The multiboot modules of c as the loader wants them. */
static int part_modules(const struct config_guest *c, struct loader_module *mods,
			char strings[][CONFIG_PATH_MAX + CONFIG_ARGS_MAX])
{
	for (uint32_t i = 0; i < c->module_count; i++) {
		const struct config_module *cm = &c->modules[i];
		const struct boot_module *bm = bootfile_find(hv_boot_info, cm->path);

		if (!bm)
			return part_fail(c, "module '%s' is not on the boot medium", cm->path);
		snprintf(strings[i], CONFIG_PATH_MAX + CONFIG_ARGS_MAX, "%s%s%s", cm->path,
			 cm->args[0] ? " " : "", cm->args);
		mods[i] = (struct loader_module){.data = (const void *)(uintptr_t)bm->start,
						 .len = bm->end - bm->start,
						 .string = strings[i]};
	}
	return 0;
}

static int part_load_mb1(struct guest *g, const struct config_guest *c, const struct boot_module *k)
{
	static struct loader_module mods[MB1_MODS_MAX];
	static char strings[MB1_MODS_MAX][CONFIG_PATH_MAX + CONFIG_ARGS_MAX];
	const struct guest_mem mem = {.host = (uint8_t *)(uintptr_t)g->mem_hpa,
				      .size = g->mem_size};
	struct vcpu_boot *b = &g->vcpus[0].arch.boot;
	struct mb1_boot mb;
	char err[160];

	if (part_modules(c, mods, strings))
		return -1;
	if (mb1_load((const void *)(uintptr_t)k->start, k->end - k->start, &mem, c->cmdline, mods,
		     c->module_count, &mb, err, sizeof(err)))
		return part_fail(c, "%s: %s", c->kernel, err);
	b->mode = VCPU_BOOT_PROT32;
	b->rip = mb.entry;
	b->gpr[VCPU_REG_RAX] = MB1_BOOTLOADER_MAGIC;
	b->gpr[VCPU_REG_RBX] = mb.mbi;
	return 0;
}

/* The PC layout of docs/linux-guests.md: the EBDA/BIOS hole reserved, the
 * ACPI tables (describing the guest's virtual platform) at 0xE0000, where
 * the legacy RSDP scan finds them too. */
#define LX_EBDA_BASE 0x9fc00
#define LX_ACPI_BASE 0xe0000
#define LX_ACPI_END  0x100000

static int part_linux_acpi(struct guest *g, const struct config_guest *c,
			   struct linux_layout *layout)
{
	struct acpi_build_config cfg;
	struct acpi_build_result res;
	void *buf = guest_ram_ptr(g, LX_ACPI_BASE, LX_ACPI_END - LX_ACPI_BASE);
	char err[120];

	if (!buf)
		return part_fail(c, "memory too small for the ACPI tables at %#x", LX_ACPI_BASE);
	vplatform_acpi_config(&cfg, LX_ACPI_BASE, g->vcpu_count);
	if (acpi_build(&cfg, buf, LX_ACPI_END - LX_ACPI_BASE, &res, err, sizeof(err)))
		return part_fail(c, "ACPI tables: %s", err);
	layout->rsdp = res.rsdp;
	layout->regions[0] = (struct linux_region){
	    .base = LX_EBDA_BASE, .size = LX_ACPI_BASE - LX_EBDA_BASE, .type = E820_RESERVED};
	layout->regions[1] = (struct linux_region){
	    .base = LX_ACPI_BASE, .size = LX_ACPI_END - LX_ACPI_BASE, .type = E820_ACPI};
	layout->region_count = 2;
	return 0;
}

/* A Linux bzImage (64-bit entry) or vmlinux (PVH 32-bit entry): the boot
 * vCPU starts as struct linux_boot says. */
static int part_load_linux(struct guest *g, const struct config_guest *c,
			   const struct boot_module *k)
{
	const struct guest_mem mem = {.host = (uint8_t *)(uintptr_t)g->mem_hpa,
				      .size = g->mem_size};
	const struct boot_module *rd = c->initrd[0] ? bootfile_find(hv_boot_info, c->initrd) : NULL;
	static struct linux_layout layout;
	struct vcpu_boot *b = &g->vcpus[0].arch.boot;
	struct linux_boot lb;
	char err[160];

	if (c->initrd[0] && !rd)
		return part_fail(c, "initrd '%s' is not on the boot medium", c->initrd);
	memset(&layout, 0, sizeof(layout));
	if (part_linux_acpi(g, c, &layout))
		return -1;
	if (linux_load((const void *)(uintptr_t)k->start, k->end - k->start,
		       rd ? (const void *)(uintptr_t)rd->start : NULL, rd ? rd->end - rd->start : 0,
		       c->cmdline, &mem, &layout, &lb, err, sizeof(err)))
		return part_fail(c, "%s", err);
	b->mode = lb.mode == LINUX_ENTRY_64 ? VCPU_BOOT_LONG64 : VCPU_BOOT_PROT32;
	b->rip = lb.entry;
	b->rsp = lb.stack;
	b->cr3 = lb.cr3;
	b->gdt_base = lb.gdt_base;
	b->gdt_limit = lb.gdt_limit;
	b->cs = lb.cs;
	b->ds = lb.ds;
	b->gpr[lb.mode == LINUX_ENTRY_64 ? VCPU_REG_RSI : VCPU_REG_RBX] = lb.params;
	return 0;
}

static int part_load(struct guest *g, const struct config_guest *c)
{
	const struct boot_module *k = bootfile_find(hv_boot_info, c->kernel);
	const void *img;
	size_t len;

	if (!k)
		return part_fail(c, "kernel '%s' is not on the boot medium", c->kernel);
	img = (const void *)(uintptr_t)k->start;
	len = k->end - k->start;
	if (mb1_is_image(img, len))
		return part_load_mb1(g, c, k);
	if (linux_is_bzimage(img, len) || linux_is_pvh_elf(img, len))
		return part_load_linux(g, c, k);
	return part_fail(c, "kernel '%s' is neither a multiboot image nor a Linux kernel",
			 c->kernel);
}

/* The VT-x side: bitmaps, then a VMCS per vCPU.  On failure the few pages
 * already taken are not given back: only a machine that is out of memory
 * gets here, and the guest is then not started. */
static int part_arch_create(struct guest *g, const struct config_guest *c)
{
	if (guest_arch_create(g))
		return part_fail(c, "no memory left for its VMX bitmaps");
	for (uint32_t i = 0; i < g->vcpu_count; i++)
		if (vcpu_arch_create(&g->vcpus[i]))
			return part_fail(c, "no memory left for the VMCS of vcpu %u", i);
	if (vplatform_create(g))
		return part_fail(c, "its virtual platform could not be built");
	return 0;
}

/* Build guest slot g from c.  On failure the slot stays GUEST_EMPTY; the
 * memory already taken is given back. */
static int part_create(struct guest *g, const struct config_guest *c, uint32_t id)
{
	memset(g, 0, sizeof(*g));
	g->id = id;
	g->name = c->name;
	g->cfg = c;
	if (part_place_vcpus(g, c) || part_memory(g, c) || part_load(g, c) ||
	    part_arch_create(g, c)) {
		if (g->ept.pt.root)
			ept_destroy(&g->ept);
		if (g->mem_hpa)
			pmm_free(&hv_pmm, g->mem_hpa, g->mem_size);
		g->state = GUEST_EMPTY;
		return -1;
	}
	vdev_info_attach(g);
	g->state = GUEST_READY;
	return 0;
}

uint32_t part_create_all(const struct hv_config *cfg)
{
	uint32_t built = 0;

	sched_set_slice(cfg->hv.slice_ns);

	for (uint32_t i = 0; i < cfg->guest_count; i++)
		if (!part_create(&guests[built], &cfg->guests[i], built))
			built++;
	guest_count = built;
	return built;
}

/* Back to the state part_create() left: RAM zeroed, vCPUs at reset. */
static void part_reset(struct guest *g)
{
	memset((void *)(uintptr_t)g->mem_hpa, 0, g->mem_size);
	for (uint32_t i = 0; i < g->vcpu_count; i++) {
		struct vcpu *v = &g->vcpus[i];

		memset(&v->arch.boot, 0, sizeof(v->arch.boot));
		memset(v->arch.gpr, 0, sizeof(v->arch.gpr));
		v->arch.cr2 = 0;
		v->arch.launched = 0;
		v->irq_pending = false;
	}
	g->console.len = 0;
	vplatform_reset(g);
}

int part_reload(struct guest *g)
{
	int rc;

	spin_lock(&load_lock);
	part_reset(g);
	rc = part_load(g, g->cfg);
	spin_unlock(&load_lock);
	return rc;
}

bool guest_add_mmio(struct guest *g, const struct mmio_region *r)
{
	if (g->mmio_count == GUEST_MAX_MMIO)
		return false;
	g->mmio[g->mmio_count++] = *r;
	return true;
}

const struct mmio_region *guest_find_mmio(const struct guest *g, uint64_t gpa)
{
	for (uint32_t i = 0; i < g->mmio_count; i++)
		if (gpa >= g->mmio[i].gpa && gpa - g->mmio[i].gpa < g->mmio[i].size)
			return &g->mmio[i];
	return NULL;
}
