// CKernels: the few matrix–vector kernels Swift cannot express — x86 AVX2 integer dot products over 8-bit
// activations (vpmaddubsw: unsigned × signed bytes summed in pairs to 16 bits; vpsign/vpabs; vpshufb table lookups),
// and float-activation kernels that compute exactly what the Swift ones do with better instruction selection and
// software prefetch. Each is the fast twin of a Swift kernel in Sources/Tensor/Kernels (MatVecKernelsQ8.swift,
// MatVecKernels.swift), which stays the readable reference the tests compare it with — bit for bit for the float
// ones — and the portable fallback on CPUs without AVX2. Functions are compiled for
// AVX2 per function (target attributes), so a baseline x86-64 build contains them too; Swift calls them only after
// `lmlab_cpu_has_avx2()` said yes.
//
// Every kernel has one shape: weights in their ggml blocks (row r at w + r·stride), n columns, and `batch` activation
// vectors as 8-bit blocks of 32 — vector v's integers at q + v·n, its scales at d + v·n/32, its d·Σq at
// s + v·n/32. `rows4` writes y[v·ldy + 0…3] for rows w, w + stride, w + 2·stride, w + 3·stride and each vector v.
// The result of a (row, vector) never depends on the rows or vectors beside it: a batch gives each vector exactly
// what it gets alone.
#ifndef LMLAB_CKERNELS_H
#define LMLAB_CKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 if the CPU runs AVX2, FMA and F16C (x86-64 only; 0 elsewhere). Checked once; cheap to call.
int lmlab_cpu_has_avx2(void);
/// 1 if the CPU also runs AVX-512 F, VL, BW and VNNI (vpdpbusd), what the lmlab_vnni_ kernels use.
int lmlab_cpu_has_avx512vnni(void);
/// 1 if the CPU also runs AVX512_BITALG (vpshufbitqmb: Zen 4, Intel from Ice Lake, not Cascade Lake).
int lmlab_cpu_has_avx512bitalg(void);

/// A spin-wait hint (x86 `pause`, Arm `yield`): tells the core this thread only waits, so it spends ~10–150 cycles
/// per call instead of ~1 and leaves the memory system alone (WorkerPool's spinning threads).
static inline void lmlab_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// The signature shared by all kernels below.
typedef void (*lmlab_q8_rows4)(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                               long batch, float *y, long ldy);

void lmlab_avx2_q4_0_rows4(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
void lmlab_avx2_q4_1_rows4(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
void lmlab_avx2_q5_0_rows4(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
void lmlab_avx2_q5_1_rows4(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
void lmlab_avx2_q8_0_rows4(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
void lmlab_avx2_iq4_nl_rows4(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
/// `rows8`: rows w … w + 7·stride (one per lane of the kernel's vectors), y[v·ldy + 0…7].
void lmlab_avx2_q4_0_rows8(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
void lmlab_avx2_q4_1_rows8(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
void lmlab_avx2_q8_0_rows8(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
/// The same three on AVX-512 VNNI (MatVecQ8VNNI.c): the AVX2 ones' bits, faster.
void lmlab_vnni_q4_0_rows8(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
void lmlab_vnni_q4_1_rows8(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
void lmlab_vnni_q8_0_rows8(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
/// Q5_0's eight-row kernel on AVX-512 VNNI with AVX512_BITALG (lmlab_cpu_has_avx512bitalg).
void lmlab_vnni_q5_0_rows8(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
/// IQ4_NL's eight-row kernel on AVX-512 VNNI (the AVX2 set has none: the bits of lmlab_avx2_iq4_nl_rows4).
void lmlab_vnni_iq4_nl_rows8(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                             long batch, float *y, long ldy);
/// Q8_0's four-row kernel on AVX-512 VNNI.
void lmlab_vnni_q8_0_rows4(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
void lmlab_avx2_q4_K_rows4(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
void lmlab_avx2_q5_K_rows4(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
void lmlab_avx2_q6_K_rows4(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);
void lmlab_avx2_iq4_xs_rows4(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                           long batch, float *y, long ldy);

/// The float-activation kernels: bit for bit the Swift kernels of MatVecKernels.swift (same operations, same lane
/// order), faster. Vector v's floats at x + v·n, its sums over each 32 elements at s32 + v·n/32.
typedef void (*lmlab_f_rows4)(const void *w, long stride, const float *x, const float *s32, long n, long batch,
                              float *y, long ldy);

void lmlab_avx2_f_q4_0_rows4(const void *w, long stride, const float *x, const float *s32, long n, long batch,
                             float *y, long ldy);
void lmlab_avx2_f_q4_1_rows4(const void *w, long stride, const float *x, const float *s32, long n, long batch,
                             float *y, long ldy);
void lmlab_avx2_f_q5_0_rows4(const void *w, long stride, const float *x, const float *s32, long n, long batch,
                             float *y, long ldy);
void lmlab_avx2_f_q5_1_rows4(const void *w, long stride, const float *x, const float *s32, long n, long batch,
                             float *y, long ldy);
void lmlab_avx2_f_q8_0_rows4(const void *w, long stride, const float *x, const float *s32, long n, long batch,
                             float *y, long ldy);
void lmlab_avx2_f_iq4_nl_rows4(const void *w, long stride, const float *x, const float *s32, long n, long batch,
                               float *y, long ldy);
void lmlab_avx2_f_iq4_xs_rows4(const void *w, long stride, const float *x, const float *s32, long n, long batch,
                               float *y, long ldy);

/// Attention over a float16 KV cache (AttentionF16AVX2.c), bit for bit AttentionF16.swift's Swift reference; hs a
/// multiple of 16. scores[s] = scale · q·k_s for `count` keys `stride` halves apart.
void lmlab_avx2_f16_dot_keys(const float *q, const uint16_t *keys, long stride, long count, long hs, float scale,
                             float *scores);
/// out (hs) = Σ_s weights[s] · v_s for `count` values `stride` halves apart: v_s at values + s·stride for s < split
/// (a shared prompt's, split a multiple of 4), at tail + s·stride from there on.
void lmlab_avx2_f16_mix_values(const float *weights, const uint16_t *values, long split, const uint16_t *tail,
                               long stride, long count, long hs, float *out);
/// The grouped-query forms: nq queries (q + g·hs) sharing the keys/values, each query's result exactly the
/// one-query kernel's. scores (and weights) of query g at + g·ld; out of query g at out + g·hs.
void lmlab_avx2_f16_dot_keys_group(const float *q, long nq, const uint16_t *keys, long stride, long count, long hs,
                                   float scale, float *scores, long ld);
void lmlab_avx2_f16_mix_values_group(const float *weights, long nq, long ld, const uint16_t *values, long split,
                                     const uint16_t *tail, long stride, long count, long hs, float *out);
/// h[i] = x[i] as float16 bits, rounded to nearest even (vcvtps2ph).
void lmlab_avx2_f32_to_f16(const float *x, uint16_t *h, long n);

#ifdef __cplusplus
}
#endif

#endif
