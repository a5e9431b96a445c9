// AVX2 kernels: y = W·x̂ for weights in ggml blocks and 8-bit activations x̂ = d·q (blocks of 32). The readable
// Swift versions, which the tests compare these with, are in Sources/Tensor/Kernels/MatVecKernelsQ8.swift; the
// block layouts are in Sources/Tensor/Quantization/Dequantize*.swift.
//
// The integer part of a block is exact: 32 weights × 32 activation bytes through vpmaddubsw (unsigned × signed bytes,
// adjacent products summed to 16 bits: |w·q| ≤ 15·127·2 fits) and vpmaddwd by ones (to 32 bits). Weights stored as
// signed bytes (Q8_0, the IQ4 grids) go through the sign trick: |w| × (q with w's sign). Types whose stored value is
// an offset unsigned number (Q4_0: n − 8, Q5_0: n − 16) multiply the unsigned n and subtract the offset times Σq
// (which `s` holds, scaled). Four rows are done side by side for the 32-element types, sharing each activation
// load, and their four block sums are folded into one vector by two rounds of vphaddd (of vphaddw for the Q4/Q5
// kinds, whose 16-bit sums cannot overflow: dot4_u5), so the float scales of the four rows are applied with one
// multiply–add; a batch of activation vectors passes over each block's unpacked
// weights while they are in registers. The K-quants and IQ4_XS fold the 8 sub-blocks of a super-block the same way
// and apply the 8 sub-block scales at once. Q4_0, Q4_1 and Q8_0 also have eight-row kernels (rows8) without
// horizontal sums: the eight rows' blocks are transposed into "one row per 32-bit lane" vectors, and each vector's
// four activation bytes at a time are broadcast against them — with several vectors (a batch step) the
// transposition is shared and the per-vector work is a third smaller.
#include "CKernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include "AVX2Shared.h"
#include "RowGroups.h"

/// Σ u_i·x_i of 32 unsigned × 32 signed bytes, as 8 partial sums (each of 4 products).
INLINE __m256i dot_u8(__m256i u, __m256i x) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, x), _mm256_set1_epi16(1));
}

/// Σ v_i·x_i of 32 signed × 32 signed bytes: |v| × (x with the sign of v).
INLINE __m256i dot_s8(__m256i v, __m256i x) { return dot_u8(_mm256_abs_epi8(v), _mm256_sign_epi8(x, v)); }

/// Σ u_r·x over 32 bytes for four rows r, as 4 lanes, when every u is ≤ 31 (the Q4/Q5 kinds): the same integers as
/// sum4(dot_u8(u0, x), …) — integer sums are exact in any order — with three fewer multiplies. vpmaddubsw's 16-bit
/// pair sums (|·| ≤ 31·127·2) are added four at a time by two rounds of vphaddw while still 16-bit
/// (|·| ≤ 31496 < 2¹⁵), leaving [r0 r0 r1 r1 r2 r2 r3 r3] per 128-bit lane; one vpmaddwd by ones and a lane add
/// finish them.
INLINE __m128i dot4_u5(__m256i u0, __m256i u1, __m256i u2, __m256i u3, __m256i x) {
    __m256i a = _mm256_hadd_epi16(_mm256_maddubs_epi16(u0, x), _mm256_maddubs_epi16(u1, x));
    __m256i b = _mm256_hadd_epi16(_mm256_maddubs_epi16(u2, x), _mm256_maddubs_epi16(u3, x));
    __m256i h = _mm256_madd_epi16(_mm256_hadd_epi16(a, b), _mm256_set1_epi16(1));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

/// The totals of eight 8-lane vectors, as 8 lanes.
INLINE __m256i sum8(const __m256i p[8]) {
    __m256i f = _mm256_hadd_epi32(_mm256_hadd_epi32(p[0], p[1]), _mm256_hadd_epi32(p[2], p[3]));
    __m256i g = _mm256_hadd_epi32(_mm256_hadd_epi32(p[4], p[5]), _mm256_hadd_epi32(p[6], p[7]));
    return _mm256_add_epi32(_mm256_permute2x128_si256(f, g, 0x20), _mm256_permute2x128_si256(f, g, 0x31));
}

INLINE float total8(__m256 v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    return _mm_cvtss_f32(_mm_add_ss(a, _mm_movehdup_ps(a)));
}

/// Bit j of qh as byte j: 0x10 where set (the fifth bit of Q5_0/Q5_1 element j), else 0.
INLINE __m256i fifth_bits(uint32_t qh) {
    const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                            2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x(0x8040201008040201LL);
    __m256i b = _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32((int)qh), spread), bit);
    return _mm256_and_si256(_mm256_cmpeq_epi8(b, bit), _mm256_set1_epi8(0x10));
}

INLINE __m256i load_x(const int8_t *q) { return _mm256_loadu_si256((const __m256i *)q); }

// MARK: the 32-element types: four rows side by side.

/// The 32 weights of one block as bytes: unsigned (Q4/Q5: the stored n) or signed (Q8_0, IQ4_NL).
INLINE __m256i weights32(enum kind k, const uint8_t *b) {
    switch (k) {
    case Q4_0: return nibbles32(b + 2);
    case Q4_1: return nibbles32(b + 4);
    case Q5_0: return _mm256_or_si256(nibbles32(b + 6), fifth_bits(load32(b + 2)));
    case Q5_1: return _mm256_or_si256(nibbles32(b + 8), fifth_bits(load32(b + 4)));
    case Q8_0: return _mm256_loadu_si256((const __m256i *)(b + 2));
    case IQ4_NL: return iq4_grid(nibbles32(b + 2));
    }
    return _mm256_setzero_si256();
}

/// Rows 0…3 of one kind against NB vectors at once (NB ≤ 8, a constant after inlining): each block's weights are
/// unpacked once and multiplied with every vector's block while in registers. Per block, row and vector:
/// d_w·(d_x·Σ w·q − offset·s_x) for the symmetric kinds (offset 8 for Q4_0, 16 for Q5_0, 0 for the signed ones),
/// d_w·d_x·Σ n·q + m_w·s_x for the kinds with a minimum (Q4_1, Q5_1). A vector's accumulator sees the same
/// operations in the same order whatever NB is, so its rows get the same bits alone or in a batch.
INLINE void rows4_32(enum kind k, int NB, const uint8_t *w, long stride, const int8_t *q, const float *d,
                     const float *s, long n, float *y, long ldy) {
    const long bb = block_bytes(k), nd = n / 32;
    const int with_min = k == Q4_1 || k == Q5_1, is_signed = k == Q8_0 || k == IQ4_NL;
    const float offset = k == Q4_0 ? 8.0f : k == Q5_0 ? 16.0f : 0.0f;
    __m128 acc4[8];
    // with a minimum: [rows 0…3's d·… terms | their m·s terms], added at the end
    __m256 acc8[8];
    for (int v = 0; v < 8; v++) acc4[v] = _mm_setzero_ps(), acc8[v] = _mm256_setzero_ps();
    for (long b = 0; b < nd; b++) {
        const uint8_t *p = w + bb * b;
        prefetch(w + 4 * stride + 4 * bb * b, 4 * bb);
        __m256i w0 = weights32(k, p), w1 = weights32(k, p + stride), w2 = weights32(k, p + 2 * stride),
                w3 = weights32(k, p + 3 * stride);
        __m256 dm = _mm256_setzero_ps();
        __m128 d4 = _mm_setzero_ps();
        if (with_min) {  // [d0 m0 d1 m1 d2 m2 d3 m3] → [d0 d1 d2 d3 | m0 m1 m2 m3]
            __m256 h = _mm256_cvtph_ps(_mm_setr_epi32((int)load32(p), (int)load32(p + stride),
                                                      (int)load32(p + 2 * stride), (int)load32(p + 3 * stride)));
            dm = _mm256_permutevar8x32_ps(h, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
        } else {
            d4 = halves4(p, stride);
        }
        if (is_signed) {  // |w| once; the sign goes onto each vector's activations
            __m256i a0 = _mm256_abs_epi8(w0), a1 = _mm256_abs_epi8(w1), a2 = _mm256_abs_epi8(w2), a3 = _mm256_abs_epi8(w3);
            for (int v = 0; v < NB; v++) {
                const __m256i x = load_x(q + v * n + 32 * b);
                __m128i t = sum4(dot_u8(a0, _mm256_sign_epi8(x, w0)), dot_u8(a1, _mm256_sign_epi8(x, w1)),
                                 dot_u8(a2, _mm256_sign_epi8(x, w2)), dot_u8(a3, _mm256_sign_epi8(x, w3)));
                __m128 f = _mm_mul_ps(_mm_cvtepi32_ps(t), _mm_set1_ps(d[v * nd + b]));
                acc4[v] = _mm_fmadd_ps(d4, f, acc4[v]);
            }
        } else {
            for (int v = 0; v < NB; v++) {
                const __m256i x = load_x(q + v * n + 32 * b);
                __m128i t = dot4_u5(w0, w1, w2, w3, x);
                __m128 f = _mm_mul_ps(_mm_cvtepi32_ps(t), _mm_set1_ps(d[v * nd + b]));  // d_x·Σ w·q, rows 0…3
                if (with_min) {
                    acc8[v] = _mm256_fmadd_ps(dm, _mm256_set_m128(_mm_set1_ps(s[v * nd + b]), f), acc8[v]);
                } else {
                    if (offset != 0) f = _mm_sub_ps(f, _mm_set1_ps(offset * s[v * nd + b]));
                    acc4[v] = _mm_fmadd_ps(d4, f, acc4[v]);
                }
            }
        }
    }
    for (int v = 0; v < NB; v++) {
        __m128 r = acc4[v];
        if (with_min) r = _mm_add_ps(_mm256_castps256_ps128(acc8[v]), _mm256_extractf128_ps(acc8[v], 1));
        _mm_storeu_ps(y + v * ldy, r);
    }
}

/// Rows 0…3 against `batch` vectors, eight at a time: every group unpacks the rows' weights again, so the fewer
/// groups the better (measured on the 2-core EPYC, Q4_1 576×1536, B = 8: one group of 8 is ~15% faster than two of
/// 4), and 8 accumulators still (nearly) fit the 16 vector registers.
INLINE void rows4_32_batch(enum kind k, const uint8_t *w, long stride, const int8_t *q, const float *d,
                           const float *s, long n, long batch, float *y, long ldy) {
#define GROUP(NB) rows4_32(k, NB, w, stride, q + v * n, d + v * (n / 32), s + v * (n / 32), n, y + v * ldy, ldy)
    EIGHT_AT_A_TIME(batch, GROUP)
#undef GROUP
}

#define KERNEL32(name, kind)                                                                                         \
    AVX2 void name(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n, long batch,   \
                   float *y, long ldy) {                                                                             \
        rows4_32_batch(kind, w, stride, q, d, s, n, batch, y, ldy);                                                  \
    }
KERNEL32(lmlab_avx2_q4_0_rows4, Q4_0)
KERNEL32(lmlab_avx2_q4_1_rows4, Q4_1)
KERNEL32(lmlab_avx2_q5_0_rows4, Q5_0)
KERNEL32(lmlab_avx2_q5_1_rows4, Q5_1)
KERNEL32(lmlab_avx2_q8_0_rows4, Q8_0)
KERNEL32(lmlab_avx2_iq4_nl_rows4, IQ4_NL)

// MARK: Q4_0 and Q4_1: eight rows side by side, one row per lane (the transpositions: RowGroups.h).

/// Rows 0…7 of Q4_0 or Q4_1 against NB vectors (NB ≤ 8). The 8 rows' nibbles are transposed once per block into
/// "one row per 32-bit lane" vectors; each vector then needs only its own 4 activation bytes broadcast per vector
/// (vpmaddubsw of 8 rows × 4 elements at once), 8 of those summed while 16-bit (|·| ≤ 8·2·15·127 < 2¹⁵), and one
/// vpmaddwd — no horizontal sums, against rows4_32's three vphaddw per block. The integers are exact, and the float
/// steps per row and vector are rows4_32's, in its order — f = d_x·Σ n·q, then d_w·f (Q4_1: plus m_w·s_x in a
/// second accumulator, added at the end; Q4_0: d_w·(f − 8·s_x)) — so a row gets the same bits from either kernel.
/// On the 2-core EPYC, one thread, Q4_1 1536×576 in cache: 37 → 51 G multiply–adds/s for 8 vectors, 21 → 27 for one.
INLINE void rows8_q4_few(enum kind k, int NB, const uint8_t *w, long stride, const int8_t *q, const float *d,
                     const float *s, long n, float *y, long ldy) {
    const long bb = block_bytes(k), nd = n / 32;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[8], accm[8];
    for (int v = 0; v < 8; v++) acc[v] = accm[v] = _mm256_setzero_ps();
    for (long b = 0; b < nd; b++) {
        const uint8_t *p = w + bb * b;
        prefetch(w + 8 * stride + 8 * bb * b, 8 * bb);
        __m256 dw, mw;
        pairs8(p, stride, &dw, &mw);
        __m256i u[8];
        nibbles8(p, stride, k == Q4_0 ? 2 : 4, u);
        for (int v = 0; v < NB; v++) {
            const int8_t *x = q + v * n + 32 * b;
            __m256i t = _mm256_maddubs_epi16(u[0], _mm256_set1_epi32((int)load32((const uint8_t *)x)));
            for (int j = 1; j < 8; j++)  // u[j] pairs with elements 4j…4j+3 (j < 4) or 16 + 4(j−4)… (j ≥ 4)
                t = _mm256_add_epi16(t, _mm256_maddubs_epi16(u[j], _mm256_set1_epi32((int)load32((const uint8_t *)x + (j < 4 ? 4 * j : 16 + 4 * (j - 4))))));
            __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(t, ones)), _mm256_set1_ps(d[v * nd + b]));
            if (k == Q4_1) {
                acc[v] = _mm256_fmadd_ps(dw, f, acc[v]);
                accm[v] = _mm256_fmadd_ps(mw, _mm256_set1_ps(s[v * nd + b]), accm[v]);
            } else {
                acc[v] = _mm256_fmadd_ps(dw, _mm256_sub_ps(f, _mm256_set1_ps(8.0f * s[v * nd + b])), acc[v]);
            }
        }
    }
    for (int v = 0; v < NB; v++) _mm256_storeu_ps(y + v * ldy, k == Q4_1 ? _mm256_add_ps(acc[v], accm[v]) : acc[v]);
}

/// rows8_q4 for 2–8 vectors, the same integers and float steps in the same order (so the same bits), with the loops
/// turned around so that nothing is kept on the stack: per block, each of the four transposed 32-byte words gives
/// its low and high nibbles to every vector's 16-bit sum in turn (8 sums in registers, not 8 nibble vectors), and
/// Q4_1's m_w·s_x terms, a second accumulator in rows8_q4_few, are summed in a pass of their own after the blocks
/// (rows8_minimums). 16 vector registers hold 4 words + 8 sums + 2 nibble vectors + temporaries, where
/// rows8_q4_few needs 8 nibble vectors + 16 accumulators and spills. One thread, Q4_1 1536×576 in cache: 8 vectors
/// 52 → 60 G multiply–adds/s, 4: 47 → 53, 3: 43 → 48 (for one vector the original order is faster: 26 vs 25).
INLINE void rows8_q4_many(enum kind k, int NB, const uint8_t *w, long stride, const int8_t *q, const float *d,
                          const float *s, long n, float *y, long ldy) {
    const long bb = block_bytes(k), nd = n / 32, off = k == Q4_0 ? 2 : 4;
    const __m256i ones = _mm256_set1_epi16(1), m4 = _mm256_set1_epi8(15);
    __m256 acc[8];
    for (int v = 0; v < 8; v++) acc[v] = _mm256_setzero_ps();
    for (long b = 0; b < nd; b++) {
        const uint8_t *p = w + bb * b;
        prefetch(w + 8 * stride + 8 * bb * b, 8 * bb);
        __m256i c[4];
        words8(p, stride, off, c);
        __m256i t[8];
        for (int v = 0; v < NB; v++) t[v] = _mm256_setzero_si256();
#pragma clang loop unroll(full)
        for (int j = 0; j < 4; j++) {  // elements 4j…4j+3 (low nibbles) and 16 + 4j… (high): nibbles8's u[j], u[j + 4]
            const __m256i lo = _mm256_and_si256(c[j], m4), hi = _mm256_and_si256(_mm256_srli_epi16(c[j], 4), m4);
            for (int v = 0; v < NB; v++) {
                const uint8_t *x = (const uint8_t *)(q + 32 * b) + v * n;
                t[v] = _mm256_add_epi16(t[v], _mm256_add_epi16(_mm256_maddubs_epi16(lo, _mm256_set1_epi32((int)load32(x + 4 * j))),
                                                               _mm256_maddubs_epi16(hi, _mm256_set1_epi32((int)load32(x + 16 + 4 * j)))));
            }
        }
        __m256 dw, mw;
        pairs8(p, stride, &dw, &mw);
        for (int v = 0; v < NB; v++)
            acc[v] = rows8_step(k, acc[v], dw, _mm256_madd_epi16(t[v], ones), d[v * nd + b], s[v * nd + b]);
    }
    if (k == Q4_1) rows8_minimums(NB, w, stride, nd, s, acc);
    for (int v = 0; v < NB; v++) _mm256_storeu_ps(y + v * ldy, acc[v]);
}

INLINE void rows8_q4(enum kind k, int NB, const uint8_t *w, long stride, const int8_t *q, const float *d,
                     const float *s, long n, float *y, long ldy) {
    if (NB >= 2) rows8_q4_many(k, NB, w, stride, q, d, s, n, y, ldy);
    else rows8_q4_few(k, NB, w, stride, q, d, s, n, y, ldy);
}


/// Rows 0…7 of Q8_0 against NB vectors, one row per lane as rows8_q4: per 4 elements, |w| × (x with w's sign)
/// through vpmaddubsw and straight to 32 bits (|pair| ≤ 2·127², so 16-bit sums of two would overflow), then
/// d_w·(d_x·Σ w·q) as rows4_32 computes it (the same bits).
INLINE void rows8_q8(int NB, const uint8_t *w, long stride, const int8_t *q, const float *d, long n, float *y,
                     long ldy) {
    const long nd = n / 32;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[8];
    for (int v = 0; v < 8; v++) acc[v] = _mm256_setzero_ps();
    for (long b = 0; b < nd; b++) {
        const uint8_t *p = w + 34 * b;
        prefetch(w + 8 * stride + 8 * 34 * b, 8 * 34);
        const __m256 dw = halves8(p, stride);
        __m256i u[8], a[8];
        bytes8(p, stride, u);
        for (int j = 0; j < 8; j++) a[j] = _mm256_abs_epi8(u[j]);
        for (int v = 0; v < NB; v++) {
            const uint8_t *x = (const uint8_t *)(q + v * n + 32 * b);
            __m256i t = _mm256_setzero_si256();
            for (int j = 0; j < 8; j++) {
                const __m256i xj = _mm256_sign_epi8(_mm256_set1_epi32((int)load32(x + 4 * j)), u[j]);
                t = _mm256_add_epi32(t, _mm256_madd_epi16(_mm256_maddubs_epi16(a[j], xj), ones));
            }
            acc[v] = _mm256_fmadd_ps(dw, _mm256_mul_ps(_mm256_cvtepi32_ps(t), _mm256_set1_ps(d[v * nd + b])), acc[v]);
        }
    }
    for (int v = 0; v < NB; v++) _mm256_storeu_ps(y + v * ldy, acc[v]);
}

AVX2 void lmlab_avx2_q8_0_rows8(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                               long batch, float *y, long ldy) {
    (void)s;
#define GROUP(NB) rows8_q8(NB, w, stride, q + v * n, d + v * (n / 32), n, y + v * ldy, ldy)
    EIGHT_AT_A_TIME(batch, GROUP)
#undef GROUP
}

INLINE void rows8_q4_batch(enum kind k, const uint8_t *w, long stride, const int8_t *q, const float *d, const float *s,
                           long n, long batch, float *y, long ldy) {
#define GROUP(NB) rows8_q4(k, NB, w, stride, q + v * n, d + v * (n / 32), s + v * (n / 32), n, y + v * ldy, ldy)
    EIGHT_AT_A_TIME(batch, GROUP)
#undef GROUP
}

#define KERNEL8(name, kind)                                                                                          \
    AVX2 void name(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n, long batch,   \
                   float *y, long ldy) {                                                                             \
        rows8_q4_batch(kind, w, stride, q, d, s, n, batch, y, ldy);                                                  \
    }
KERNEL8(lmlab_avx2_q4_0_rows8, Q4_0)
KERNEL8(lmlab_avx2_q4_1_rows8, Q4_1)

// MARK: the 256-element types: the 8 sub-blocks of 32 of a super-block folded into one vector.
//
// One vector (generation) walks one row at a time, unpacking each super-block as it goes. Several vectors (a
// prompt, a batch step) take four rows' super-block unpacked once into an L1 buffer (unpacked256) and pass every
// vector over it: Q6_K's unpacking is most of its work, so a prompt's 128 vectors go 1.3–1.6× faster that way. Both
// paths do the same integer sums and the same float steps in the same order, so a row gets the same bits from either.

/// Q4_K/Q5_K scales and minimums of the 8 sub-blocks (6 bits each, packed in 12 bytes; ggml get_scale_min_k4), as
/// floats, four bytes at a time in 32-bit words: sc_0…3 = s[0…3] & 63, m_0…3 = s[4…7] & 63,
/// sc_4…7 = (s[8…11] & 15) | (s[0…3] >> 6) << 4, m_4…7 = (s[8…11] >> 4) | (s[4…7] >> 6) << 4.
INLINE void scales_k4(const uint8_t *s, __m256 *sc, __m256 *mn) {
    const uint32_t a = load32(s), b = load32(s + 4), c = load32(s + 8);
    const uint32_t low6 = 0x3F3F3F3F, low4 = 0x0F0F0F0F, top2 = 0x30303030;
    const uint64_t scales = (a & low6) | (uint64_t)((c & low4) | ((a >> 2) & top2)) << 32;
    const uint64_t mins = (b & low6) | (uint64_t)(((c >> 4) & low4) | ((b >> 2) & top2)) << 32;
    *sc = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)scales)));
    *mn = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)mins)));
}

/// Q4_K/Q5_K sub-blocks 2c (low nibbles) and 2c + 1 (high nibbles) of the super-block at p, as unsigned bytes; Q5_K's
/// fifth bits come from the 32 bytes qh (bit j of qh[l] is the fifth bit of element 32j + l).
INLINE void q4_K_runs(const uint8_t *p, long qs, int fifth, __m256i qh, int c, __m256i *lo, __m256i *hi) {
    const __m256i m4 = _mm256_set1_epi8(15);
    const __m256i v = _mm256_loadu_si256((const __m256i *)(p + qs + 32 * c));
    *lo = _mm256_and_si256(v, m4), *hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
    if (fifth) {
        const __m256i b0 = _mm256_set1_epi8((char)(1 << (2 * c))), b1 = _mm256_set1_epi8((char)(2 << (2 * c)));
        const __m256i sixteen = _mm256_set1_epi8(0x10);
        *lo = _mm256_or_si256(*lo, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, b0), b0), sixteen));
        *hi = _mm256_or_si256(*hi, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, b1), b1), sixteen));
    }
}

/// Q4_K (144 bytes): Σ_j (d·sc_j)·d_x,j·Σ n·q − (dmin·m_j)·s_j over the 8 sub-blocks j.
INLINE float q4_K_row(const uint8_t *w, long ahead, const int8_t *q, const float *d, const float *s, long n, int fifth) {
    const long bb = fifth ? 176 : 144, qs = fifth ? 48 : 16;
    __m256 acc = _mm256_setzero_ps();
    for (long b = 0; b < n / 256; b++) {
        const uint8_t *p = w + bb * b;
        prefetch(p + ahead, bb);
        __m256 sc, mn;
        scales_k4(p + 4, &sc, &mn);
        const __m256i qh = fifth ? _mm256_loadu_si256((const __m256i *)(p + 16)) : _mm256_setzero_si256();
        __m256i dots[8];
        for (int c = 0; c < 4; c++) {  // 32 bytes: sub-block 2c in the low nibbles, 2c + 1 in the high ones
            __m256i lo, hi;
            q4_K_runs(p, qs, fifth, qh, c, &lo, &hi);
            dots[2 * c] = dot_u8(lo, load_x(q + 256 * b + 64 * c));
            dots[2 * c + 1] = dot_u8(hi, load_x(q + 256 * b + 64 * c + 32));
        }
        __m256 f = _mm256_cvtepi32_ps(sum8(dots));
        __m256 dx = _mm256_loadu_ps(d + 8 * b), sx = _mm256_loadu_ps(s + 8 * b);
        acc = _mm256_fmadd_ps(f, _mm256_mul_ps(_mm256_mul_ps(sc, dx), _mm256_set1_ps(half(p))), acc);
        acc = _mm256_fnmadd_ps(_mm256_mul_ps(mn, sx), _mm256_set1_ps(half(p + 2)), acc);
    }
    return total8(acc);
}

// Q6_K (210 bytes): per 32-run r of the super-block, d·d_x,r·(sc_a·Σ_{first 16}(u−32)·q + sc_b·Σ_{last 16}(u−32)·q).
// u − 32 ∈ [−32, 31] goes through the sign trick (|u − 32| × q with its sign), so each run costs one vpmaddubsw and
// one vpmaddwd (by the run's two scales, widened from the 16 signed scale bytes by one vpshufb).

/// Runs 4h…4h+3 of a Q6_K super-block at p as u − 32: each 32 bytes of ql hold two runs (low and high nibbles), the
/// 32 bytes of qh at 128 + 32h the top two bits of four (bits 2r, 2r + 1: run r's).
INLINE void q6_K_runs(const uint8_t *p, int h, __m256i v[4]) {
    const __m256i m4 = _mm256_set1_epi8(15), k32 = _mm256_set1_epi8(32);
    const __m256i ql0 = _mm256_loadu_si256((const __m256i *)(p + 64 * h));       // runs 0 (low), 2 (high)
    const __m256i ql1 = _mm256_loadu_si256((const __m256i *)(p + 64 * h + 32));  // runs 1 (low), 3 (high)
    const __m256i qh = _mm256_loadu_si256((const __m256i *)(p + 128 + 32 * h));
    v[0] = _mm256_or_si256(_mm256_and_si256(ql0, m4), _mm256_slli_epi16(_mm256_and_si256(qh, _mm256_set1_epi8(3)), 4));
    v[1] = _mm256_or_si256(_mm256_and_si256(ql1, m4), _mm256_slli_epi16(_mm256_and_si256(qh, _mm256_set1_epi8(12)), 2));
    v[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), _mm256_and_si256(qh, _mm256_set1_epi8(48)));
    v[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4),
                           _mm256_srli_epi16(_mm256_and_si256(qh, _mm256_set1_epi8((char)192)), 2));
    for (int r = 0; r < 4; r++) v[r] = _mm256_sub_epi8(v[r], k32);
}

/// Run R's two scales (signed bytes 2R, 2R + 1 of the 16 at +192), eight 16-bit copies of each.
INLINE __m256i q6_K_scales(__m128i scales, int R) {
    const __m128i pair = _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales, _mm_add_epi8(pair, _mm_set1_epi8((char)(2 * R)))));
}

/// Σ m·|v|·(q with v's sign) over one run of 32, as 8 partial sums (m: Q6_K's scales, or ones).
INLINE __m256i signed_dot(__m256i a, __m256i v, __m256i m, __m256i x) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(a, _mm256_sign_epi8(x, v)), m);
}

INLINE float q6_K_row(const uint8_t *w, long ahead, const int8_t *q, const float *d, long n) {
    __m256 acc = _mm256_setzero_ps();
    for (long b = 0; b < n / 256; b++) {
        const uint8_t *p = w + 210 * b;
        prefetch(p + ahead, 210);
        const __m128i scales = _mm_loadu_si128((const __m128i *)(p + 192));
        __m256i dots[8];
        for (int h = 0; h < 2; h++) {
            __m256i v[4];
            q6_K_runs(p, h, v);
            for (int r = 0; r < 4; r++) {
                const int R = 4 * h + r;
                dots[R] = signed_dot(_mm256_abs_epi8(v[r]), v[r], q6_K_scales(scales, R), load_x(q + 256 * b + 32 * R));
            }
        }
        __m256 f = _mm256_cvtepi32_ps(sum8(dots));
        acc = _mm256_fmadd_ps(f, _mm256_mul_ps(_mm256_loadu_ps(d + 8 * b), _mm256_set1_ps(half(p + 208))), acc);
    }
    return total8(acc);
}

/// IQ4_XS's 8 sub-block scales ls_j − 32 as floats, one per lane: ls_j's low 4 bits are nibble j of scales_l (bits
/// 4j…4j+3 of the 4 bytes at +4), its high 2 bits bits 2j, 2j+1 of scales_h (+2).
INLINE __m256 iq4_xs_scales(const uint8_t *p) {
    const __m256i low_shift = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
    const __m256i high_shift = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
    const __m256i low = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32((int)load32(p + 4)), low_shift),
                                         _mm256_set1_epi32(15));
    const __m256i high = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(load16(p + 2)), high_shift),
                                          _mm256_set1_epi32(3));
    const __m256i ls = _mm256_or_si256(low, _mm256_slli_epi32(high, 4));
    return _mm256_cvtepi32_ps(_mm256_sub_epi32(ls, _mm256_set1_epi32(32)));
}

/// IQ4_XS (136 bytes): per sub-block j, d·(ls_j − 32)·d_x,j·Σ grid(n)·q.
INLINE float iq4_xs_row(const uint8_t *w, long ahead, const int8_t *q, const float *d, long n) {
    __m256 acc = _mm256_setzero_ps();
    for (long b = 0; b < n / 256; b++) {
        const uint8_t *p = w + 136 * b;
        prefetch(p + ahead, 136);
        __m256i dots[8];
        for (int j = 0; j < 8; j++) dots[j] = dot_s8(iq4_grid(nibbles32(p + 8 + 16 * j)), load_x(q + 256 * b + 32 * j));
        __m256 f = _mm256_cvtepi32_ps(sum8(dots));
        const __m256 scale = _mm256_mul_ps(_mm256_mul_ps(iq4_xs_scales(p), _mm256_loadu_ps(d + 8 * b)), _mm256_set1_ps(half(p)));
        acc = _mm256_fmadd_ps(f, scale, acc);
    }
    return total8(acc);
}

/// The ggml types stored in super-blocks of 256 elements.
enum kind256 { Q4_K, Q5_K, Q6_K, IQ4_XS };

/// Bytes of one super-block (the row functions above spell theirs out).
INLINE long super_block_bytes(enum kind256 k) {
    switch (k) {
    case Q4_K: return 144;
    case Q5_K: return 176;
    case Q6_K: return 210;
    case IQ4_XS: return 136;
    }
    return 0;
}

/// One row's super-block unpacked for many vectors: per run of 32 the weights' magnitudes a and what gives q their
/// signs (v; the unsigned kinds use q as it is), vpmaddwd's multipliers m (Q6_K: the run's two scales, else ones),
/// and the float steps of the one-row paths: each run's sum times (scale·d_x)·d (Q6_K: scale 1, so d_x·d exactly),
/// then for the kinds with minimums − (min·s_x)·dmin.
typedef struct {
    __m256i a[8], v[8], m[8];
    __m256 scale, min;
    float d, dmin;
} unpacked256;

INLINE void unpack256(enum kind256 k, const uint8_t *p, unpacked256 *u) {
    const __m256i ones = _mm256_set1_epi16(1);
    for (int j = 0; j < 8; j++) u->m[j] = ones;
    switch (k) {
    case Q4_K:
    case Q5_K: {
        const int fifth = k == Q5_K;
        const __m256i qh = fifth ? _mm256_loadu_si256((const __m256i *)(p + 16)) : _mm256_setzero_si256();
        scales_k4(p + 4, &u->scale, &u->min);
        for (int c = 0; c < 4; c++) q4_K_runs(p, fifth ? 48 : 16, fifth, qh, c, &u->a[2 * c], &u->a[2 * c + 1]);
        u->d = half(p), u->dmin = half(p + 2);
        break;
    }
    case Q6_K: {
        const __m128i scales = _mm_loadu_si128((const __m128i *)(p + 192));
        q6_K_runs(p, 0, u->v);
        q6_K_runs(p, 1, u->v + 4);
        for (int R = 0; R < 8; R++) u->a[R] = _mm256_abs_epi8(u->v[R]), u->m[R] = q6_K_scales(scales, R);
        u->scale = _mm256_set1_ps(1.0f), u->d = half(p + 208);
        break;
    }
    case IQ4_XS:
        for (int j = 0; j < 8; j++) u->v[j] = iq4_grid(nibbles32(p + 8 + 16 * j)), u->a[j] = _mm256_abs_epi8(u->v[j]);
        u->scale = iq4_xs_scales(p), u->d = half(p);
        break;
    }
}

/// Four rows of a 256-element kind against NB ≤ 8 vectors, each super-block of the four rows unpacked once.
INLINE void rows4_256_many(enum kind256 k, int NB, const uint8_t *w, long stride, const int8_t *q, const float *d,
                           const float *s, long n, float *y, long ldy) {
    const long bb = super_block_bytes(k);
    const int is_signed = k == Q6_K || k == IQ4_XS, with_min = k == Q4_K || k == Q5_K;
    __m256 acc[8][4];
    for (int v = 0; v < 8; v++)
        for (int r = 0; r < 4; r++) acc[v][r] = _mm256_setzero_ps();
    for (long b = 0; b < n / 256; b++) {
        unpacked256 u[4];
        for (int r = 0; r < 4; r++) {
            const uint8_t *p = w + r * stride + bb * b;
            prefetch(p + 4 * stride, bb);
            unpack256(k, p, &u[r]);
        }
        for (int v = 0; v < NB; v++) {
            const int8_t *x = q + v * n + 256 * b;
            const __m256 dx = _mm256_loadu_ps(d + v * (n / 32) + 8 * b);
            const __m256 sx = with_min ? _mm256_loadu_ps(s + v * (n / 32) + 8 * b) : _mm256_setzero_ps();
            for (int r = 0; r < 4; r++) {
                __m256i dots[8];
                for (int j = 0; j < 8; j++)
                    dots[j] = is_signed ? signed_dot(u[r].a[j], u[r].v[j], u[r].m[j], load_x(x + 32 * j))
                                        : dot_u8(u[r].a[j], load_x(x + 32 * j));
                __m256 f = _mm256_cvtepi32_ps(sum8(dots));
                const __m256 scale = _mm256_mul_ps(_mm256_mul_ps(u[r].scale, dx), _mm256_set1_ps(u[r].d));
                acc[v][r] = _mm256_fmadd_ps(f, scale, acc[v][r]);
                if (with_min)
                    acc[v][r] = _mm256_fnmadd_ps(_mm256_mul_ps(u[r].min, sx), _mm256_set1_ps(u[r].dmin), acc[v][r]);
            }
        }
    }
    for (int v = 0; v < NB; v++)
        for (int r = 0; r < 4; r++) y[v * ldy + r] = total8(acc[v][r]);
}

/// Four rows against one vector: the one-row path.
INLINE void rows4_256_one(enum kind256 k, const uint8_t *w, long stride, const int8_t *q, const float *d,
                          const float *s, float *y, long n) {
    for (int r = 0; r < 4; r++) {  // the first row's pass prefetches the next group's rows
        const uint8_t *p = w + r * stride;
        switch (k) {
        case Q4_K: y[r] = q4_K_row(p, 4 * stride, q, d, s, n, 0); break;
        case Q5_K: y[r] = q4_K_row(p, 4 * stride, q, d, s, n, 1); break;
        case Q6_K: y[r] = q6_K_row(p, 4 * stride, q, d, n); break;
        case IQ4_XS: y[r] = iq4_xs_row(p, 4 * stride, q, d, n); break;
        }
    }
}

INLINE void rows4_256_batch(enum kind256 k, const uint8_t *w, long stride, const int8_t *q, const float *d,
                            const float *s, long n, long batch, float *y, long ldy) {
    if (batch == 1) {  // one vector: the one-row path
        rows4_256_one(k, w, stride, q, d, s, y, n);
        return;
    }
#define GROUP(NB) rows4_256_many(k, NB, w, stride, q + v * n, d + v * (n / 32), s + v * (n / 32), n, y + v * ldy, ldy)
    EIGHT_AT_A_TIME(batch, GROUP)
#undef GROUP
}

#define KERNEL256(name, kind)                                                                                        \
    AVX2 void name(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n, long batch,   \
                   float *y, long ldy) {                                                                             \
        rows4_256_batch(kind, w, stride, q, d, s, n, batch, y, ldy);                                                 \
    }
KERNEL256(lmlab_avx2_q4_K_rows4, Q4_K)
KERNEL256(lmlab_avx2_q5_K_rows4, Q5_K)
KERNEL256(lmlab_avx2_q6_K_rows4, Q6_K)
KERNEL256(lmlab_avx2_iq4_xs_rows4, IQ4_XS)

#else
// Not x86-64: lmlab_cpu_has_avx2() is 0 and these are never called.
#include "Unavailable.h"
UNAVAILABLE(lmlab_avx2_q4_0_rows4)
UNAVAILABLE(lmlab_avx2_q4_1_rows4)
UNAVAILABLE(lmlab_avx2_q4_0_rows8)
UNAVAILABLE(lmlab_avx2_q4_1_rows8)
UNAVAILABLE(lmlab_avx2_q8_0_rows8)
UNAVAILABLE(lmlab_avx2_q5_0_rows4)
UNAVAILABLE(lmlab_avx2_q5_1_rows4)
UNAVAILABLE(lmlab_avx2_q8_0_rows4)
UNAVAILABLE(lmlab_avx2_iq4_nl_rows4)
UNAVAILABLE(lmlab_avx2_q4_K_rows4)
UNAVAILABLE(lmlab_avx2_q5_K_rows4)
UNAVAILABLE(lmlab_avx2_q6_K_rows4)
UNAVAILABLE(lmlab_avx2_iq4_xs_rows4)
#endif
