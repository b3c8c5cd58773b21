/*
 * paging.h - x86-64 4-level paging entries (SDM Vol. 3A 5.5, tables
 * 5-15 to 5-20) and what arch/x86_64/paging.c tells the rest of arch/.
 */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <hv/compiler.h>

#define PTE_P	       BIT(0)
#define PTE_RW	       BIT(1)
#define PTE_US	       BIT(2)
#define PTE_PWT	       BIT(3)
#define PTE_PCD	       BIT(4)
#define PTE_A	       BIT(5)
#define PTE_D	       BIT(6)
#define PTE_PS	       BIT(7) /* in a PDPTE or PDE: maps a 1 GiB / 2 MiB page */
#define PTE_G	       BIT(8)
#define PTE_NX	       BIT(63)
#define PTE_ADDR       GENMASK(51, 12)
#define PT_ENTRIES     512
#define PT_SHIFT_PDE   21 /* 2 MiB */
#define PT_SHIFT_PDPTE 30 /* 1 GiB */
#define PT_SHIFT_PML4E 39 /* 512 GiB */

#define CR4_LA57 BIT(12)

/* End of the identity map: 4 GiB before paging_init (the multiboot2 early
 * tables; UEFI firmware maps at least that), then what paging_init mapped. */
uint64_t paging_mapped_end(void);

#endif
