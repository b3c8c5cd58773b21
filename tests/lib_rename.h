/*
 * lib_rename.h - give core/lib's symbols an hv_ prefix for tests/test_lib.c.
 *
 * test_lib.c compiles the core/lib sources into itself after this header, so the
 * hypervisor's memcpy becomes hv_memcpy and can be compared with the host C
 * library's memcpy in the same program; #include "lib_unrename.h" afterwards.
 */
#define memcpy	  hv_memcpy
#define memmove	  hv_memmove
#define memset	  hv_memset
#define memcmp	  hv_memcmp
#define strlen	  hv_strlen
#define strnlen	  hv_strnlen
#define strcmp	  hv_strcmp
#define strncmp	  hv_strncmp
#define strchr	  hv_strchr
#define strlcpy	  hv_strlcpy
#define vsnprintf hv_vsnprintf
#define snprintf  hv_snprintf
#define parse_u64 hv_parse_u64
