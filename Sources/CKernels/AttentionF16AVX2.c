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

AVX2 void lmlab_avx2_f16_mix_values(const float *weights, const uint16_t *values, long stride, long count, long hs,
                                    float *out) {
    for (long c = 0; c < hs; c += 16) {
        __m256 a0l = _mm256_setzero_ps(), a0h = a0l, a1l = a0l, a1h = a0l, a2l = a0l, a2h = a0l, a3l = a0l, a3h = a0l;
        long s = 0;
        for (; s + 4 <= count; s += 4) {
            const uint16_t *v0 = values + s * stride + c, *v1 = v0 + stride, *v2 = v1 + stride, *v3 = v2 + stride;
            __m256 w0 = _mm256_broadcast_ss(weights + s), w1 = _mm256_broadcast_ss(weights + s + 1);
            __m256 w2 = _mm256_broadcast_ss(weights + s + 2), w3 = _mm256_broadcast_ss(weights + s + 3);
            a0l = _mm256_fmadd_ps(widen8(v0), w0, a0l); a0h = _mm256_fmadd_ps(widen8(v0 + 8), w0, a0h);
            a1l = _mm256_fmadd_ps(widen8(v1), w1, a1l); a1h = _mm256_fmadd_ps(widen8(v1 + 8), w1, a1h);
            a2l = _mm256_fmadd_ps(widen8(v2), w2, a2l); a2h = _mm256_fmadd_ps(widen8(v2 + 8), w2, a2h);
            a3l = _mm256_fmadd_ps(widen8(v3), w3, a3l); a3h = _mm256_fmadd_ps(widen8(v3 + 8), w3, a3h);
        }
        for (; s < count; s++) {
            const uint16_t *v = values + s * stride + c;
            __m256 w = _mm256_broadcast_ss(weights + s);
            a0l = _mm256_fmadd_ps(widen8(v), w, a0l); a0h = _mm256_fmadd_ps(widen8(v + 8), w, a0h);
        }
        _mm256_storeu_ps(out + c, _mm256_add_ps(_mm256_add_ps(a0l, a1l), _mm256_add_ps(a2l, a3l)));
        _mm256_storeu_ps(out + c + 8, _mm256_add_ps(_mm256_add_ps(a0h, a1h), _mm256_add_ps(a2h, a3h)));
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
void lmlab_avx2_f16_mix_values(const float *weights, const uint16_t *values, long stride, long count, long hs,
                               float *out) {
    (void)weights; (void)values; (void)stride; (void)count; (void)hs; (void)out;
    __builtin_trap();
}
void lmlab_avx2_f32_to_f16(const float *x, uint16_t *h, long n) {
    (void)x; (void)h; (void)n;
    __builtin_trap();
}
#endif
