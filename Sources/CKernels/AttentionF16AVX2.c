// AVX2 + F16C attention over a float16 KV cache: bit for bit the Swift reference of
// Sources/Tensor/Kernels/AttentionF16.swift — each half widened exactly (vcvtph2ps), then the same fused
// multiply-adds on the same lanes in the same order and the same final lane sum. A Swift SIMD16<Float16> → Float
// conversion compiles to vcvtph2ps only when the whole build targets F16C (`-target-cpu native`); a baseline x86-64
// build makes it one library call per number, so the fast path lives here, compiled for AVX2/FMA/F16C per function.
//
// Swift's 16-lane vectors are two 8-lane halves here (lo: lanes 0…7, hi: 8…15). Head sizes are multiples of 16.
#include "CKernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include "AVX2Shared.h"

// Swift does not fuse a product and a sum unless asked (addingProduct); neither may C.
#pragma STDC FP_CONTRACT OFF
#ifdef __clang__
#pragma clang fp contract(off)
#endif

/// 8 halves → 8 floats (exact).
INLINE __m256 widen8(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }

/// VectorMath.laneSum of the 16 lanes (lo, hi): (lo + hi), then halves of 4, of 2, then the two.
INLINE float lane_sum(__m256 lo, __m256 hi) {
    __m256 s8 = _mm256_add_ps(lo, hi);
    __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
}

AVX2 void lmlab_avx2_f16_dot_keys(const float *q, const uint16_t *keys, long stride, long count, long hs,
                                  float scale, float *scores) {
    long s = 0;
    for (; s + 4 <= count; s += 4) {
        const uint16_t *k0 = keys + s * stride, *k1 = k0 + stride, *k2 = k1 + stride, *k3 = k2 + stride;
        __m256 a0l = _mm256_setzero_ps(), a0h = a0l, a1l = a0l, a1h = a0l, a2l = a0l, a2h = a0l, a3l = a0l, a3h = a0l;
        for (long c = 0; c < hs; c += 16) {
            __m256 ql = _mm256_loadu_ps(q + c), qh = _mm256_loadu_ps(q + c + 8);
            a0l = _mm256_fmadd_ps(ql, widen8(k0 + c), a0l); a0h = _mm256_fmadd_ps(qh, widen8(k0 + c + 8), a0h);
            a1l = _mm256_fmadd_ps(ql, widen8(k1 + c), a1l); a1h = _mm256_fmadd_ps(qh, widen8(k1 + c + 8), a1h);
            a2l = _mm256_fmadd_ps(ql, widen8(k2 + c), a2l); a2h = _mm256_fmadd_ps(qh, widen8(k2 + c + 8), a2h);
            a3l = _mm256_fmadd_ps(ql, widen8(k3 + c), a3l); a3h = _mm256_fmadd_ps(qh, widen8(k3 + c + 8), a3h);
        }
        scores[s] = lane_sum(a0l, a0h) * scale; scores[s + 1] = lane_sum(a1l, a1h) * scale;
        scores[s + 2] = lane_sum(a2l, a2h) * scale; scores[s + 3] = lane_sum(a3l, a3h) * scale;
    }
    for (; s < count; s++) {
        const uint16_t *k = keys + s * stride;
        __m256 al = _mm256_setzero_ps(), ah = al;
        for (long c = 0; c < hs; c += 16) {
            al = _mm256_fmadd_ps(_mm256_loadu_ps(q + c), widen8(k + c), al);
            ah = _mm256_fmadd_ps(_mm256_loadu_ps(q + c + 8), widen8(k + c + 8), ah);
        }
        scores[s] = lane_sum(al, ah) * scale;
    }
}

/// Positions s < split read from `head` (a prompt that several sequences share), the rest from `tail`, each at
/// + s·stride: split is a multiple of 4, so a group of four positions never straddles the two.
INLINE const uint16_t *value_row(const uint16_t *head, long split, const uint16_t *tail, long s, long stride) {
    return (s < split ? head : tail) + s * stride;
}

AVX2 void lmlab_avx2_f16_mix_values(const float *weights, const uint16_t *values, long split, const uint16_t *tail,
                                    long stride, long count, long hs, float *out) {
    for (long c = 0; c < hs; c += 16) {
        __m256 a0l = _mm256_setzero_ps(), a0h = a0l, a1l = a0l, a1h = a0l, a2l = a0l, a2h = a0l, a3l = a0l, a3h = a0l;
        long s = 0;
        for (; s + 4 <= count; s += 4) {
            const uint16_t *v0 = value_row(values, split, tail, s, stride) + c, *v1 = v0 + stride, *v2 = v1 + stride, *v3 = v2 + stride;
            __m256 w0 = _mm256_broadcast_ss(weights + s), w1 = _mm256_broadcast_ss(weights + s + 1);
            __m256 w2 = _mm256_broadcast_ss(weights + s + 2), w3 = _mm256_broadcast_ss(weights + s + 3);
            a0l = _mm256_fmadd_ps(widen8(v0), w0, a0l); a0h = _mm256_fmadd_ps(widen8(v0 + 8), w0, a0h);
            a1l = _mm256_fmadd_ps(widen8(v1), w1, a1l); a1h = _mm256_fmadd_ps(widen8(v1 + 8), w1, a1h);
            a2l = _mm256_fmadd_ps(widen8(v2), w2, a2l); a2h = _mm256_fmadd_ps(widen8(v2 + 8), w2, a2h);
            a3l = _mm256_fmadd_ps(widen8(v3), w3, a3l); a3h = _mm256_fmadd_ps(widen8(v3 + 8), w3, a3h);
        }
        for (; s < count; s++) {
            const uint16_t *v = value_row(values, split, tail, s, stride) + c;
            __m256 w = _mm256_broadcast_ss(weights + s);
            a0l = _mm256_fmadd_ps(widen8(v), w, a0l); a0h = _mm256_fmadd_ps(widen8(v + 8), w, a0h);
        }
        _mm256_storeu_ps(out + c, _mm256_add_ps(_mm256_add_ps(a0l, a1l), _mm256_add_ps(a2l, a3l)));
        _mm256_storeu_ps(out + c + 8, _mm256_add_ps(_mm256_add_ps(a0h, a1h), _mm256_add_ps(a2h, a3h)));
    }
}

// Grouped-query attention: the query heads that share a KV head read its keys and values once, widened once for
// all of them (SmolLM2: 3 query heads per KV head). Each query's numbers go through exactly the operations of the
// one-query kernels above — the same chains in the same order; only which independent chains run side by side
// changes — so a query gets the same bits alone or in its group.

/// Up to 4 queries (NQ, a constant after inlining) against every key, one key at a time.
INLINE void dot_keys_n(int NQ, const float *q, long hs, const uint16_t *keys, long stride, long count, float scale,
                       float *scores, long ld) {
    for (long s = 0; s < count; s++) {
        const uint16_t *k = keys + s * stride;
        __m256 al[4], ah[4];
        for (int g = 0; g < NQ; g++) al[g] = ah[g] = _mm256_setzero_ps();
        for (long c = 0; c < hs; c += 16) {
            const __m256 kl = widen8(k + c), kh = widen8(k + c + 8);
            for (int g = 0; g < NQ; g++) {
                al[g] = _mm256_fmadd_ps(_mm256_loadu_ps(q + g * hs + c), kl, al[g]);
                ah[g] = _mm256_fmadd_ps(_mm256_loadu_ps(q + g * hs + c + 8), kh, ah[g]);
            }
        }
        for (int g = 0; g < NQ; g++) scores[g * ld + s] = lane_sum(al[g], ah[g]) * scale;
    }
}

AVX2 void lmlab_avx2_f16_dot_keys_group(const float *q, long nq, const uint16_t *keys, long stride, long count,
                                        long hs, float scale, float *scores, long ld) {
    for (long g = 0; g < nq; g += 4) {
        const float *qg = q + g * hs;
        float *sg = scores + g * ld;
        switch (nq - g) {
        case 1: lmlab_avx2_f16_dot_keys(qg, keys, stride, count, hs, scale, sg); break;
        case 2: dot_keys_n(2, qg, hs, keys, stride, count, scale, sg, ld); break;
        case 3: dot_keys_n(3, qg, hs, keys, stride, count, scale, sg, ld); break;
        default: dot_keys_n(4, qg, hs, keys, stride, count, scale, sg, ld); break;
        }
    }
}

/// Up to 3 queries' weights (NQ) mixing the values, 8 features at a time (lanes are independent, so the one-query
/// kernel's 16-feature steps are two of these): per query the four accumulators of positions s ≡ 0…3 (mod 4).
INLINE void mix_values_n(int NQ, const float *weights, long ld, const uint16_t *values, long split,
                         const uint16_t *tail, long stride, long count, long hs, float *out) {
    for (long c = 0; c < hs; c += 8) {
        __m256 a[3][4];
        for (int g = 0; g < NQ; g++) a[g][0] = a[g][1] = a[g][2] = a[g][3] = _mm256_setzero_ps();
        long s = 0;
        for (; s + 4 <= count; s += 4) {
            const uint16_t *v0 = value_row(values, split, tail, s, stride) + c;
            for (int i = 0; i < 4; i++) {
                const __m256 v = widen8(v0 + i * stride);
                for (int g = 0; g < NQ; g++) a[g][i] = _mm256_fmadd_ps(v, _mm256_broadcast_ss(weights + g * ld + s + i), a[g][i]);
            }
        }
        for (; s < count; s++) {
            const __m256 v = widen8(value_row(values, split, tail, s, stride) + c);
            for (int g = 0; g < NQ; g++) a[g][0] = _mm256_fmadd_ps(v, _mm256_broadcast_ss(weights + g * ld + s), a[g][0]);
        }
        for (int g = 0; g < NQ; g++)
            _mm256_storeu_ps(out + g * hs + c, _mm256_add_ps(_mm256_add_ps(a[g][0], a[g][1]), _mm256_add_ps(a[g][2], a[g][3])));
    }
}

AVX2 void lmlab_avx2_f16_mix_values_group(const float *weights, long nq, long ld, const uint16_t *values, long split,
                                          const uint16_t *tail, long stride, long count, long hs, float *out) {
    for (long g = 0; g < nq; g += 3) {
        const float *wg = weights + g * ld;
        float *og = out + g * hs;
        switch (nq - g) {
        case 1: lmlab_avx2_f16_mix_values(wg, values, split, tail, stride, count, hs, og); break;
        case 2: mix_values_n(2, wg, ld, values, split, tail, stride, count, hs, og); break;
        default: mix_values_n(3, wg, ld, values, split, tail, stride, count, hs, og); break;
        }
    }
}

AVX2 void lmlab_avx2_f32_to_f16(const float *x, uint16_t *h, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm_storeu_si128((__m128i *)(h + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    }
    for (; i < n; i++) h[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

#else
// Not x86-64: Swift never calls these (lmlab_cpu_has_avx2() is 0); they exist so the symbols link.
void lmlab_avx2_f16_dot_keys(const float *q, const uint16_t *keys, long stride, long count, long hs, float scale,
                             float *scores) {
    (void)q; (void)keys; (void)stride; (void)count; (void)hs; (void)scale; (void)scores;
    __builtin_trap();
}
void lmlab_avx2_f16_mix_values(const float *weights, const uint16_t *values, long split, const uint16_t *tail,
                               long stride, long count, long hs, float *out) {
    (void)weights; (void)values; (void)split; (void)tail; (void)stride; (void)count; (void)hs; (void)out;
    __builtin_trap();
}
void lmlab_avx2_f16_dot_keys_group(const float *q, long nq, const uint16_t *keys, long stride, long count,
                                   long hs, float scale, float *scores, long ld) {
    (void)q; (void)nq; (void)keys; (void)stride; (void)count; (void)hs; (void)scale; (void)scores; (void)ld;
    __builtin_trap();
}
void lmlab_avx2_f16_mix_values_group(const float *weights, long nq, long ld, const uint16_t *values, long split,
                                     const uint16_t *tail, long stride, long count, long hs, float *out) {
    (void)weights; (void)nq; (void)ld; (void)values; (void)split; (void)tail; (void)stride; (void)count; (void)hs;
    (void)out;
    __builtin_trap();
}
void lmlab_avx2_f32_to_f16(const float *x, uint16_t *h, long n) {
    (void)x; (void)h; (void)n;
    __builtin_trap();
}
#endif
