/* lib_unrename.h - undo tests/lib_rename.h: plain names are the host's again. */
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strlcpy
#undef vsnprintf
#undef snprintf
#undef parse_u64
