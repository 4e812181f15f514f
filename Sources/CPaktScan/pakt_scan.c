// The functions are static inline in include/pakt_scan.h; a C target needs one source file.
#include "pakt_scan.h"
