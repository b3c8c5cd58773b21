/*
 * vplatform.c - a partition's virtual PC platform: the device models wired
 * to each other, to the guest's vCPUs and to the exit handlers (see
 * include/hv/vplatform.h for the wiring and the time base).
 */
#include <hv/arch.h>
#include <hv/cpu.h>
#include <hv/ept.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/printk.h>
#include <hv/vmx.h>
#include <hv/vplatform.h>
#include <hv/wallclock.h>
#include <arch/apic.h>
#include <arch/cpu.h>

#define ISA_IRQ0_GSI   2	    /* the MADT's interrupt source override for the PIT */
#define TIMER_MAX_NS   100000000ULL /* re-arm at least every 100 ms: no overflow */
#define MSR_APIC_BASE  0x1b
#define APIC_BASE_ADDR GENMASK(51, 12)

/* ---- time ---- */

vdev_time_ns vplatform_now(const struct vplatform *vp)
{
	return tsc_to_ns(rdtsc() - vp->tsc0);
}

/* ---- interrupt lines and routing (lock held) ---- */

/* Every vCPU with an interrupt waiting is marked and its CPU woken (a
 * running one exits on the IPI and gets it injected before re-entry).
 * vcpu_prepare_entry and exit_hlt clear irq_pending before they consult
 * the models, so a later interrupt kicks again. */
static void vp_kick(struct vplatform *vp)
{
	for (uint32_t i = 0; i < vp->g->vcpu_count; i++) {
		struct vlapic *vl = &vp->lapic[i];
		struct vcpu *v = &vp->g->vcpus[i];

		/* with virtual-interrupt delivery only vectors not yet in the
		 * page need an exit; the CPU delivers the others itself */
		bool irq =
		    vl->cfg.hw_delivery ? vlapic_has_new(vl) : vlapic_pending_vector(vl) >= 0;

		if (v->irq_pending || (!irq && !vl->extint_pending && !vl->nmi_pending))
			continue;
		/* once per transition: the vCPU clears the flag before it looks */
		v->irq_pending = true;
		sched_kick_vcpu(v);
	}
}

static void vp_ipi(void *ctx, const struct vlapic_ipi *ipi)
{
	struct vplatform *vp = ctx;

	vlapic_route(vp->lapics, vp->g->vcpu_count, ipi);
	vp_kick(vp);
	/* INIT parks a running vCPU, SIPI starts a parked one: their CPUs look
	 * at vplatform_vcpu_start() again once woken (rare: boot, CPU hotplug) */
	if (ipi->mode == VLAPIC_IPI_INIT || ipi->mode == VLAPIC_IPI_STARTUP)
		for (uint32_t i = 0; i < vp->g->vcpu_count; i++)
			sched_kick_vcpu(&vp->g->vcpus[i]);
}

/* An IOAPIC message onto the "APIC bus": the same routing as an IPI. */
static void vp_ioapic_deliver(void *ctx, const struct vioapic_msg *msg)
{
	struct vlapic_ipi ipi = {
	    .dest = msg->dest,
	    .source_id = UINT32_MAX,
	    .vector = msg->vector,
	    .mode = msg->delivery_mode,
	    .shorthand = VLAPIC_DEST_NONE,
	    .logical = msg->logical,
	    .assert = true,
	    .level_trigger = msg->level,
	};

	if (msg->delivery_mode == VIOAPIC_DM_EXTINT) /* the PIC's vector via LINT0 instead */
		return;
	vp_ipi(ctx, &ipi);
}

/* The 8259A's INT output is wired to the BSP's LINT0 (virtual wire mode). */
static void vp_pic_intr(void *ctx, bool level)
{
	struct vplatform *vp = ctx;

	if (!level)
		return;
	vlapic_lint(&vp->lapic[0], 0);
	vp_kick(vp);
}

/* ISA IRQ line: both interrupt controllers see it. */
static void vp_isa_irq(void *ctx, uint32_t irq, bool level)
{
	struct vplatform *vp = ctx;

	vpic_set_irq(&vp->pic, irq, level);
	vioapic_set_irq(&vp->ioapic, irq == 0 ? ISA_IRQ0_GSI : irq, level);
}

/* The SCI: level, active low at the IOAPIC (as the MADT routes it). */
static void vp_sci(void *ctx, uint32_t irq, bool asserted)
{
	struct vplatform *vp = ctx;

	vpic_set_irq(&vp->pic, irq, asserted);
	vioapic_irq_line_set_active_low(&vp->ioapic, irq, asserted);
}

/* ---- side effects toward the hypervisor ---- */

static void vp_uart_tx(void *ctx, uint8_t byte)
{
	guest_console_putc(((struct vplatform *)ctx)->g, (char)byte);
}

static void vp_poweroff(void *ctx)
{
	guest_stop_as(((struct vplatform *)ctx)->g, GUEST_STOP_POWEROFF, "powered off (ACPI S5)");
}

/* A reset ends this run of the guest like a power-off (on_poweroff decides
 * whether it starts again): hv.cfg has no separate on_reboot yet. */
static void vp_reset(void *ctx)
{
	guest_stop_as(((struct vplatform *)ctx)->g, GUEST_STOP_POWEROFF,
		      "reset requested (ACPI reset register)");
}

static void vp_sleep_refused(void *ctx, uint8_t slp_typ)
{
	pr_info("guest %s: ACPI sleep type %u refused (only S5 is offered)\n",
		((struct vplatform *)ctx)->g->name, slp_typ);
}

/* ---- setup ---- */

static void vp_eoi(void *ctx, uint8_t vector)
{
	struct vplatform *vp = ctx;

	vioapic_eoi(&vp->ioapic, vector);
	vp_kick(vp);
}

static int vp_init_lapics(struct vplatform *vp)
{
	struct vlapic_ops ops = {.ipi = vp_ipi, .eoi = vp_eoi, .ctx = vp};

	for (uint32_t i = 0; i < vp->g->vcpu_count; i++) {
		struct vlapic_config c = {
		    .apic_id = i,
		    .is_bsp = i == 0,
		    .timer_hz = tsc_hz, /* the crystal CPUID 0x15 reports (vmx/exits.c) */
		    .tsc_hz = tsc_hz,
		    .tsc_offset = vp->tsc0,
		    /* offered in CPUID (vmx/exits.c): x2APIC mode through MSRs
		     * (cheaper exits than MMIO), TSC-deadline timer mode */
		    .x2apic = true,
		    .tsc_deadline = true,
		    /* the CPU delivers from the register page (vmx/apicv.c) */
		    .hw_delivery = vmx_apic_access_page() != 0,
		};

		if (vlapic_init(&vp->lapic[i], &c, &ops))
			return -1;
		vp->lapics[i] = &vp->lapic[i];
	}
	return 0;
}

void vplatform_acpi_config(struct acpi_build_config *cfg, uint64_t base, uint32_t vcpus)
{
	acpi_build_defaults(cfg, base, vcpus);
}

static int vp_init_models(struct vplatform *vp)
{
	struct vdev_irq_line uart = {.set = vp_isa_irq, .ctx = vp, .line = VPLATFORM_UART_IRQ};
	struct vdev_irq_line pit = {.set = vp_isa_irq, .ctx = vp, .line = 0};
	struct vdev_irq_line rtc = {.set = vp_isa_irq, .ctx = vp, .line = 8};

	vplatform_acpi_config(&vp->acfg, 0, vp->g->vcpu_count);
	vp->tsc0 = rdtsc();
	if (vp_init_lapics(vp))
		return -1;
	if (vioapic_init(&vp->ioapic, vp->acfg.ioapic_id, vp_ioapic_deliver, vp))
		return -1;
	vpic_init(&vp->pic, vp_pic_intr, vp);
	vuart_init(&vp->uart, vp_uart_tx, vp, &uart);
	vpit_init(&vp->pit, &pit);
	vrtc_init(&vp->rtc, wallclock_at_tsc(vp->tsc0), &rtc);
	vacpi_pm_init(&vp->pm, &vp->acfg);
	vp->pm.poweroff = vp_poweroff;
	vp->pm.reset = vp_reset;
	vp->pm.sleep_refused = vp_sleep_refused;
	vp->pm.ctx = vp;
	vp->pm.sci = (struct vdev_irq_line){.set = vp_sci, .ctx = vp, .line = vp->acfg.sci_irq};
	vioapic_irq_line_set_active_low(&vp->ioapic, vp->acfg.sci_irq, false);
	vpci_init(&vp->pci, &vp->acfg);
	return 0;
}

/* ---- MMIO: the LAPIC page and the IOAPIC window ---- */

static bool vp_lapic_mmio(struct vcpu *vcpu, uint64_t gpa, unsigned size, bool is_write,
			  uint64_t *val)
{
	struct vplatform *vp = vcpu->guest->vp;
	struct vlapic *vl = &vp->lapic[vcpu->index];
	uint32_t off = (uint32_t)(gpa - VPLATFORM_LAPIC_BASE);
	vdev_time_ns now;

	spin_lock(&vp->lock);
	now = vplatform_now(vp);
	if (is_write)
		vlapic_mmio_write(vl, off, size, *val, now);
	else
		vlapic_mmio_read(vl, off, size, now, val); /* all ones when not decoded */
	vp_kick(vp);
	spin_unlock(&vp->lock);
	return true;
}

static bool vp_ioapic_mmio(struct vcpu *vcpu, uint64_t gpa, unsigned size, bool is_write,
			   uint64_t *val)
{
	struct vplatform *vp = vcpu->guest->vp;
	uint64_t off = gpa - vp->acfg.ioapic_base;

	spin_lock(&vp->lock);
	if (is_write)
		vioapic_mmio_write(&vp->ioapic, off, size, *val);
	else
		*val = vioapic_mmio_read(&vp->ioapic, off, size);
	vp_kick(vp);
	spin_unlock(&vp->lock);
	return true;
}

int vplatform_create(struct guest *g)
{
	size_t bytes = ALIGN_UP(sizeof(struct vplatform), PAGE_SIZE);
	uint64_t pa = pmm_alloc(&hv_pmm, bytes, PAGE_SIZE);
	struct vplatform *vp = (struct vplatform *)(uintptr_t)pa;
	struct mmio_region lapic = {.gpa = VPLATFORM_LAPIC_BASE,
				    .size = VLAPIC_MMIO_SIZE,
				    .access = vp_lapic_mmio,
				    .name = "local APIC"};
	struct mmio_region ioapic = {
	    .size = VIOAPIC_MMIO_SIZE, .access = vp_ioapic_mmio, .name = "I/O APIC"};

	if (!pa) {
		pr_err("guest %s: no memory for its virtual platform\n", g->name);
		return -1;
	}
	memset(vp, 0, bytes);
	vp->lock = (spinlock_t)SPINLOCK_INIT;
	vp->g = g;
	if (vp_init_models(vp)) {
		pr_err("guest %s: virtual platform refused its configuration\n", g->name);
		return -1;
	}
	ioapic.gpa = vp->acfg.ioapic_base;
	if (!guest_add_mmio(g, &lapic) || !guest_add_mmio(g, &ioapic)) {
		pr_err("guest %s: no MMIO slot left for the APICs\n", g->name);
		return -1;
	}
	/* With APIC virtualization the LAPIC page is the APIC-access page:
	 * the CPU serves or reports (APIC-access exits) every access to it. */
	if (vmx_apic_access_page() && ept_map(&g->ept, VPLATFORM_LAPIC_BASE, vmx_apic_access_page(),
					      PAGE_SIZE, EPT_READ | EPT_WRITE | EPT_MMIO)) {
		pr_err("guest %s: cannot map the APIC-access page\n", g->name);
		return -1;
	}
	g->vp = vp;
	return 0;
}

void vplatform_reset(struct guest *g)
{
	struct vplatform *vp = g->vp;

	if (!vp)
		return;
	spin_lock(&vp->lock);
	if (vp_init_models(vp))
		pr_err("guest %s: virtual platform reset failed\n", g->name);
	spin_unlock(&vp->lock);
}

bool vplatform_has_lapic(const struct guest *g)
{
	return g->vp != NULL;
}

/* ---- port I/O ---- */

/* One entry of the port dispatch table: which ports a model decodes and
 * its access functions, adapted to one signature (now = guest time). */
struct vp_port_dev {
	bool (*owns)(struct vplatform *vp, uint16_t port, unsigned size);
	uint32_t (*read)(struct vplatform *vp, uint16_t port, unsigned size, vdev_time_ns now);
	void (*write)(struct vplatform *vp, uint16_t port, unsigned size, uint32_t v,
		      vdev_time_ns now);
};

static bool uart_owns(struct vplatform *vp, uint16_t port, unsigned size)
{
	(void)vp;
	(void)size;
	return port >= VPLATFORM_COM1 && port < VPLATFORM_COM1 + VUART_NR_REGS;
}
static uint32_t uart_rd(struct vplatform *vp, uint16_t port, unsigned size, vdev_time_ns now)
{
	return vuart_read(&vp->uart, port - VPLATFORM_COM1, size, now);
}
static void uart_wr(struct vplatform *vp, uint16_t port, unsigned size, uint32_t v,
		    vdev_time_ns now)
{
	vuart_write(&vp->uart, port - VPLATFORM_COM1, size, v, now);
}

static bool pic_owns(struct vplatform *vp, uint16_t port, unsigned size)
{
	(void)vp;
	(void)size;
	return vpic_handles_port(port);
}
static uint32_t pic_rd(struct vplatform *vp, uint16_t port, unsigned size, vdev_time_ns now)
{
	(void)now;
	return vpic_io_read(&vp->pic, port, size);
}
static void pic_wr(struct vplatform *vp, uint16_t port, unsigned size, uint32_t v, vdev_time_ns now)
{
	(void)now;
	vpic_io_write(&vp->pic, port, size, v);
}

static bool pit_owns(struct vplatform *vp, uint16_t port, unsigned size)
{
	(void)vp;
	(void)size;
	return vpit_owns(port);
}
static uint32_t pit_rd(struct vplatform *vp, uint16_t port, unsigned size, vdev_time_ns now)
{
	return vpit_io_read(&vp->pit, port, size, now);
}
static void pit_wr(struct vplatform *vp, uint16_t port, unsigned size, uint32_t v, vdev_time_ns now)
{
	vpit_io_write(&vp->pit, port, size, v, now);
}

static bool rtc_owns(struct vplatform *vp, uint16_t port, unsigned size)
{
	(void)vp;
	(void)size;
	return vrtc_owns(port);
}
static uint32_t rtc_rd(struct vplatform *vp, uint16_t port, unsigned size, vdev_time_ns now)
{
	return vrtc_io_read(&vp->rtc, port, size, now);
}
static void rtc_wr(struct vplatform *vp, uint16_t port, unsigned size, uint32_t v, vdev_time_ns now)
{
	vrtc_io_write(&vp->rtc, port, size, v, now);
}

static bool pm_owns(struct vplatform *vp, uint16_t port, unsigned size)
{
	return vacpi_pm_owns(&vp->pm, port, size);
}
static uint32_t pm_rd(struct vplatform *vp, uint16_t port, unsigned size, vdev_time_ns now)
{
	return vacpi_pm_io_read(&vp->pm, port, size, now);
}
static void pm_wr(struct vplatform *vp, uint16_t port, unsigned size, uint32_t v, vdev_time_ns now)
{
	vacpi_pm_io_write(&vp->pm, port, size, v, now);
}

static bool pci_owns(struct vplatform *vp, uint16_t port, unsigned size)
{
	(void)vp;
	return vpci_owns_port(port, size);
}
static uint32_t pci_rd(struct vplatform *vp, uint16_t port, unsigned size, vdev_time_ns now)
{
	(void)now;
	return vpci_io_read(&vp->pci, port, size);
}
static void pci_wr(struct vplatform *vp, uint16_t port, unsigned size, uint32_t v, vdev_time_ns now)
{
	(void)now;
	vpci_io_write(&vp->pci, port, size, v);
}

/* The PM block comes before PCI: a byte access to 0xCF9 is the reset
 * register, only dword ones at 0xCF8 are CONFIG_ADDRESS. */
static const struct vp_port_dev vp_ports[] = {
    {uart_owns, uart_rd, uart_wr}, {pic_owns, pic_rd, pic_wr}, {pit_owns, pit_rd, pit_wr},
    {rtc_owns, rtc_rd, rtc_wr},	   {pm_owns, pm_rd, pm_wr},    {pci_owns, pci_rd, pci_wr},
};

static bool vp_io_locked(struct vplatform *vp, uint16_t port, unsigned size, bool in, uint32_t *val)
{
	for (size_t i = 0; i < ARRAY_SIZE(vp_ports); i++) {
		const struct vp_port_dev *d = &vp_ports[i];

		if (!d->owns(vp, port, size))
			continue;
		if (in)
			*val = d->read(vp, port, size, vplatform_now(vp));
		else
			d->write(vp, port, size, *val, vplatform_now(vp));
		return true;
	}
	return false;
}

bool vplatform_io(struct vcpu *vcpu, uint16_t port, unsigned size, bool in, uint32_t *val)
{
	struct vplatform *vp = vcpu->guest->vp;
	bool ok;

	if (!vp)
		return false;
	spin_lock(&vp->lock);
	ok = vp_io_locked(vp, port, size, in, val);
	if (ok)
		vp_kick(vp);
	spin_unlock(&vp->lock);
	return ok;
}

/* ---- MSRs: IA32_APIC_BASE, IA32_TSC_DEADLINE, x2APIC ---- */

enum vplatform_msr_result vplatform_msr(struct vcpu *vcpu, uint32_t msr, bool write, uint64_t *val)
{
	struct vplatform *vp = vcpu->guest->vp;
	struct vlapic *vl;
	int rc;

	if (!vp || !vlapic_msr_handles(msr))
		return VPLATFORM_MSR_NONE;
	/* the MMIO region stays at the default base: relocating the page
	 * (SDM 11.4.5) is refused, which no OS needs */
	if (write && msr == MSR_APIC_BASE && (*val & APIC_BASE_ADDR) != VPLATFORM_LAPIC_BASE)
		return VPLATFORM_MSR_GP;
	vl = &vp->lapic[vcpu->index];
	spin_lock(&vp->lock);
	if (write)
		rc = vlapic_msr_write(vl, msr, *val, vplatform_now(vp));
	else
		rc = vlapic_msr_read(vl, msr, vplatform_now(vp), val);
	vp_kick(vp);
	spin_unlock(&vp->lock);
	return rc == VLAPIC_OK ? VPLATFORM_MSR_OK : VPLATFORM_MSR_GP;
}

/* ---- time-driven models ---- */

static void vp_tick_locked(struct vplatform *vp, vdev_time_ns now)
{
	for (uint32_t i = 0; i < vp->g->vcpu_count; i++)
		vlapic_tick(&vp->lapic[i], now);
	vpit_tick(&vp->pit, now);
	vuart_tick(&vp->uart, now);
	vrtc_tick(&vp->rtc, now);
	vacpi_pm_tick(&vp->pm, now);
}

static vdev_time_ns vp_deadline_locked(struct vplatform *vp, vdev_time_ns now)
{
	vdev_time_ns d = vpit_next_deadline(&vp->pit), t;

	for (uint32_t i = 0; i < vp->g->vcpu_count; i++) {
		t = vlapic_next_deadline(&vp->lapic[i], now);
		d = t < d ? t : d;
	}
	t = vuart_next_deadline(&vp->uart);
	d = t < d ? t : d;
	t = vrtc_next_deadline(&vp->rtc, now);
	d = t < d ? t : d;
	t = vacpi_pm_next_deadline(&vp->pm, now);
	return t < d ? t : d;
}

int vplatform_intr(struct vcpu *vcpu, bool take, bool lapic)
{
	struct vplatform *vp = vcpu->guest->vp;
	struct vlapic *vl;
	int vec;

	if (!vp)
		return -1;
	vl = &vp->lapic[vcpu->index];
	spin_lock(&vp->lock);
	vp_tick_locked(vp, vplatform_now(vp));
	vp_kick(vp);
	vec = -1;
	if (lapic) { /* else vplatform_apicv_sync syncs right after */
		vlapic_sync(vl);
		vec = vlapic_pending_vector(vl);
	}
	if (vec < 0 && vl->extint_pending && vpic_intr_pending(&vp->pic)) {
		vec = take ? vpic_ack(&vp->pic) : 0;
		if (take)
			vl->extint_pending = false;
	} else if (vec >= 0 && take) {
		vlapic_ack(vl, (uint8_t)vec);
	}
	/* Everything up to here is seen; what arrives later kicks again.  (A
	 * kick vp_kick aimed at this vCPU just now would otherwise leave the
	 * flag set and stop later interrupts from kicking a running guest.) */
	vcpu->irq_pending = false;
	spin_unlock(&vp->lock);
	return vec;
}

uint64_t vplatform_vapic_page(struct vcpu *vcpu)
{
	struct vplatform *vp = vcpu->guest->vp;

	return vp ? (uint64_t)(uintptr_t)vp->lapic[vcpu->index].page : 0;
}

uint16_t vplatform_apicv_sync(struct vcpu *vcpu, uint64_t eoi_exit[4])
{
	struct vplatform *vp = vcpu->guest->vp;
	struct vlapic *vl = &vp->lapic[vcpu->index];
	uint16_t status;

	spin_lock(&vp->lock);
	vlapic_sync(vl);
	status = vlapic_intr_status(vl);
	vlapic_eoi_exit_bitmap(vl, eoi_exit);
	vcpu->irq_pending = false; /* as in vplatform_intr */
	spin_unlock(&vp->lock);
	return status;
}

void vplatform_apic_write(struct vcpu *vcpu, uint32_t offset)
{
	struct vplatform *vp = vcpu->guest->vp;

	spin_lock(&vp->lock);
	vlapic_apicv_write(&vp->lapic[vcpu->index], offset, vplatform_now(vp));
	vp_kick(vp);
	spin_unlock(&vp->lock);
}

void vplatform_apic_eoi(struct vcpu *vcpu, uint8_t vector)
{
	struct vplatform *vp = vcpu->guest->vp;

	spin_lock(&vp->lock);
	vlapic_apicv_eoi(&vp->lapic[vcpu->index], vector);
	vp_kick(vp);
	spin_unlock(&vp->lock);
}

void vplatform_arm_timer(struct vcpu *vcpu)
{
	struct vplatform *vp = vcpu->guest->vp;
	vdev_time_ns now, d;

	if (!vp || !lapic_timer_hz)
		return;
	spin_lock(&vp->lock);
	now = vplatform_now(vp);
	d = vp_deadline_locked(vp, now);
	spin_unlock(&vp->lock);
	if (d == VDEV_NEVER) {
		lapic_write(APIC_TIMER_ICR, 0);
		return;
	}
	d = d <= now ? 0 : d - now;
	lapic_timer_oneshot(VPLATFORM_TIMER_VEC, d > TIMER_MAX_NS ? TIMER_MAX_NS : d);
}

uint64_t vplatform_next_event_ns(struct vcpu *vcpu)
{
	struct vplatform *vp = vcpu->guest->vp;
	vdev_time_ns now, d;

	if (!vp)
		return UINT64_MAX;
	spin_lock(&vp->lock);
	now = vplatform_now(vp);
	d = vp_deadline_locked(vp, now);
	spin_unlock(&vp->lock);
	if (d == VDEV_NEVER)
		return UINT64_MAX;
	return d <= now ? 0 : d - now;
}

/* The timer only ends HLT or makes a running guest exit; the models are
 * advanced before the next entry (vplatform_intr). */
static void vp_timer_irq(uint8_t vector)
{
	(void)vector;
	lapic_eoi();
}

void vplatform_init(void)
{
	wallclock_init(); /* the guests' RTCs start at the host's date */
	arch_set_irq_handler(VPLATFORM_TIMER_VEC, vp_timer_irq);
}

bool vplatform_uart_input(struct guest *g, uint8_t byte)
{
	struct vplatform *vp = g->vp;
	bool ok;

	if (!vp)
		return false;
	spin_lock(&vp->lock);
	ok = vuart_rx_push(&vp->uart, byte, vplatform_now(vp));
	vp_kick(vp);
	spin_unlock(&vp->lock);
	return ok;
}

enum vplatform_start vplatform_vcpu_start(struct vcpu *vcpu, uint8_t *vector)
{
	struct vplatform *vp = vcpu->guest->vp;
	struct vlapic *vl;
	enum vplatform_start st;

	if (!vp)
		return vcpu->index == 0 ? VPLATFORM_START_RUN : VPLATFORM_START_WAIT;
	vl = &vp->lapic[vcpu->index];
	spin_lock(&vp->lock);
	if (vlapic_take_sipi(vl, vector))
		st = VPLATFORM_START_SIPI;
	else if (vl->cpu_state == VLAPIC_CPU_RUNNING)
		st = VPLATFORM_START_RUN;
	else
		st = VPLATFORM_START_WAIT;
	spin_unlock(&vp->lock);
	return st;
}

bool vplatform_vcpu_parked(const struct vcpu *vcpu)
{
	const struct vplatform *vp = vcpu->guest->vp;

	return vp && __atomic_load_n(&vp->lapic[vcpu->index].cpu_state, __ATOMIC_RELAXED) !=
			 VLAPIC_CPU_RUNNING;
}

bool vplatform_nmi(struct vcpu *vcpu, bool take)
{
	struct vplatform *vp = vcpu->guest->vp;
	struct vlapic *vl;
	bool pending;

	if (!vp)
		return false;
	vl = &vp->lapic[vcpu->index];
	if (!__atomic_load_n(&vl->nmi_pending, __ATOMIC_RELAXED))
		return false; /* the common case, without the lock */
	spin_lock(&vp->lock);
	pending = vl->nmi_pending;
	if (take)
		vl->nmi_pending = false;
	spin_unlock(&vp->lock);
	return pending;
}
