/*
 * vmcs_setup.c - a vCPU's VMCS in three named steps: controls, host state,
 * guest state (SDM Vol. 3C chapter 25), plus the guest-state explainer used
 * when a VM entry fails.
 *
 * The controls come from vmx/vmx_ctrl.c's negotiation; here they are
 * trimmed of optional features this hypervisor does not drive (posted
 * interrupts; the preemption timer, which each shared-CPU vCPU arms
 * itself), unless the CPU insists on them, and APIC virtualization is
 * chosen or dropped as a whole (vmx_ctrl_choose_apicv).
 */
#include <hv/cmdline.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/printk.h>
#include <hv/vmx.h>
#include <hv/vplatform.h>
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/msr.h>
#include "vmx/cr_check.h"
#include "vmx/exits.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_setup.h"

#define AR_CODE	      (AR_P | AR_S | 0xb)   /* execute/read, accessed */
#define AR_DATA	      (AR_P | AR_S | 0x3)   /* read/write, accessed */
#define AR_TSS_BUSY   (AR_P | 0xb)	    /* 32/64-bit busy TSS */
#define GUEST_PAT     0x0007040600070406ULL /* the power-on PAT (SDM 13.12.4) */
#define RFLAGS_FIXED1 BIT(1)
#define DR7_INIT      0x400ULL
#define CR0_ET	      BIT(4)
#define BOOT_SEL_CS   0x10 /* selectors when the loader names none */
#define BOOT_SEL_DS   0x18

struct vmx_ctrls vmx_ctrls;
struct vmx_cap_msrs vmx_caps;
static uint64_t vmx_apic_access_pa; /* the APIC-access page, 0 without APIC virtualization */

uint64_t vmx_apic_access_page(void)
{
	return vmx_ctrls.apicv ? vmx_apic_access_pa : 0;
}

#define VMX_MISC_PREEMPT_SHIFT_MASK GENMASK(4, 0) /* SDM A.6 */

extern const char vmx_exit_entry[];

int vmx_setup_controls(char *err, size_t len)
{
	struct vmx_ctrls *c = &vmx_ctrls;

	vmx_ctrl_read_caps(&vmx_caps);
	if (vmx_ctrl_negotiate_all(&vmx_caps, c, err, len))
		return -1;
	/* The preemption timer is per vCPU: only vCPUs on shared CPUs arm it,
	 * before an entry, when another vCPU waits (vmx/vcpu_switch.c). */
	c->has_preempt_timer = (c->pin & PIN_PREEMPT_TIMER) != 0;
	c->preempt_shift = (uint8_t)(rdmsr(MSR_IA32_VMX_MISC) & VMX_MISC_PREEMPT_SHIFT_MASK);
	/* no posted-interrupt descriptor: interrupts for a running vCPU go
	 * through its vLAPIC's request bitmap and a kick instead */
	c->pin = vmx_ctrl_drop(c->pin, PIN_PREEMPT_TIMER | PIN_POSTED_INTR, vmx_caps.pin);
	vmx_ctrl_choose_apicv(c, &vmx_caps, !hv_opts.apicv_off);
	/* One page for every guest: only its address matters, the CPU never
	 * reads it (SDM 30.4); page_alloc_zeroed panics rather than fail. */
	if (c->apicv && !vmx_apic_access_pa)
		vmx_apic_access_pa = (uint64_t)(uintptr_t)page_alloc_zeroed(1);
	pr_info("vmx: APIC virtualization %s\n",
		c->apicv ? "on (virtual-interrupt delivery, APIC-register virtualization)"
		: hv_opts.apicv_off ? "off (apicv=off)"
				    : "off (the CPU lacks part of it: LAPIC accesses exit)");
	/* Without "acknowledge interrupt on exit" an interrupt that caused an
	 * exit stays pending in the LAPIC; the host takes it through its own
	 * IDT as soon as it opens an interrupt window (exit_external_intr). */
	c->exit =
	    vmx_ctrl_drop(c->exit, EXIT_ACK_INTR_ON_EXIT | EXIT_SAVE_PREEMPT_TIMER, vmx_caps.exit);
	return 0;
}

uint64_t vmx_guest_cr0(uint64_t want)
{
	uint64_t f0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0), f1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);

	/* unrestricted guest: PE and PG may be 0 (SDM 26.3.1.1) */
	f0 &= ~(uint64_t)(CR0_PE | CR0_PG);
	return (want | f0) & f1;
}

uint64_t vmx_guest_cr4(uint64_t want)
{
	return (want | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) & rdmsr(MSR_IA32_VMX_CR4_FIXED1);
}

/* The virtual-APIC page is the vCPU's vLAPIC register page (core/vplatform.c,
 * hv/vdev_lapic.h); RVI/SVI and the EOI-exit bitmap are rewritten before
 * every entry (vcpu_apicv_sync). */
static void vmcs_init_apicv(struct vcpu *vcpu)
{
	const struct vmx_ctrls *c = &vmx_ctrls;

	if (c->proc & PROC_TPR_SHADOW) {
		vmcs_write64(VMCS_CTRL_VIRTUAL_APIC_ADDR, vplatform_vapic_page(vcpu));
		vmcs_write32(VMCS_CTRL_TPR_THRESHOLD, 0);
	}
	if (c->proc2 & PROC2_VIRT_APIC_ACCESSES)
		vmcs_write64(VMCS_CTRL_APIC_ACCESS_ADDR, vmx_apic_access_pa);
	if (!(c->proc2 & PROC2_VIRT_INTR_DELIVERY))
		return;
	vmcs_write64(VMCS_CTRL_EOI_EXIT_BITMAP0, 0);
	vmcs_write64(VMCS_CTRL_EOI_EXIT_BITMAP1, 0);
	vmcs_write64(VMCS_CTRL_EOI_EXIT_BITMAP2, 0);
	vmcs_write64(VMCS_CTRL_EOI_EXIT_BITMAP3, 0);
	memset(vcpu->arch.eoi_exit, 0, sizeof(vcpu->arch.eoi_exit));
	vmcs_write16(VMCS_GUEST_INTR_STATUS, 0);
}

void vmcs_init_controls(struct vcpu *vcpu)
{
	struct vcpu_arch *a = &vcpu->arch;
	const struct vmx_ctrls *c = &vmx_ctrls;

	vmcs_write32(VMCS_CTRL_PIN_BASED, c->pin);
	vmcs_write32(VMCS_CTRL_PROC_BASED, c->proc);
	vmcs_write32(VMCS_CTRL_PROC_BASED2, c->proc2);
	vmcs_write32(VMCS_CTRL_EXIT_CONTROLS, c->exit);
	a->entry_ctls = c->entry | (a->boot.mode == VCPU_BOOT_LONG64 ? ENTRY_IA32E_MODE_GUEST : 0);
	vmcs_write32(VMCS_CTRL_ENTRY_CONTROLS, a->entry_ctls);
	vmcs_write32(VMCS_CTRL_EXCEPTION_BITMAP, VMX_EXCEPTION_BITMAP);
	vmcs_write32(VMCS_CTRL_PF_ERROR_MASK, 0);
	vmcs_write32(VMCS_CTRL_PF_ERROR_MATCH, 0);
	vmcs_write32(VMCS_CTRL_CR3_TARGET_COUNT, 0);
	vmcs_write32(VMCS_CTRL_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VMCS_CTRL_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_CTRL_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_CTRL_ENTRY_INTR_INFO, 0);
	vmcs_write64(VMCS_CTRL_IO_BITMAP_A, a->io_bitmap_pa);
	vmcs_write64(VMCS_CTRL_IO_BITMAP_B, a->io_bitmap_pa + PAGE_SIZE);
	vmcs_write64(VMCS_CTRL_MSR_BITMAP, a->msr_bitmap_pa);
	vmcs_write64(VMCS_CTRL_TSC_OFFSET, 0);
	vmcs_write64(VMCS_CTRL_EPTP, vcpu->guest->eptp);
	vmcs_init_apicv(vcpu);
	if (c->proc2 & PROC2_VPID)
		vmcs_write16(VMCS_CTRL_VPID, a->vpid);
	if (c->proc2 & PROC2_XSAVES)
		vmcs_write64(VMCS_CTRL_XSS_EXIT_BITMAP, 0);
	/* Bits the CPU fixes in VMX operation are owned by the host: the guest
	 * reads its own value from the shadow and writing them exits.  So is
	 * CR4.SMXE, which the guest's CPUID hides: vmx/cr.c refuses it. */
	a->cr0_guest_mask = rdmsr(MSR_IA32_VMX_CR0_FIXED0) & ~(uint64_t)(CR0_PE | CR0_PG);
	a->cr4_guest_mask = rdmsr(MSR_IA32_VMX_CR4_FIXED0) | CR4_VMXE | CRC_CR4_SMXE |
			    (~rdmsr(MSR_IA32_VMX_CR4_FIXED1) & GENMASK(31, 0));
	vmcs_write_natural(VMCS_CTRL_CR0_MASK, a->cr0_guest_mask);
	vmcs_write_natural(VMCS_CTRL_CR4_MASK, a->cr4_guest_mask);
}

/* Base of the 64-bit TSS descriptor at sel in the GDT at gdt (SDM 8.2.3). */
static uint64_t tss_base(uint64_t gdt, uint16_t sel)
{
	const uint64_t *d = (const uint64_t *)(uintptr_t)(gdt + sel);

	return ((d[0] >> 16) & GENMASK(23, 0)) | (((d[0] >> 56) & 0xff) << 24) |
	       ((d[1] & GENMASK(31, 0)) << 32);
}

/* Host state: this CPU as it is now (SDM 25.5); HOST_RSP is written by
 * vmx_run on every entry. */
void vmcs_init_host(void)
{
	struct desc_ptr gdtr, idtr;

	sgdt(&gdtr);
	sidt(&idtr);
	vmcs_write_natural(VMCS_HOST_CR0, read_cr0());
	vmcs_write_natural(VMCS_HOST_CR3, read_cr3());
	vmcs_write_natural(VMCS_HOST_CR4, read_cr4());
	vmcs_write16(VMCS_HOST_CS_SEL, GDT_SEL_CODE64);
	vmcs_write16(VMCS_HOST_SS_SEL, GDT_SEL_DATA);
	vmcs_write16(VMCS_HOST_DS_SEL, GDT_SEL_DATA);
	vmcs_write16(VMCS_HOST_ES_SEL, GDT_SEL_DATA);
	vmcs_write16(VMCS_HOST_FS_SEL, 0);
	vmcs_write16(VMCS_HOST_GS_SEL, 0);
	vmcs_write16(VMCS_HOST_TR_SEL, GDT_SEL_TSS);
	vmcs_write_natural(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_write_natural(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE)); /* this_cpu() */
	vmcs_write_natural(VMCS_HOST_TR_BASE, tss_base(gdtr.base, GDT_SEL_TSS));
	vmcs_write_natural(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmcs_write_natural(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_write32(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_write_natural(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_write_natural(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write64(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	vmcs_write64(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write_natural(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_entry);
}

/* The six data/code segments: one selector, base, limit and AR for all. */
static void guest_segments(uint16_t cs, uint32_t cs_ar, uint16_t ds, uint32_t ds_ar, uint64_t base,
			   uint32_t limit)
{
	vmcs_write16(VMCS_GUEST_CS_SEL, cs);
	vmcs_write_natural(VMCS_GUEST_CS_BASE, base);
	vmcs_write32(VMCS_GUEST_CS_LIMIT, limit);
	vmcs_write32(VMCS_GUEST_CS_AR, cs_ar);
#define DATA_SEG(S)                                                                                \
	do {                                                                                       \
		vmcs_write16(VMCS_GUEST_##S##_SEL, ds);                                            \
		vmcs_write_natural(VMCS_GUEST_##S##_BASE, base);                                   \
		vmcs_write32(VMCS_GUEST_##S##_LIMIT, limit);                                       \
		vmcs_write32(VMCS_GUEST_##S##_AR, ds_ar);                                          \
	} while (0)
	DATA_SEG(SS);
	DATA_SEG(DS);
	DATA_SEG(ES);
	DATA_SEG(FS);
	DATA_SEG(GS);
#undef DATA_SEG
}

/* Segments, CR0/CR4/EFER for the boot mode (Multiboot 0.6.96 3.2 for
 * PROT32; Linux boot.rst "64-bit Boot Protocol" for LONG64). */
static void guest_mode_state(const struct vcpu_boot *b, uint64_t *cr0, uint64_t *cr4,
			     uint64_t *efer)
{
	uint16_t cs = b->cs ? b->cs : BOOT_SEL_CS, ds = b->ds ? b->ds : BOOT_SEL_DS;

	switch (b->mode) {
	case VCPU_BOOT_PROT32:
		guest_segments(cs, AR_CODE | AR_DB | AR_G, ds, AR_DATA | AR_DB | AR_G, 0,
			       0xffffffff);
		*cr0 = CR0_PE | CR0_ET;
		*cr4 = 0;
		*efer = 0;
		break;
	case VCPU_BOOT_LONG64:
		guest_segments(cs, AR_CODE | AR_L | AR_G, ds, AR_DATA | AR_DB | AR_G, 0,
			       0xffffffff);
		*cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
		*cr4 = CR4_PAE;
		*efer = EFER_LME | EFER_LMA;
		break;
	case VCPU_BOOT_REAL:
	default:
		guest_segments((uint16_t)((b->rip >> 4) & 0xf000), AR_CODE, 0, AR_DATA,
			       b->rip & 0xf0000, 0xffff);
		*cr0 = CR0_ET;
		*cr4 = 0;
		*efer = 0;
		break;
	}
}

void vmcs_init_guest(struct vcpu *vcpu)
{
	const struct vcpu_boot *b = &vcpu->arch.boot;
	uint64_t cr0, cr4, efer, rip = b->rip;

	guest_mode_state(b, &cr0, &cr4, &efer);
	if (b->mode == VCPU_BOOT_REAL)
		rip &= 0xffff;
	vmcs_write16(VMCS_GUEST_LDTR_SEL, 0);
	vmcs_write32(VMCS_GUEST_LDTR_AR, AR_UNUSABLE);
	vmcs_write16(VMCS_GUEST_TR_SEL, 0);
	vmcs_write_natural(VMCS_GUEST_TR_BASE, 0);
	vmcs_write32(VMCS_GUEST_TR_LIMIT, 0xffff);
	vmcs_write32(VMCS_GUEST_TR_AR, AR_TSS_BUSY);
	vmcs_write_natural(VMCS_GUEST_GDTR_BASE, b->gdt_base);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, b->gdt_limit ? b->gdt_limit : 0xffff);
	vmcs_write_natural(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	vmcs_write_natural(VMCS_GUEST_CR0, vmx_guest_cr0(cr0));
	vmcs_write_natural(VMCS_CTRL_CR0_READ_SHADOW, cr0);
	vmcs_write_natural(VMCS_GUEST_CR4, vmx_guest_cr4(cr4));
	vmcs_write_natural(VMCS_CTRL_CR4_READ_SHADOW, cr4);
	vmcs_write_natural(VMCS_GUEST_CR3, b->cr3);
	vmcs_write64(VMCS_GUEST_EFER, efer);
	vmcs_write64(VMCS_GUEST_PAT, GUEST_PAT);
	vmcs_write64(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write_natural(VMCS_GUEST_DR7, DR7_INIT);
	vmcs_write_natural(VMCS_GUEST_RSP, b->rsp);
	vmcs_write_natural(VMCS_GUEST_RIP, rip);
	vmcs_write_natural(VMCS_GUEST_RFLAGS, RFLAGS_FIXED1);
	vmcs_write_natural(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write32(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write_natural(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write_natural(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_write64(VMCS_GUEST_VMCS_LINK_PTR, ~0ULL); /* no shadow VMCS (26.3.1.5) */
	memcpy(vcpu->arch.gpr, b->gpr, sizeof(vcpu->arch.gpr));
}

/* ---- explaining a failed entry (SDM 26.3.1) ---- */

__printf(3, 4) static bool bad(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return true;
}

static bool check_crs(char *buf, size_t len)
{
	uint64_t cr0 = vmcs_read_natural(VMCS_GUEST_CR0), cr4 = vmcs_read_natural(VMCS_GUEST_CR4);
	uint64_t efer = vmcs_read64(VMCS_GUEST_EFER);
	uint32_t entry = vmcs_read32(VMCS_CTRL_ENTRY_CONTROLS);
	bool ia32e = entry & ENTRY_IA32E_MODE_GUEST;

	if (vmx_guest_cr0(cr0) != cr0)
		return bad(buf, len, "GUEST_CR0 0x%llx breaks the CR0 fixed bits (26.3.1.1)",
			   (unsigned long long)cr0);
	if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
		return bad(buf, len, "GUEST_CR0 0x%llx: PG without PE", (unsigned long long)cr0);
	if (vmx_guest_cr4(cr4) != cr4)
		return bad(buf, len, "GUEST_CR4 0x%llx breaks the CR4 fixed bits (26.3.1.1)",
			   (unsigned long long)cr4);
	if (ia32e && (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE)))
		return bad(buf, len, "IA-32e mode guest needs GUEST_CR0.PG and GUEST_CR4.PAE");
	if (ia32e != !!(efer & EFER_LMA) || ((cr0 & CR0_PG) && ia32e != !!(efer & EFER_LME)))
		return bad(buf, len,
			   "GUEST_EFER 0x%llx: LMA/LME disagree with IA-32e mode guest %d",
			   (unsigned long long)efer, ia32e);
	return false;
}

static bool check_segments(char *buf, size_t len)
{
	uint32_t cs = vmcs_read32(VMCS_GUEST_CS_AR), tr = vmcs_read32(VMCS_GUEST_TR_AR);
	uint32_t ldtr = vmcs_read32(VMCS_GUEST_LDTR_AR), ss = vmcs_read32(VMCS_GUEST_SS_AR);
	uint64_t rflags = vmcs_read_natural(VMCS_GUEST_RFLAGS);

	if (!(rflags & RFLAGS_FIXED1) || (rflags & GENMASK(63, 22)))
		return bad(buf, len, "GUEST_RFLAGS 0x%llx: bit 1 clear or reserved bits set",
			   (unsigned long long)rflags);
	if (!(cs & AR_P) || !(cs & AR_S) || !(cs & BIT(3)))
		return bad(buf, len, "GUEST_CS_AR 0x%x: not a present code segment", cs);
	if ((cs & AR_L) && (cs & AR_DB))
		return bad(buf, len, "GUEST_CS_AR 0x%x: L and D/B both set", cs);
	if (!(ss & AR_UNUSABLE) && ((ss >> AR_DPL_SHIFT) & 3) != ((cs >> AR_DPL_SHIFT) & 3) &&
	    (cs & AR_TYPE_MASK) != 3)
		return bad(buf, len, "GUEST_SS_AR 0x%x: DPL differs from CS", ss);
	if ((tr & AR_UNUSABLE) || !(tr & AR_P) || (tr & AR_S) ||
	    ((tr & AR_TYPE_MASK) != 3 && (tr & AR_TYPE_MASK) != 11))
		return bad(buf, len, "GUEST_TR_AR 0x%x: not a present busy TSS", tr);
	if (!(ldtr & AR_UNUSABLE) && ((ldtr & AR_TYPE_MASK) != 2 || !(ldtr & AR_P)))
		return bad(buf, len, "GUEST_LDTR_AR 0x%x: usable but not a present LDT", ldtr);
	return false;
}

void vmx_explain_guest_state(char *buf, size_t len)
{
	buf[0] = '\0';
	if (check_crs(buf, len) || check_segments(buf, len))
		return;
	if (vmcs_read64(VMCS_GUEST_VMCS_LINK_PTR) != ~0ULL)
		bad(buf, len, "GUEST_VMCS_LINK_PTR is not all ones");
	else if (vmcs_read32(VMCS_GUEST_ACTIVITY_STATE) > 3)
		bad(buf, len, "GUEST_ACTIVITY_STATE %u is not defined",
		    vmcs_read32(VMCS_GUEST_ACTIVITY_STATE));
}
