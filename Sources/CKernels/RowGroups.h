// What the kernels of several rows at once share (MatVecQ8AVX2.c's AVX2 ones, MatVecQ8VNNI.c's AVX-512 VNNI ones):
// the four-row kernels' scales and sums of four rows, and for the eight-row kernels a block of each of eight rows
// read and transposed so that lane r of a vector is row r, with the rows' f16 scales (and Q4_1's minimums) gathered
// the same way. AVX2 code (AVX2Shared.h's target), inlined into either file's kernels. x86-64
// only: include it inside the files' __x86_64__ branch, after AVX2Shared.h.
#ifndef LMLAB_ROW_GROUPS_H
#define LMLAB_ROW_GROUPS_H

#include "AVX2Shared.h"

/// The f16 at p, p + stride, p + 2·stride, p + 3·stride as 4 floats.
INLINE __m128 halves4(const uint8_t *p, long stride) {
    return _mm_cvtph_ps(_mm_setr_epi16((short)load16(p), (short)load16(p + stride), (short)load16(p + 2 * stride),
                                       (short)load16(p + 3 * stride), 0, 0, 0, 0));
}

/// The totals of four 8-lane vectors, as 4 lanes.
INLINE __m128i sum4(__m256i p0, __m256i p1, __m256i p2, __m256i p3) {
    __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(p0, p1), _mm256_hadd_epi32(p2, p3));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

/// The f16 at p + r·stride (r = 0…7) as 8 floats: the rows' block scales (Q8_0).
INLINE __m256 halves8(const uint8_t *p, long stride) {
    return _mm256_cvtph_ps(_mm_setr_epi16((short)load16(p), (short)load16(p + stride), (short)load16(p + 2 * stride),
                                          (short)load16(p + 3 * stride), (short)load16(p + 4 * stride),
                                          (short)load16(p + 5 * stride), (short)load16(p + 6 * stride),
                                          (short)load16(p + 7 * stride)));
}

/// The f16 pairs at p + r·stride (r = 0…7) as [d_0…d_7] and [m_0…m_7] (Q4_1's scale and minimum; for Q4_0 the
/// second half of each pair is the block's first nibbles, unused).
INLINE void pairs8(const uint8_t *p, long stride, __m256 *dw, __m256 *mw) {
    __m256i h = _mm256_setr_epi32((int)load32(p), (int)load32(p + stride), (int)load32(p + 2 * stride),
                                  (int)load32(p + 3 * stride), (int)load32(p + 4 * stride), (int)load32(p + 5 * stride),
                                  (int)load32(p + 6 * stride), (int)load32(p + 7 * stride));
    // per 128-bit lane [d d d d m m m m] (16-bit), then the 64-bit halves gathered: [d0…d7 | m0…m7]
    const __m256i split = _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15,
                                           0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
    h = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(h, split), 0xD8);
    *dw = _mm256_cvtph_ps(_mm256_castsi256_si128(h));
    *mw = _mm256_cvtph_ps(_mm256_extracti128_si256(h, 1));
}

/// The 16 bytes at p + r·stride + off (a block's nibbles) for rows r = 0…7, transposed so that lane r of every
/// vector is row r: c[k] holds bytes 4k…4k+3 of each row. Rows r and r + 4 share a load; a 4×4 transpose of 32-bit
/// words per 128-bit lane.
INLINE void words8(const uint8_t *p, long stride, long off, __m256i c[4]) {
    __m256i a[4];
    for (int r = 0; r < 4; r++)
        a[r] = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(p + r * stride + off))),
                                       _mm_loadu_si128((const __m128i *)(p + (r + 4) * stride + off)), 1);
    __m256i t0 = _mm256_unpacklo_epi32(a[0], a[1]), t1 = _mm256_unpackhi_epi32(a[0], a[1]);
    __m256i t2 = _mm256_unpacklo_epi32(a[2], a[3]), t3 = _mm256_unpackhi_epi32(a[2], a[3]);
    c[0] = _mm256_unpacklo_epi64(t0, t2), c[1] = _mm256_unpackhi_epi64(t0, t2);
    c[2] = _mm256_unpacklo_epi64(t1, t3), c[3] = _mm256_unpackhi_epi64(t1, t3);
}

/// The 32 nibbles of block p + r·stride (16 bytes at +off) for rows r = 0…7 in words8's layout: u[k] holds bytes
/// 4k…4k+3's low nibbles (elements 4k…4k+3), u[k + 4] their high nibbles (elements 16 + 4k…16 + 4k+3).
INLINE void nibbles8(const uint8_t *p, long stride, long off, __m256i u[8]) {
    __m256i c[4];
    words8(p, stride, off, c);
    const __m256i m4 = _mm256_set1_epi8(15);
    for (int k = 0; k < 4; k++) {
        u[k] = _mm256_and_si256(c[k], m4);
        u[k + 4] = _mm256_and_si256(_mm256_srli_epi16(c[k], 4), m4);
    }
}

/// The 32 signed bytes of block p + r·stride (at +2) for rows r = 0…7, transposed so that lane r of every vector is
/// row r: u[k] holds elements 4k…4k+3 of each row. Rows r and r + 4 share a vector; an 8×8 transpose of 32-bit
/// words split into two 4×4 ones per 128-bit lane.
INLINE void bytes8(const uint8_t *p, long stride, __m256i u[8]) {
    for (int half = 0; half < 2; half++) {  // elements 0…15, then 16…31
        __m256i a[4];
        for (int r = 0; r < 4; r++)
            a[r] = _mm256_inserti128_si256(
                _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(p + r * stride + 2 + 16 * half))),
                _mm_loadu_si128((const __m128i *)(p + (r + 4) * stride + 2 + 16 * half)), 1);
        __m256i t0 = _mm256_unpacklo_epi32(a[0], a[1]), t1 = _mm256_unpackhi_epi32(a[0], a[1]);
        __m256i t2 = _mm256_unpacklo_epi32(a[2], a[3]), t3 = _mm256_unpackhi_epi32(a[2], a[3]);
        u[4 * half] = _mm256_unpacklo_epi64(t0, t2), u[4 * half + 1] = _mm256_unpackhi_epi64(t0, t2);
        u[4 * half + 2] = _mm256_unpacklo_epi64(t1, t3), u[4 * half + 3] = _mm256_unpackhi_epi64(t1, t3);
    }
}

/// The float steps of an eight-row block after its integer sums (lane r: row r's Σ n·q), the four-row kernels' for
/// the kind (rows4_32): f = d_x·Σ, then d_w·f (Q4_1, whose m_w·s_x terms rows8_minimums adds) or d_w·(f − offset·s_x)
/// (offset 8 for Q4_0, 16 for Q5_0).
INLINE __m256 rows8_step(enum kind k, __m256 acc, __m256 dw, __m256i sums, float dx, float sx) {
    const __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(sums), _mm256_set1_ps(dx));
    if (k == Q4_1) return _mm256_fmadd_ps(dw, f, acc);
    return _mm256_fmadd_ps(dw, _mm256_sub_ps(f, _mm256_set1_ps((k == Q5_0 ? 16.0f : 8.0f) * sx)), acc);
}

/// Q4_1's m_w·s_x terms of eight rows for NB vectors, summed in a pass of their own in block order (as rows4_32's
/// second accumulator) and added to acc: gathering each block's minimums again costs less than keeping 8 more
/// accumulators in the kernels' block loop (58 vs 54 G/s with 8 vectors, 2-core EPYC).
INLINE void rows8_minimums(int NB, const uint8_t *w, long stride, long nd, const float *s, __m256 acc[8]) {
    __m256 accm[8];
    for (int v = 0; v < 8; v++) accm[v] = _mm256_setzero_ps();
    for (long b = 0; b < nd; b++) {
        __m256 dw, mw;
        pairs8(w + 20 * b, stride, &dw, &mw);
        for (int v = 0; v < NB; v++) accm[v] = _mm256_fmadd_ps(mw, _mm256_set1_ps(s[v * nd + b]), accm[v]);
    }
    for (int v = 0; v < NB; v++) acc[v] = _mm256_add_ps(acc[v], accm[v]);
}

#endif
