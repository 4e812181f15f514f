#ifndef PAKT_SCAN_H
#define PAKT_SCAN_H

// Classifies CSV text 16 and 64 bytes at a time into bit masks (bit k stands for byte p[k]),
// for the CSV reader's scan (Sources/PaktExtract/CSV/CSVScan.swift), its UTF-8 check and the
// single-byte transcoder.
//
// Why C: Swift's SIMD types compare 16 bytes at once, but have no way to turn the result into
// a bit mask (SSE2's pmovmskb). With the masks the reader finds a field's end with one count
// of trailing zeros instead of testing eight-byte words and then single bytes. Static inline:
// Swift inlines them, no call per block. (The whole scan in C, tried, was no faster: clang's
// loop took as many instructions per field as Swift's, callgrind.)
//
// Callers make 64 bytes from p readable and clear the bits past their text.

#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__SSE2__)
/// The 16 byte flags of `m` (each 0x00 or 0xFF, or any byte for its top bit) as bits 16k to
/// 16k + 15 of a 64-bit mask.
static inline uint64_t pakt_bits16(__m128i m, int k) {
  return (uint64_t)(uint16_t)_mm_movemask_epi8(m) << (16 * k);
}
#endif

/// Where an unquoted field can end, and which bytes are not ASCII.
typedef struct {
  /// The delimiter, LF or CR.
  uint64_t stops;
  /// Bytes 0x80 and above.
  uint64_t high;
} pakt_csv_stops;

/// Inside a quoted field: quotes, line breaks and bytes that are not ASCII.
typedef struct {
  uint64_t quotes;
  /// LF or CR.
  uint64_t newlines;
  uint64_t high;
} pakt_csv_quoted;

static inline pakt_csv_stops pakt_csv_classify_stops(const uint8_t *p, uint8_t delimiter) {
  pakt_csv_stops out = {0, 0};
#if defined(__SSE2__)
  const __m128i d = _mm_set1_epi8((char)delimiter);
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  for (int k = 0; k < 4; k++) {
    __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
    __m128i s = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, lf)), _mm_cmpeq_epi8(v, cr));
    out.stops |= pakt_bits16(s, k);
    out.high |= pakt_bits16(v, k);
  }
#else
  for (int k = 0; k < 64; k++) {
    uint8_t b = p[k];
    out.stops |= (uint64_t)(b == delimiter || b == '\n' || b == '\r') << k;
    out.high |= (uint64_t)(b >> 7) << k;
  }
#endif
  return out;
}

static inline pakt_csv_quoted pakt_csv_classify_quoted(const uint8_t *p, uint8_t quote) {
  pakt_csv_quoted out = {0, 0, 0};
#if defined(__SSE2__)
  const __m128i q = _mm_set1_epi8((char)quote);
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  for (int k = 0; k < 4; k++) {
    __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
    __m128i n = _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr));
    out.quotes |= pakt_bits16(_mm_cmpeq_epi8(v, q), k);
    out.newlines |= pakt_bits16(n, k);
    out.high |= pakt_bits16(v, k);
  }
#else
  for (int k = 0; k < 64; k++) {
    uint8_t b = p[k];
    out.quotes |= (uint64_t)(b == quote) << k;
    out.newlines |= (uint64_t)(b == '\n' || b == '\r') << k;
    out.high |= (uint64_t)(b >> 7) << k;
  }
#endif
  return out;
}

/// Bytes 0x80 and above among the 64 from p.
static inline uint64_t pakt_high_mask64(const uint8_t *p) {
  uint64_t out = 0;
#if defined(__SSE2__)
  for (int k = 0; k < 4; k++) {
    out |= pakt_bits16(_mm_loadu_si128((const __m128i *)(p + 16 * k)), k);
  }
#else
  for (int k = 0; k < 64; k++) out |= (uint64_t)(p[k] >> 7) << k;
#endif
  return out;
}

/// Copies the ASCII bytes at the start of src[0..<n] to dst, 16 at a time, and returns how
/// many there were. Whole blocks of 16 are stored (also the one holding the first byte that
/// is not ASCII), so dst must have room for them. For single-byte encodings, whose text is
/// mostly ASCII.
static inline size_t pakt_copy_ascii(const uint8_t *src, size_t n, uint8_t *dst) {
  size_t i = 0;
#if defined(__SSE2__)
  while (i + 16 <= n) {
    __m128i v = _mm_loadu_si128((const __m128i *)(src + i));
    _mm_storeu_si128((__m128i *)(dst + i), v);
    unsigned m = (unsigned)_mm_movemask_epi8(v);
    if (m != 0) return i + (size_t)__builtin_ctz(m);
    i += 16;
  }
#endif
  while (i < n && src[i] < 0x80) {
    dst[i] = src[i];
    i++;
  }
  return i;
}

/// A hash of the text p[0..<n], n >= 8, for a table of recent values: every byte counts (two
/// values that differ only in their middle, "Kurs A1 (VHS) Weststadt" and "Kurs B1 (VHS)
/// Weststadt", must not share a bucket more often than any two). Eight bytes at a time, the
/// last word overlapping the one before; the multiplications do not wait for each other.
static inline uint64_t pakt_hash8(const uint8_t *p, size_t n) {
  uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ull, w;
  for (size_t i = 0; i + 8 < n; i += 8) {
    __builtin_memcpy(&w, p + i, 8);
    h = ((h << 27) | (h >> 37)) ^ (w * 0xC2B2AE3D27D4EB4Full);
  }
  __builtin_memcpy(&w, p + n - 8, 8);
  h = ((h << 27) | (h >> 37)) ^ (w * 0xC2B2AE3D27D4EB4Full);
  return h * 0x165667B19E3779F9ull;
}

/// Whether a[0..<n] and b[0..<n] are equal, n >= 16: 16 bytes at a time, the last block
/// overlapping the one before.
static inline int pakt_equal16(const uint8_t *a, const uint8_t *b, size_t n) {
#if defined(__SSE2__)
  size_t i = 0;
  for (; i + 16 < n; i += 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)(a + i)), y = _mm_loadu_si128((const __m128i *)(b + i));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) != 0xFFFF) return 0;
  }
  __m128i x = _mm_loadu_si128((const __m128i *)(a + n - 16)), y = _mm_loadu_si128((const __m128i *)(b + n - 16));
  return _mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) == 0xFFFF;
#else
  return __builtin_memcmp(a, b, n) == 0;
#endif
}

#endif
