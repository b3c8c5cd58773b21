/*
 * efi_exit.c - the final memory map and ExitBootServices.
 *
 * ExitBootServices takes the key of the latest memory map; any allocation
 * in between (even one the console makes while printing) makes the key
 * stale and the call fails with EFI_INVALID_PARAMETER.  So the map buffer
 * is sized with room to spare first, nothing is printed or allocated
 * between the last GetMemoryMap and ExitBootServices, and on a stale key
 * we only fetch the map again (UEFI 2.9 section 7.4, ExitBootServices: after
 * a failed call only GetMemoryMap may be used).  The map that finally
 * worked is translated into bi->mem, which lives in the image.
 */
#include "boot/efi_boot.h"

#include <hv/lib.h>
#include <hv/printk.h>

/* Spare room in the map buffer for descriptors that appear meanwhile. */
#define EFI_MAP_SLACK_DESCS 32
#define EFI_MAP_DESC_MAX    64 /* bytes; descriptors are 48 bytes on UEFI 2.x */
#define EFI_EXIT_TRIES	    8

/*
 * EFI type -> boot_info type.  Boot-services and loader memory is free once
 * boot services are gone; the image and the loaded files (LoaderData/Code)
 * stay out of the allocator through image_start/end and modules[].
 * RAM that cannot be mapped write-back is not RAM to us: Linux makes the
 * same choice (arch/x86/platform/efi/efi.c, do_add_efi_memmap).
 */
static uint32_t efi_mem_type(const EFI_MEMORY_DESCRIPTOR *d)
{
	uint32_t type = boot_mem_type_from_efi(d->Type);

	return (type == MEM_USABLE && !(d->Attribute & EFI_MEMORY_WB)) ? MEM_RESERVED : type;
}

uint32_t efi_memmap_convert(const void *map, UINTN size, UINTN desc_size, struct boot_info *bi)
{
	uint32_t dropped = 0;

	bi->mem_count = 0;
	if (desc_size < sizeof(EFI_MEMORY_DESCRIPTOR))
		return 0;
	for (UINTN off = 0; off + desc_size <= size; off += desc_size) {
		struct mem_range *last = bi->mem_count ? &bi->mem[bi->mem_count - 1] : NULL;
		EFI_MEMORY_DESCRIPTOR d;
		uint64_t len;
		uint32_t type;

		memcpy(&d, (const uint8_t *)map + off, sizeof(d));
		len = d.NumberOfPages * (uint64_t)EFI_PAGE_SIZE;
		type = efi_mem_type(&d);
		if (len == 0)
			continue;
		if (last && last->type == type && last->base + last->len == d.PhysicalStart) {
			last->len += len;
			continue;
		}
		if (bi->mem_count >= BOOT_MAX_MEM_RANGES) {
			dropped++;
			continue;
		}
		bi->mem[bi->mem_count++] = (struct mem_range){
		    .base = d.PhysicalStart,
		    .len = len,
		    .type = type,
		};
	}
	return dropped;
}

/* (Re)allocate the map buffer for need bytes plus the slack. */
static EFI_STATUS efi_map_alloc(void **map, UINTN *cap, UINTN need)
{
	EFI_STATUS st;

	if (*map)
		uefi_call_wrapper(BS->FreePool, 1, *map);
	*map = NULL;
	*cap = need + EFI_MAP_SLACK_DESCS * EFI_MAP_DESC_MAX;
	st = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, *cap, map);
	if (EFI_ERROR(st))
		efi_log(LOG_ERR, L"efi: no memory for the memory map (%ld bytes): %r\n",
			(INT64)*cap, st);
	return st;
}

/*
 * Size the buffer and look at the map once while printing is still allowed,
 * so a map too large for boot_info is reported instead of silently cut.
 */
static EFI_STATUS efi_map_prepare(void **map, UINTN *cap, struct boot_info *bi)
{
	UINTN size = 0, key, desc_size;
	UINT32 desc_ver;
	uint32_t dropped;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, NULL, &key, &desc_size, &desc_ver);
	if (st != EFI_BUFFER_TOO_SMALL) {
		efi_log(LOG_ERR, L"efi: GetMemoryMap: %r\n", st);
		return EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;
	}
	st = efi_map_alloc(map, cap, size);
	if (EFI_ERROR(st))
		return st;
	size = *cap;
	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, *map, &key, &desc_size, &desc_ver);
	if (EFI_ERROR(st)) {
		efi_log(LOG_ERR, L"efi: GetMemoryMap: %r\n", st);
		return st;
	}
	dropped = efi_memmap_convert(*map, size, desc_size, bi);
	efi_log(LOG_DEBUG, L"efi: memory map: %d descriptors -> %d ranges\n",
		(int)(size / desc_size), (int)bi->mem_count);
	if (dropped)
		efi_log(LOG_WARN,
			L"efi: memory map: %d ranges beyond the %d that fit are ignored\n",
			(int)dropped, BOOT_MAX_MEM_RANGES);
	return EFI_SUCCESS;
}

EFI_STATUS efi_exit_boot_services(EFI_HANDLE image, struct boot_info *bi)
{
	UINTN cap = 0, size, key, desc_size;
	bool tried_exit = false;
	void *map = NULL;
	UINT32 desc_ver;
	EFI_STATUS st;

	st = efi_map_prepare(&map, &cap, bi);
	if (!EFI_ERROR(st))
		efi_log(LOG_INFO, L"efi: exiting boot services\n");
	for (int tries = 0; !EFI_ERROR(st) && tries < EFI_EXIT_TRIES; tries++) {
		size = cap;
		st =
		    uefi_call_wrapper(BS->GetMemoryMap, 5, &size, map, &key, &desc_size, &desc_ver);
		if (st == EFI_BUFFER_TOO_SMALL && !tried_exit) {
			st = efi_map_alloc(&map, &cap, size);
			continue;
		}
		if (EFI_ERROR(st))
			break;
		/* nothing between GetMemoryMap and here: the key must stay fresh */
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (!EFI_ERROR(st)) {
			efi_memmap_convert(map, size, desc_size, bi);
			return EFI_SUCCESS;
		}
		if (st != EFI_INVALID_PARAMETER)
			break;
		tried_exit = true;
		st = EFI_SUCCESS; /* stale key: fetch the map again */
	}
	if (!tried_exit)
		efi_log(LOG_ERR, L"efi: cannot exit boot services: %r\n",
			EFI_ERROR(st) ? st : EFI_ABORTED);
	return EFI_ERROR(st) ? st : EFI_ABORTED;
}
