// AVX2 kernels with float activations: y = W·x for weights in ggml blocks, bit for bit what the Swift kernels of
// Sources/Tensor/Kernels/MatVecKernels.swift compute — the same operations on the same lanes in the same order, so
// the exact mode keeps its numbers to the last bit (the tests compare every result's bits). Swift expresses these
// operations too; what it does not give is the instruction selection: its SIMD16 code for four rows spills and
// re-shuffles registers on AVX2 (≈1.1 instructions per weight for Q4_1, these take ≈0.6), and it cannot prefetch.
//
// The Swift arithmetic, per row, one block of 32 at a time (16-lane vectors, 8 + 8 here):
//     t   = low ⊙ x[32b …+16]            (low: the block's elements 0…15 as floats; a product, rounded)
//     t   = fma(high, x[32b+16 …], t)     (high: elements 16…31)
//     acc = fma(t, d, acc)                (d: the block's scale)
//     off = off − (8d)·Σx (Q4_0), − (16d)·Σx (Q5_0), + m·Σx (Q4_1, Q5_1): a product, then a sum, no fma
// and at the end y = laneSum(acc) + off, laneSum the halving tree of VectorMath.laneSum.
#include "CKernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include "AVX2Shared.h"

// Swift does not fuse a product and a sum unless asked (addingProduct); neither may C.
#pragma STDC FP_CONTRACT OFF
#ifdef __clang__
#pragma clang fp contract(off)
#endif

/// 16 floats as two halves (lanes 0…7, 8…15).
typedef struct { __m256 a, b; } f16x;

/// VectorMath.laneSum: (lo8 + hi8), then halves of 4, of 2, then the two.
INLINE float lane_sum(f16x v) {
    __m256 s8 = _mm256_add_ps(v.a, v.b);
    __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
}

/// The 32 weights of a block as floats: elements 0…15 (`lo`) and 16…31 (`hi`).
typedef struct { f16x lo, hi; } block32;

/// 16 bytes of nibbles: low nibbles are elements 0…15, high nibbles 16…31; plus `fifth` (bit j of it added as 16 to
/// element j) for the 5-bit types.
INLINE block32 nibbles(const uint8_t *p, int has_fifth, uint32_t fifth) {
    const __m256i m4 = _mm256_set1_epi32(15);
    __m256i a = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p));        // bytes 0…7
    __m256i b = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + 8)));  // bytes 8…15
    __m256i la = _mm256_and_si256(a, m4), lb = _mm256_and_si256(b, m4);
    __m256i ha = _mm256_srli_epi32(a, 4), hb = _mm256_srli_epi32(b, 4);
    if (has_fifth) {
        const __m256i shifts = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), one = _mm256_set1_epi32(1);
        const __m256i bits = _mm256_set1_epi32((int)fifth);
        #define FIFTH(k) _mm256_slli_epi32(_mm256_and_si256(_mm256_srlv_epi32(bits, _mm256_add_epi32(shifts, _mm256_set1_epi32(k))), one), 4)
        la = _mm256_or_si256(la, FIFTH(0));
        lb = _mm256_or_si256(lb, FIFTH(8));
        ha = _mm256_or_si256(ha, FIFTH(16));
        hb = _mm256_or_si256(hb, FIFTH(24));
        #undef FIFTH
    }
    block32 r = {{_mm256_cvtepi32_ps(la), _mm256_cvtepi32_ps(lb)}, {_mm256_cvtepi32_ps(ha), _mm256_cvtepi32_ps(hb)}};
    return r;
}

INLINE __m256 signed8(const uint8_t *p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)p)));
}

/// IQ4_NL codes → grid values as floats (the 16 values looked up with one vpermps per 8 codes, in two halves).
INLINE __m256 grid8(__m256i codes) {
    const __m256 g0 = _mm256_setr_ps(-127, -104, -83, -65, -49, -35, -22, -10);
    const __m256 g1 = _mm256_setr_ps(1, 13, 25, 38, 53, 69, 89, 113);
    __m256 lo = _mm256_permutevar8x32_ps(g0, codes), hi = _mm256_permutevar8x32_ps(g1, codes);
    __m256i upper = _mm256_cmpgt_epi32(codes, _mm256_set1_epi32(7));
    return _mm256_blendv_ps(lo, hi, _mm256_castsi256_ps(upper));
}

INLINE block32 weights(enum kind k, const uint8_t *p) {
    switch (k) {
    case Q4_0: return nibbles(p + 2, 0, 0);
    case Q4_1: return nibbles(p + 4, 0, 0);
    case Q5_0: return nibbles(p + 6, 1, load32(p + 2));
    case Q5_1: return nibbles(p + 8, 1, load32(p + 4));
    case Q8_0: {
        block32 r = {{signed8(p + 2), signed8(p + 10)}, {signed8(p + 18), signed8(p + 26)}};
        return r;
    }
    case IQ4_NL: {
        __m256i a = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + 2)));
        __m256i b = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + 10)));
        const __m256i m4 = _mm256_set1_epi32(15);
        block32 r = {{grid8(_mm256_and_si256(a, m4)), grid8(_mm256_and_si256(b, m4))},
                     {grid8(_mm256_srli_epi32(a, 4)), grid8(_mm256_srli_epi32(b, 4))}};
        return r;
    }
    }
    block32 z = {{_mm256_setzero_ps(), _mm256_setzero_ps()}, {_mm256_setzero_ps(), _mm256_setzero_ps()}};
    return z;
}

/// Rows 0…3 against NB vectors (NB ≤ 4, a constant after inlining); each block's weights are widened to floats
/// once per row for all vectors.
INLINE void rows4_32(enum kind k, int NB, const uint8_t *w, long stride, const float *x, const float *s32, long n,
                     float *y, long ldy) {
    const long bb = block_bytes(k), nd = n / 32;
    f16x acc[4][4];
    float off[4][4];
    for (int r = 0; r < 4; r++)
        for (int v = 0; v < NB; v++) {
            acc[r][v].a = _mm256_setzero_ps();
            acc[r][v].b = _mm256_setzero_ps();
            off[r][v] = 0;
        }
    for (long b = 0; b < nd; b++) {
        const uint8_t *p0 = w + bb * b;
        prefetch(w + 4 * stride + 4 * bb * b, 4 * bb);
        for (int r = 0; r < 4; r++) {
            const uint8_t *p = p0 + r * stride;
            const block32 wt = weights(k, p);
            const float d = half(p);
            const __m256 dv = _mm256_set1_ps(d);
            for (int v = 0; v < NB; v++) {
                const float *xv = x + v * n + 32 * b;
                __m256 t0 = _mm256_mul_ps(wt.lo.a, _mm256_loadu_ps(xv));
                __m256 t1 = _mm256_mul_ps(wt.lo.b, _mm256_loadu_ps(xv + 8));
                t0 = _mm256_fmadd_ps(wt.hi.a, _mm256_loadu_ps(xv + 16), t0);
                t1 = _mm256_fmadd_ps(wt.hi.b, _mm256_loadu_ps(xv + 24), t1);
                acc[r][v].a = _mm256_fmadd_ps(t0, dv, acc[r][v].a);
                acc[r][v].b = _mm256_fmadd_ps(t1, dv, acc[r][v].b);
                const float sx = s32[v * nd + b];
                switch (k) {
                case Q4_0: off[r][v] -= (8 * d) * sx; break;
                case Q5_0: off[r][v] -= (16 * d) * sx; break;
                case Q4_1: case Q5_1: off[r][v] += half(p + 2) * sx; break;
                default: break;
                }
            }
        }
    }
    for (int v = 0; v < NB; v++)
        for (int r = 0; r < 4; r++) y[v * ldy + r] = lane_sum(acc[r][v]) + off[r][v];
}

/// IQ4_XS (136-byte super-blocks of 256): per sub-block j of 32, IQ4_NL's arithmetic with the scale d·(ls_j − 32)
/// (MatVecKernels.iq4_xsBlock).
INLINE void rows4_iq4_xs(int NB, const uint8_t *w, long stride, const float *x, long n, float *y, long ldy) {
    const long nb = n / 256;
    f16x acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int v = 0; v < NB; v++) acc[r][v].a = acc[r][v].b = _mm256_setzero_ps();
    for (long b = 0; b < nb; b++) {
        prefetch(w + 4 * stride + 4 * 136 * b, 4 * 136);
        for (int r = 0; r < 4; r++) {
            const uint8_t *p = w + r * stride + 136 * b;
            const float d = half(p);
            uint16_t high;
            memcpy(&high, p + 2, 2);
            for (int j = 0; j < 8; j++) {
                const int ls = ((p[4 + j / 2] >> (4 * (j % 2))) & 0x0F) | (((high >> (2 * j)) & 3) << 4);
                const __m256 sv = _mm256_set1_ps(d * (float)(ls - 32));
                const block32 wt = weights(IQ4_NL, p + 8 + 16 * j - 2);  // IQ4_NL reads its codes at +2
                for (int v = 0; v < NB; v++) {
                    const float *xv = x + v * n + 256 * b + 32 * j;
                    __m256 t0 = _mm256_mul_ps(wt.lo.a, _mm256_loadu_ps(xv));
                    __m256 t1 = _mm256_mul_ps(wt.lo.b, _mm256_loadu_ps(xv + 8));
                    t0 = _mm256_fmadd_ps(wt.hi.a, _mm256_loadu_ps(xv + 16), t0);
                    t1 = _mm256_fmadd_ps(wt.hi.b, _mm256_loadu_ps(xv + 24), t1);
                    acc[r][v].a = _mm256_fmadd_ps(t0, sv, acc[r][v].a);
                    acc[r][v].b = _mm256_fmadd_ps(t1, sv, acc[r][v].b);
                }
            }
        }
    }
    for (int v = 0; v < NB; v++)
        for (int r = 0; r < 4; r++) y[v * ldy + r] = lane_sum(acc[r][v]) + 0.0f;
}

AVX2 void lmlab_avx2_f_iq4_xs_rows4(const void *w, long stride, const float *x, const float *s32, long n, long batch,
                                   float *y, long ldy) {
    (void)s32;
    for (long v = 0; v < batch; v += 4) {
        const float *xv = x + v * n;
        float *yv = y + v * ldy;
        switch (batch - v) {
        case 1: rows4_iq4_xs(1, w, stride, xv, n, yv, ldy); break;
        case 2: rows4_iq4_xs(2, w, stride, xv, n, yv, ldy); break;
        case 3: rows4_iq4_xs(3, w, stride, xv, n, yv, ldy); break;
        default: rows4_iq4_xs(4, w, stride, xv, n, yv, ldy); break;
        }
    }
}

INLINE void rows4_32_batch(enum kind k, const uint8_t *w, long stride, const float *x, const float *s32, long n,
                           long batch, float *y, long ldy) {
    for (long v = 0; v < batch; v += 4) {
        const float *xv = x + v * n, *sv = s32 + v * (n / 32);
        float *yv = y + v * ldy;
        switch (batch - v) {
        case 1: rows4_32(k, 1, w, stride, xv, sv, n, yv, ldy); break;
        case 2: rows4_32(k, 2, w, stride, xv, sv, n, yv, ldy); break;
        case 3: rows4_32(k, 3, w, stride, xv, sv, n, yv, ldy); break;
        default: rows4_32(k, 4, w, stride, xv, sv, n, yv, ldy); break;
        }
    }
}

#define KERNEL32(name, kind)                                                                                         \
    AVX2 void name(const void *w, long stride, const float *x, const float *s32, long n, long batch, float *y,        \
                   long ldy) {                                                                                       \
        rows4_32_batch(kind, w, stride, x, s32, n, batch, y, ldy);                                                   \
    }
KERNEL32(lmlab_avx2_f_q4_0_rows4, Q4_0)
KERNEL32(lmlab_avx2_f_q4_1_rows4, Q4_1)
KERNEL32(lmlab_avx2_f_q5_0_rows4, Q5_0)
KERNEL32(lmlab_avx2_f_q5_1_rows4, Q5_1)
KERNEL32(lmlab_avx2_f_q8_0_rows4, Q8_0)
KERNEL32(lmlab_avx2_f_iq4_nl_rows4, IQ4_NL)

#else
#define UNAVAILABLE(name)                                                                                            \
    void name(const void *w, long stride, const float *x, const float *s32, long n, long batch, float *y, long ldy) { \
        (void)w; (void)stride; (void)x; (void)s32; (void)n; (void)batch; (void)y; (void)ldy;                         \
        __builtin_trap();                                                                                            \
    }
UNAVAILABLE(lmlab_avx2_f_q4_0_rows4)
UNAVAILABLE(lmlab_avx2_f_q4_1_rows4)
UNAVAILABLE(lmlab_avx2_f_q5_0_rows4)
UNAVAILABLE(lmlab_avx2_f_q5_1_rows4)
UNAVAILABLE(lmlab_avx2_f_q8_0_rows4)
UNAVAILABLE(lmlab_avx2_f_iq4_nl_rows4)
UNAVAILABLE(lmlab_avx2_f_iq4_xs_rows4)
#endif
