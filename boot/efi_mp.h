/*
 * efi_mp.h - the EFI MP Services protocol, which GNU-EFI does not declare.
 *
 * Defined by the UEFI Platform Initialization specification (PI 1.7,
 * Vol. 2, section 13.4 "MP Services Protocol").  Only the two queries the
 * UEFI boot path needs are typed; the remaining members are kept as opaque
 * pointers so the structure layout matches the specification.
 */
#ifndef BOOT_EFI_MP_H
#define BOOT_EFI_MP_H

#include <efi.h>

#define EFI_MP_SERVICES_PROTOCOL_GUID                                                              \
	{                                                                                          \
		0x3fdda605, 0xa76e, 0x4f46,                                                        \
		{                                                                                  \
			0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08                             \
		}                                                                                  \
	}

/* EFI_PROCESSOR_INFORMATION.StatusFlag bits (PI Vol. 2, GetProcessorInfo). */
#define EFI_PROCESSOR_AS_BSP_BIT	0x00000001
#define EFI_PROCESSOR_ENABLED_BIT	0x00000002
#define EFI_PROCESSOR_HEALTH_STATUS_BIT 0x00000004

typedef struct {
	UINT32 Package;
	UINT32 Core;
	UINT32 Thread;
} EFI_CPU_PHYSICAL_LOCATION;

typedef struct {
	UINT32 Package;
	UINT32 Die;
	UINT32 Tile;
	UINT32 Module;
	UINT32 Core;
	UINT32 Thread;
} EFI_CPU_PHYSICAL_LOCATION2;

/*
 * PI 1.7 appended ExtendedInformation; older firmware writes only the fields
 * before it.  Passing the larger buffer is correct for both.
 */
typedef struct {
	UINT64 ProcessorId; /* the APIC ID on x86 */
	UINT32 StatusFlag;
	EFI_CPU_PHYSICAL_LOCATION Location;
	EFI_CPU_PHYSICAL_LOCATION2 ExtendedInformation;
} EFI_PROCESSOR_INFORMATION;

struct _EFI_MP_SERVICES_PROTOCOL;

typedef EFI_STATUS(EFIAPI *EFI_MP_SERVICES_GET_NUMBER_OF_PROCESSORS)(
    struct _EFI_MP_SERVICES_PROTOCOL *This, UINTN *NumberOfProcessors,
    UINTN *NumberOfEnabledProcessors);

typedef EFI_STATUS(EFIAPI *EFI_MP_SERVICES_GET_PROCESSOR_INFO)(
    struct _EFI_MP_SERVICES_PROTOCOL *This, UINTN ProcessorNumber,
    EFI_PROCESSOR_INFORMATION *ProcessorInfoBuffer);

typedef struct _EFI_MP_SERVICES_PROTOCOL {
	EFI_MP_SERVICES_GET_NUMBER_OF_PROCESSORS GetNumberOfProcessors;
	EFI_MP_SERVICES_GET_PROCESSOR_INFO GetProcessorInfo;
	VOID *StartupAllAPs;
	VOID *StartupThisAP;
	VOID *SwitchBSP;
	VOID *EnableDisableAP;
	VOID *WhoAmI;
} EFI_MP_SERVICES_PROTOCOL;

#endif
