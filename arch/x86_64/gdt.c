/*
 * gdt.c - per-CPU GDT and TSS, and arch_cpu_init(), which gives a CPU its
 * descriptor tables and its per-CPU pointer.
 *
 * Each CPU slot has its own GDT, TSS and IST stacks in static arrays indexed
 * by the logical CPU number: the bootstrap CPU sets itself up before the
 * allocator exists, and static tables make every CPU's setup identical.
 * Each CPU needs its own TSS because LTR marks the descriptor busy and
 * because the IST stacks must not be shared.
 */
#include <hv/arch.h>
#include <hv/cpu.h>
#include <hv/printk.h>
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/msr.h>

/* Segment descriptor bits (SDM Vol. 3A 3.4.5) */
#define SEG_ACCESSED   BIT(40)
#define SEG_RW	       BIT(41) /* data: writable; code: readable */
#define SEG_CODE       BIT(43)
#define SEG_S	       BIT(44) /* code or data, not system */
#define SEG_P	       BIT(47)
#define SEG_L	       BIT(53) /* 64-bit code */
#define SEG_DB	       BIT(54)
#define SEG_G	       BIT(55)
#define SEG_LIMIT_MAX  (GENMASK(15, 0) | GENMASK(51, 48))
#define SYS_TYPE_TSS64 0x9ULL /* available 64-bit TSS (SDM Vol. 3A 3.5, table 3-2) */

struct cpu_tables {
	uint64_t gdt[GDT_ENTRIES];
	struct tss64 tss;
} __aligned(64);

static struct cpu_tables cpu_tables[HV_MAX_CPUS];
static uint8_t ist_stacks[HV_MAX_CPUS][IST_COUNT][IST_STACK_SIZE] __aligned(16);

compile_assert(sizeof(struct tss64) == 104);
compile_assert(GDT_SEL_TSS / 8 + 2 == GDT_ENTRIES);

/* SDM Vol. 3A 8.2.3, Figure 8-4: the 16-byte TSS descriptor in long mode. */
static void tss_descriptor(uint64_t *slot, uint64_t base, uint32_t limit)
{
	slot[0] = (limit & GENMASK(15, 0)) | ((base & GENMASK(23, 0)) << 16) |
		  (SYS_TYPE_TSS64 << 40) | SEG_P | ((uint64_t)(limit >> 16) & 0xf) << 48 |
		  ((base >> 24) & 0xff) << 56;
	slot[1] = base >> 32;
}

static void tables_build(struct cpu_tables *t, uint32_t cpu_id)
{
	const uint64_t common = SEG_ACCESSED | SEG_RW | SEG_S | SEG_P | SEG_G | SEG_LIMIT_MAX;

	t->gdt[GDT_SEL_NULL / 8] = 0;
	t->gdt[GDT_SEL_CODE64 / 8] = common | SEG_CODE | SEG_L;
	t->gdt[GDT_SEL_DATA / 8] = common | SEG_DB;
	t->tss = (struct tss64){.iomap_base = sizeof(struct tss64)}; /* no I/O bitmap */
	for (int i = 0; i < IST_COUNT; i++)
		t->tss.ist[i] = (uint64_t)(uintptr_t)&ist_stacks[cpu_id][i][IST_STACK_SIZE];
	/* rewritten as "available" every time: LTR faults on a busy TSS */
	tss_descriptor(&t->gdt[GDT_SEL_TSS / 8], (uint64_t)(uintptr_t)&t->tss,
		       sizeof(struct tss64) - 1);
}

void gdt_load_cpu(uint32_t cpu_id)
{
	struct cpu_tables *t = &cpu_tables[cpu_id];
	struct desc_ptr gdtr = {.limit = sizeof(t->gdt) - 1, .base = (uint64_t)(uintptr_t)t->gdt};

	tables_build(t, cpu_id);
	lgdt(&gdtr);
	load_segments(GDT_SEL_CODE64, GDT_SEL_DATA);
	ltr(GDT_SEL_TSS);
}

/*
 * Caches on (a CPU leaves reset, and some firmware leaves the BSP, with
 * CR0.CD and NW set: SDM Vol. 3A 12.5.1) and native x87 error reporting
 * (CR0.NE, which VMX operation requires anyway).  Going from CD=1 to CD=0
 * needs no cache flush.
 */
static void cr0_normalize(void)
{
	uint64_t cr0 = read_cr0();
	uint64_t want = (cr0 & ~(CR0_CD | CR0_NW)) | CR0_NE;

	if (want != cr0)
		write_cr0(want);
}

/*
 * arch_cpu_init - see arch.h.
 * Precondition: 64-bit mode, interrupts off, a valid stack, any CR3 that
 * maps the image; cpu->cpu_id < HV_MAX_CPUS.
 * Leaves: CR0.CD/NW clear and CR0.NE set; this slot's GDT in GDTR;
 * CS = GDT_SEL_CODE64; SS/DS/ES = GDT_SEL_DATA; FS = GS = null selector
 * (FS base not relied on); GS base = cpu, cpu->self = cpu (this_cpu()
 * works); TR = GDT_SEL_TSS with IST stacks for #DF/NMI/#MC; the shared
 * IDT in IDTR.  Interrupts stay off.  Safe to call again, on the same slot
 * or another one (the BSP moves from slot 0 to its MADT slot).
 */
void arch_cpu_init(struct percpu *cpu)
{
	if (cpu->cpu_id >= HV_MAX_CPUS)
		panic("arch: cpu number %u out of range (max %u)", cpu->cpu_id, HV_MAX_CPUS);
	cpu->self = cpu;
	cr0_normalize();
	gdt_load_cpu(cpu->cpu_id);
	/* after the segment loads: loading GS with a selector clears its base */
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)cpu);
	idt_load();
}
