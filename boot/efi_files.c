/*
 * efi_files.c - read files from the volume the application was loaded from.
 *
 * Names are relative to the application's own directory (\EFI\BOOT\ when
 * the firmware booted it from removable media), so hv.cfg and the guest
 * images it names simply sit next to hv.efi.  Each file lands in its own
 * EfiLoaderData pages and is handed to the core as a struct boot_module;
 * the core's allocator never hands out module memory.
 */
#include "boot/efi_boot.h"

#include <hv/lib.h>
#include <hv/printk.h>

/* Longest path on the volume we build, in UCS-2 characters with the NUL. */
#define EFI_PATH_MAX 512

/* Read in pieces: some firmware fails single reads of many megabytes. */
#define EFI_READ_CHUNK (1 * MiB)

/* Device path node of a file path (UEFI 2.9 section 10.3.5.4). */
#define EFI_DP_TYPE_MEDIA	0x04
#define EFI_DP_SUBTYPE_FILEPATH 0x04
#define EFI_DP_TYPE_END		0x7f
#define EFI_DP_NODE_HEADER_SIZE 4

static EFI_FILE_HANDLE efi_root;	   /* root of the boot volume, NULL if none */
static CHAR16 efi_dir[EFI_PATH_MAX];	   /* our directory, ends with '\' */
static CHAR16 efi_self_path[EFI_PATH_MAX]; /* our own file, e.g. \EFI\BOOT\BOOTX64.EFI */

/* Append the PathName of one file-path node, joining pieces with one '\'. */
static void path_append_node(const uint8_t *node, size_t node_len, size_t *n)
{
	size_t chars = (node_len - EFI_DP_NODE_HEADER_SIZE) / sizeof(CHAR16);

	for (size_t i = 0; i < chars && *n + 2 < EFI_PATH_MAX; i++) {
		bool ends_in_sep = *n > 0 && efi_self_path[*n - 1] == '\\';
		CHAR16 c;

		/* device path nodes are byte-packed: no aligned CHAR16 access */
		memcpy(&c, node + EFI_DP_NODE_HEADER_SIZE + i * sizeof(CHAR16), sizeof(c));
		if (c == 0)
			break;
		if (c == '/')
			c = '\\';
		if (i == 0 && c != '\\' && !ends_in_sep)
			efi_self_path[(*n)++] = '\\';
		else if (i == 0 && c == '\\' && ends_in_sep)
			continue;
		efi_self_path[(*n)++] = c;
	}
}

/*
 * Our own path from LoadedImage->FilePath: the concatenated media file-path
 * nodes.  Empty when the image did not come from a file (e.g. the network).
 */
static void efi_find_self_path(const EFI_DEVICE_PATH *dp)
{
	const uint8_t *node = (const uint8_t *)dp;
	size_t n = 0;

	for (int guard = 0; node && guard < 64; guard++) {
		size_t len = node[2] | (size_t)node[3] << 8;

		if (node[0] == EFI_DP_TYPE_END || len < EFI_DP_NODE_HEADER_SIZE)
			break;
		if (node[0] == EFI_DP_TYPE_MEDIA && node[1] == EFI_DP_SUBTYPE_FILEPATH)
			path_append_node(node, len, &n);
		node += len;
	}
	efi_self_path[n] = 0;
	/* the directory: everything up to and including the last '\' */
	StrCpy(efi_dir, L"\\");
	for (size_t i = n; i > 0; i--) {
		if (efi_self_path[i - 1] == '\\') {
			CopyMem(efi_dir, efi_self_path, i * sizeof(CHAR16));
			efi_dir[i] = 0;
			break;
		}
	}
}

const CHAR16 *efi_self_name(void)
{
	const CHAR16 *name = efi_self_path;

	for (const CHAR16 *p = efi_self_path; *p; p++) {
		if (*p == '\\')
			name = p + 1;
	}
	return name;
}

EFI_STATUS efi_files_init(EFI_LOADED_IMAGE *image)
{
	EFI_FILE_IO_INTERFACE *fs;
	EFI_STATUS st;

	efi_find_self_path(image->FilePath);
	st = uefi_call_wrapper(BS->HandleProtocol, 3, image->DeviceHandle, &FileSystemProtocol,
			       (void **)&fs);
	if (EFI_ERROR(st))
		return st;
	st = uefi_call_wrapper(fs->OpenVolume, 2, fs, &efi_root);
	if (EFI_ERROR(st))
		efi_root = NULL;
	return st;
}

/* name (ASCII) -> a UCS-2 path on the volume; false when it does not fit
 * or holds a character that is not printable ASCII. */
static bool efi_make_path(const char *name, CHAR16 *path)
{
	size_t n = 0;

	if (name[0] != '\\' && name[0] != '/') {
		n = StrLen(efi_dir);
		CopyMem(path, efi_dir, n * sizeof(CHAR16));
	}
	for (; *name; name++) {
		if (*name < 0x20 || *name > 0x7e || n + 1 >= EFI_PATH_MAX)
			return false;
		path[n++] = *name == '/' ? '\\' : (CHAR16)*name;
	}
	path[n] = 0;
	return n > 0;
}

/* File size from EFI_FILE_INFO; EFI_INVALID_PARAMETER for a directory. */
static EFI_STATUS efi_file_size(EFI_FILE_HANDLE fh, uint64_t *size)
{
	EFI_FILE_INFO *info = LibFileInfo(fh);

	if (!info)
		return EFI_DEVICE_ERROR;
	*size = info->FileSize;
	if (info->Attribute & EFI_FILE_DIRECTORY) {
		FreePool(info);
		return EFI_INVALID_PARAMETER;
	}
	FreePool(info);
	return EFI_SUCCESS;
}

/* Read exactly size bytes from the start of fh into buf. */
static EFI_STATUS efi_read_all(EFI_FILE_HANDLE fh, uint8_t *buf, uint64_t size)
{
	uint64_t done = 0;

	while (done < size) {
		UINTN chunk = MIN(size - done, EFI_READ_CHUNK);
		EFI_STATUS st = uefi_call_wrapper(fh->Read, 3, fh, &chunk, buf + done);

		if (EFI_ERROR(st))
			return st;
		if (chunk == 0) /* end of file before the size it reported */
			return EFI_END_OF_FILE;
		done += chunk;
	}
	return EFI_SUCCESS;
}

/* Size, allocate, read: the part of efi_load_file() that needs the open file. */
static EFI_STATUS efi_load_open_file(const char *name, EFI_FILE_HANDLE fh, struct boot_module *mod)
{
	EFI_PHYSICAL_ADDRESS addr;
	uint64_t size, pages;
	EFI_STATUS st;

	st = efi_file_size(fh, &size);
	if (st == EFI_INVALID_PARAMETER) {
		efi_log(LOG_ERR, L"efi: cannot load %a: it is a directory\n", name);
		return st;
	}
	if (EFI_ERROR(st)) {
		efi_log(LOG_ERR, L"efi: cannot load %a: read error (no file info)\n", name);
		return EFI_DEVICE_ERROR;
	}
	pages = MAX(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE, 1);
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData, pages, &addr);
	if (EFI_ERROR(st)) {
		efi_log(LOG_ERR, L"efi: cannot load %a: out of memory (%ld bytes)\n", name,
			(INT64)size);
		return EFI_OUT_OF_RESOURCES;
	}
	st = efi_read_all(fh, (uint8_t *)(uintptr_t)addr, size);
	if (EFI_ERROR(st)) {
		uefi_call_wrapper(BS->FreePages, 2, addr, pages);
		efi_log(LOG_ERR, L"efi: cannot load %a: read error (%r)\n", name, st);
		return EFI_DEVICE_ERROR;
	}
	mod->start = addr;
	mod->end = addr + size;
	strlcpy(mod->name, name, sizeof(mod->name));
	return EFI_SUCCESS;
}

EFI_STATUS efi_load_file(const char *name, struct boot_module *mod, bool optional)
{
	static CHAR16 path[EFI_PATH_MAX];
	EFI_FILE_HANDLE fh;
	EFI_STATUS st;

	if (!efi_root) {
		efi_log(LOG_ERR, L"efi: cannot load %a: the boot device has no file system\n",
			name);
		return EFI_UNSUPPORTED;
	}
	if (strlen(name) >= sizeof(mod->name) || !efi_make_path(name, path)) {
		efi_log(LOG_ERR, L"efi: cannot load \"%a\": bad or too long file name\n", name);
		return EFI_INVALID_PARAMETER;
	}
	st = uefi_call_wrapper(efi_root->Open, 5, efi_root, &fh, path, EFI_FILE_MODE_READ, 0ULL);
	if (st == EFI_NOT_FOUND) {
		if (!optional)
			efi_log(LOG_ERR, L"efi: cannot load %a: file not found (%s)\n", name, path);
		return st;
	}
	if (EFI_ERROR(st)) {
		efi_log(LOG_ERR, L"efi: cannot load %a: open failed (%r)\n", name, st);
		return EFI_DEVICE_ERROR;
	}
	st = efi_load_open_file(name, fh, mod);
	uefi_call_wrapper(fh->Close, 1, fh);
	return st;
}
