/*
 * efi_main.c - the UEFI entry: gather the boot information from the
 * firmware, leave boot services and enter the core (hv_main).
 *
 * build/hv.efi is an ordinary GNU-EFI application.  While boot services
 * last it reads what the multiboot2 path gets from its loader: the image
 * bounds, the command line (the load options), the ACPI RSDP, the CPUs
 * (MP Services, for firmware without ACPI), files from the boot volume and
 * the memory map.  Then it calls ExitBootServices and moves to a stack
 * inside the image, because the firmware's stack is boot-services memory
 * that the core's allocator will hand out.  The core never sees an EFI table.
 *
 * We never call SetVirtualAddressMap: the runtime services stay at their
 * physical addresses, which the core's identity map covers, so the core
 * can still call ResetSystem to power off a machine without ACPI.
 */
#include "boot/efi_boot.h"
#include "boot/efi_mp.h"

#include <hv/cmdline.h>
#include <hv/lib.h>
#include <hv/printk.h>
#include <arch/cpu.h>

/* The core's stack until it gives each CPU its own (64 KiB, in the image). */
#define EFI_CORE_STACK_SIZE (64 * KiB)

/* The file loaded next to the application, when it exists. */
#define EFI_CONFIG_FILE "hv.cfg"

static struct boot_info efi_bi;
static uint8_t efi_core_stack[EFI_CORE_STACK_SIZE] __aligned(16);
static int efi_log_level = LOG_INFO;

/* Prototype for -Wmissing-prototypes: crt0-efi-x86_64.o calls it (SysV ABI). */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

void efi_log(int level, const CHAR16 *fmt, ...)
{
	va_list ap;

	if (level > efi_log_level)
		return;
	Print(L"hv: ");
	va_start(ap, fmt);
	VPrint(fmt, ap);
	va_end(ap);
}

/* Image bounds, so the allocator never hands out our code, data or stack. */
static EFI_STATUS efi_image_bounds(EFI_HANDLE image, EFI_LOADED_IMAGE **li)
{
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)li);
	if (EFI_ERROR(st)) {
		Print(L"hv: efi: no LoadedImage protocol on our own handle: %r\n", st);
		return st;
	}
	efi_bi.image_start = ALIGN_DOWN((uint64_t)(uintptr_t)(*li)->ImageBase, PAGE_SIZE);
	efi_bi.image_end =
	    ALIGN_UP((uint64_t)(uintptr_t)(*li)->ImageBase + (*li)->ImageSize, PAGE_SIZE);
	return EFI_SUCCESS;
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Whether the first len characters of the UCS-2 string s equal the ASCII
 * word w, ignoring case.  s may be longer; it stops at its terminator. */
static bool prefix_equals(const char *w, size_t len, const CHAR16 *s)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == 0 || s[i] > 0x7e || ascii_lower(w[i]) != ascii_lower((char)s[i]))
			return false;
	}
	return true;
}

/*
 * The UEFI shell passes the whole command line, program name first
 * ("fs0:\EFI\BOOT\hv.efi loglevel=debug"); a boot manager entry passes only
 * its optional data.  The first word is the program name when it ends in
 * ".efi" or names our own file, with or without directory and extension.
 */
static bool is_program_name(const char *w, size_t len)
{
	const CHAR16 *self = efi_self_name();

	for (size_t i = len; i > 0; i--) {
		if (w[i - 1] == '\\' || w[i - 1] == '/' || w[i - 1] == ':') {
			w += i;
			len -= i;
			break;
		}
	}
	if (len > 4 && prefix_equals(w + len - 4, 4, L".efi"))
		return true;
	if (len == 0 || !prefix_equals(w, len, self))
		return false;
	return self[len] == 0 || self[len] == '.';
}

/*
 * Load options -> printable ASCII in out.  Returns false when they are not
 * text (boot manager entries often carry binary data there): text is
 * printable characters followed by nothing but NULs.  *truncated tells
 * whether the text was cut to fit.
 */
static bool options_to_ascii(const CHAR16 *opt, size_t count, char *out, size_t size,
			     bool *truncated)
{
	size_t n = 0, i;

	*truncated = false;
	out[0] = 0;
	for (i = 0; i < count && opt[i] != 0; i++) {
		CHAR16 c = opt[i];

		if (c == '\t' || c == '\r' || c == '\n')
			c = ' ';
		if (c < 0x20 || c > 0x7e)
			return false;
		if (n + 1 < size)
			out[n++] = (char)c;
		else
			*truncated = true;
	}
	for (; i < count; i++) {
		if (opt[i] != 0)
			return false;
	}
	out[n] = 0;
	return true;
}

/* Drop leading blanks and, when the shell put it there, the program name. */
static void strip_program_name(char *s)
{
	size_t start = 0, end;

	while (s[start] == ' ')
		start++;
	end = start;
	while (s[end] != 0 && s[end] != ' ')
		end++;
	if (end > start && is_program_name(s + start, end - start))
		start = end;
	while (s[start] == ' ')
		start++;
	memmove(s, s + start, strlen(s + start) + 1);
	for (end = strlen(s); end > 0 && s[end - 1] == ' '; end--)
		s[end - 1] = 0;
}

/* The hypervisor command line from the load options, and our log level. */
static void efi_cmdline(EFI_LOADED_IMAGE *li)
{
	static struct hv_options opts;
	const CHAR16 *opt = li->LoadOptions;
	size_t count = opt ? li->LoadOptionsSize / sizeof(CHAR16) : 0;
	bool truncated, is_text;

	is_text = options_to_ascii(opt, count, efi_bi.cmdline, sizeof(efi_bi.cmdline), &truncated);
	strip_program_name(efi_bi.cmdline);
	/* The core parses it again and reports bad options on its console. */
	cmdline_parse(efi_bi.cmdline, &opts);
	efi_log_level = opts.loglevel;
	if (!is_text)
		efi_log(LOG_INFO, L"efi: load options (%d bytes) are not text: no command line\n",
			(int)li->LoadOptionsSize);
	if (truncated)
		efi_log(LOG_WARN, L"efi: command line longer than %d characters, cut\n",
			BOOT_CMDLINE_MAX - 1);
}

static uint64_t efi_config_table(EFI_GUID *guid)
{
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

		if (memcmp(&t->VendorGuid, guid, sizeof(*guid)) == 0)
			return (uint64_t)(uintptr_t)t->VendorTable;
	}
	return 0;
}

/* The ACPI RSDP: the ACPI 2.0+ entry (XSDT) first, else ACPI 1.0; 0 if none. */
static uint64_t efi_find_rsdp(void)
{
	static EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	static EFI_GUID acpi10 = ACPI_TABLE_GUID;
	uint64_t rsdp = efi_config_table(&acpi20);

	if (!rsdp)
		rsdp = efi_config_table(&acpi10);
	if (rsdp)
		efi_log(LOG_DEBUG, L"efi: ACPI RSDP at %lx\n", rsdp);
	else
		efi_log(LOG_INFO, L"efi: firmware has no ACPI tables\n");
	return rsdp;
}

/* hv.cfg next to the application, when there is one, and the files it names. */
static void efi_load_config(void)
{
	struct boot_module *mod = &efi_bi.modules[efi_bi.module_count];

	if (efi_bi.module_count >= BOOT_MAX_MODULES)
		return;
	if (EFI_ERROR(efi_load_file(EFI_CONFIG_FILE, mod, true))) {
		efi_log(LOG_DEBUG, L"efi: no %a next to %s\n", EFI_CONFIG_FILE, efi_self_name());
		return;
	}
	efi_bi.module_count++;
	efi_log(LOG_INFO, L"efi: module %a: %ld bytes at %lx\n", mod->name,
		(INT64)(mod->end - mod->start), mod->start);
	efi_load_config_files(&efi_bi, mod);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st, files;

	/* The first thing we do (crt0's self-relocation ran before us). */
	hv_start_tsc = rdtsc();
	InitializeLib(image, systab);
	st = efi_image_bounds(image, &li);
	if (EFI_ERROR(st))
		return st;
	files = efi_files_init(li); /* first: the command line needs our file name */
	efi_cmdline(li);
	efi_log(LOG_INFO, L"efi: %s at %lx-%lx, command line \"%a\"\n", efi_self_name(),
		efi_bi.image_start, efi_bi.image_end, efi_bi.cmdline);
	if (EFI_ERROR(files))
		efi_log(LOG_WARN, L"efi: boot device has no file system (%r): no files loaded\n",
			files);

	/* A boot manager arms a 5-minute watchdog before starting us (UEFI 2.9
	 * section 3.1.2); reading large guest images on a slow machine must not
	 * reset it.  It is gone anyway after ExitBootServices. */
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);

	efi_bi.method = BOOT_UEFI;
	efi_bi.rsdp = efi_find_rsdp();
	efi_mp_collect(&efi_bi);
	efi_load_config();
	efi_bi.efi_reset_system = (uint64_t)(uintptr_t)RT->ResetSystem;
	efi_bi.efi_system_table = (uint64_t)(uintptr_t)systab;

	/* The firmware's page tables, GDT and IDT stay live (in boot-services
	 * memory) until the core replaces them; see arch/x86_64/paging.c. */
	efi_log(LOG_DEBUG, L"efi: firmware page tables at cr3 %lx\n", read_cr3());
	st = efi_exit_boot_services(image, &efi_bi);
	if (EFI_ERROR(st))
		return st;
	/* Boot services are gone: from here on only the core prints. */
	efi_enter_hv_main(&efi_bi, efi_core_stack + sizeof(efi_core_stack));
}
