#ifndef PAKT_CLIBXML2_SHIM_H
#define PAKT_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
// Debian builds libxml2 with ICU; its headers then clash with Foundation's bundled ICU
// ("'UErrorCode' has different definitions"). pakt never needs libxml2's ICU hooks.
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>
#include <libxml/SAX2.h>
#include <libxml/parserInternals.h>
#include <libxml/HTMLparser.h>

// `xmlFree` is a global function pointer, which Swift 6 rejects as not concurrency-safe.
static inline void pakt_xmlFree(void *p) { xmlFree(p); }

#endif
