// What the AVX2 kernel files share: the per-function target attributes (all of them: MatVecQ8AVX2.c,
// MatVecFloatAVX2.c, AttentionF16AVX2.c); for the two matrix–vector files the unaligned little-endian loads and f16
// conversion of a block's fields, software prefetch, a block's nibbles and the IQ4 grid, the batch split into groups
// of eight vectors, and the 32-element ggml block kinds with their sizes (layouts:
// Sources/Tensor/Quantization/Dequantize*.swift). Internal to CKernels — the public declarations are in
// include/CKernels.h. x86-64 only: include it inside the files' __x86_64__ branch.
#ifndef LMLAB_AVX2_SHARED_H
#define LMLAB_AVX2_SHARED_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

// Compiled for AVX2 per function, so a baseline x86-64 build holds these too (called only after
// lmlab_cpu_has_avx2() said yes).
#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define INLINE static inline __attribute__((always_inline)) AVX2

INLINE uint16_t load16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
INLINE uint32_t load32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
/// The f16 at p as a float (a block's scale or minimum).
INLINE float half(const uint8_t *p) { return _cvtsh_ss(load16(p)); }

/// Asks for the cache lines of [p, p + bytes) ahead of use. The kernels walk four rows side by side, four
/// interleaved streams the hardware prefetchers follow less well than one: while a group of rows is computed, the
/// next group (the next 4·stride bytes) is fetched in step with it, block by block. Measured on a 2-core EPYC
/// streaming 70 MB of Q4_1: 5.5 GB/s without, 8.3 GB/s with. (Prefetches never fault, past the end either.)
INLINE void prefetch(const uint8_t *p, long bytes) {
    for (long o = 0; o < bytes; o += 64) _mm_prefetch((const char *)p + o, _MM_HINT_T0);
}

/// 16 bytes of nibbles as 32 values 0…15: byte i holds element i (low nibble) and element i + 16 (high nibble).
INLINE __m256i nibbles32(const uint8_t *p) {
    __m256i t = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)p));
    return _mm256_and_si256(_mm256_srlv_epi32(t, _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4)), _mm256_set1_epi8(15));
}

/// The 16 values of the IQ4_NL/IQ4_XS grid (ggml kvalues_iq4nl), looked up by nibble with vpshufb.
INLINE __m256i iq4_grid(__m256i nibbles) {
    const __m256i grid = _mm256_setr_epi8(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113,
                                          -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);
    return _mm256_shuffle_epi8(grid, nibbles);
}

/// The vectors of a batch eight at a time: for each group, with `v` its first vector, GROUP(NB) — a macro the caller
/// defines — runs with NB (1…8) a constant in each expansion, so the kernels' loops over vectors unroll.
#define EIGHT_AT_A_TIME(batch, GROUP)                                                                               \
    for (long v = 0; v < (batch); v += 8) {                                                                          \
        switch ((batch) - v) {                                                                                       \
        case 1: GROUP(1); break;                                                                                     \
        case 2: GROUP(2); break;                                                                                     \
        case 3: GROUP(3); break;                                                                                     \
        case 4: GROUP(4); break;                                                                                     \
        case 5: GROUP(5); break;                                                                                     \
        case 6: GROUP(6); break;                                                                                     \
        case 7: GROUP(7); break;                                                                                     \
        default: GROUP(8); break;                                                                                    \
        }                                                                                                            \
    }

/// The ggml types stored in blocks of 32 elements.
enum kind { Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL };

/// Bytes of one block: the f16 scale (and f16 minimum, or the 32 fifth bits) before the 32 elements.
INLINE long block_bytes(enum kind k) {
    switch (k) {
    case Q4_0: return 18;
    case Q4_1: return 20;
    case Q5_0: return 22;
    case Q5_1: return 24;
    case Q8_0: return 34;
    case IQ4_NL: return 18;
    }
    return 0;
}

#endif
