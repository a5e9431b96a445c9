// AVX-512 VNNI kernels: MatVecQ8AVX2.c's eight-row kernels (Q4_0, Q4_1, Q8_0: eight rows side by side, one row per
// 32-bit lane), its four-row kernel of Q8_0, and eight-row kernels of Q5_0 and IQ4_NL, on vpdpbusd, which
// multiplies unsigned by signed bytes and adds each group of four products straight into a 32-bit lane — one
// instruction where AVX2 needs vpmaddubsw, vpmaddwd (or 16-bit adds) and an add. AVX-512's 32 vector registers
// (usable by 256-bit code with AVX512VL) hold a block's eight weight vectors and every vector's accumulators. The
// integers are exact either way and the float steps are the AVX2 kernels', in their order, so every row gets the
// AVX2 four-row kernels' bits (MatVecTests.testEightRowKernelsEqualFourRowKernelsBitForBit). Zen 4 and Intel from
// Cascade Lake have VNNI (lmlab_cpu_has_avx512vnni), Zen 4 and Intel from Ice Lake the BITALG the Q5_0 kernel also
// needs.
#include "CKernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include "AVX2Shared.h"
#include "RowGroups.h"

#define VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512bw,avx512vnni")))
#define VNNI_INLINE static inline __attribute__((always_inline)) VNNI

/// The C partial sums of a vector as one (integers: exact in any order).
VNNI_INLINE __m256i total(int C, const __m256i t[4]) {
    __m256i sum = t[0];
    for (int i = 1; i < C; i++) sum = _mm256_add_epi32(sum, t[i]);
    return sum;
}

/// Rows 0…7 of Q4_0 or Q4_1 against NB vectors (NB ≤ 8), in rows8_q4_many's order: per block, each of the four
/// transposed 32-bit words (words8: bytes 4j…4j+3 of every row) gives its low nibbles (elements 4j…4j+3) and high
/// nibbles (16 + 4j…) to every vector's sum by a vpdpbusd each, against that vector's four activation bytes
/// broadcast. A vpdpbusd takes 4–5 cycles before its sum can take the next, so with few vectors each vector's sum is
/// split into C independent ones (integers: any order, the same total). Then the AVX2 kernels' float steps
/// (rows8_step, rows8_minimums).
VNNI_INLINE void rows8_q4_vnni(enum kind k, int NB, const uint8_t *w, long stride, const int8_t *q, const float *d,
                               const float *s, long n, float *y, long ldy) {
    const long bb = block_bytes(k), nd = n / 32, off = k == Q4_0 ? 2 : 4;
    const int C = NB == 1 ? 4 : NB == 2 ? 2 : 1;
    const __m256i m4 = _mm256_set1_epi8(15);
    __m256 acc[8];
    for (int v = 0; v < 8; v++) acc[v] = _mm256_setzero_ps();
    for (long b = 0; b < nd; b++) {
        const uint8_t *p = w + bb * b;
        prefetch(w + 8 * stride + 8 * bb * b, 8 * bb);
        __m256i c[4];
        words8(p, stride, off, c);
        __m256i t[8][4];
        for (int v = 0; v < NB; v++)
            for (int i = 0; i < C; i++) t[v][i] = _mm256_setzero_si256();
#pragma clang loop unroll(full)
        for (int j = 0; j < 4; j++) {
            const __m256i lo = _mm256_and_si256(c[j], m4), hi = _mm256_and_si256(_mm256_srli_epi16(c[j], 4), m4);
            for (int v = 0; v < NB; v++) {
                const uint8_t *x = (const uint8_t *)(q + 32 * b) + v * n;
                t[v][(2 * j) % C] = _mm256_dpbusd_epi32(t[v][(2 * j) % C], lo, _mm256_set1_epi32((int)load32(x + 4 * j)));
                t[v][(2 * j + 1) % C] = _mm256_dpbusd_epi32(t[v][(2 * j + 1) % C], hi,
                                                            _mm256_set1_epi32((int)load32(x + 16 + 4 * j)));
            }
        }
        __m256 dw, mw;
        pairs8(p, stride, &dw, &mw);
        for (int v = 0; v < NB; v++) acc[v] = rows8_step(k, acc[v], dw, total(C, t[v]), d[v * nd + b], s[v * nd + b]);
    }
    if (k == Q4_1) rows8_minimums(NB, w, stride, nd, s, acc);
    for (int v = 0; v < NB; v++) _mm256_storeu_ps(y + v * ldy, acc[v]);
}

/// Rows 0…7 of Q8_0 or IQ4_NL (its nibbles looked up in the grid: the same signed bytes, in nibbles8's order,
/// which is bytes8's) against NB vectors. Both factors are signed, and vpdpbusd wants one unsigned: the activations
/// are moved up by 128 (q + 128 ∈ 1…255, one xor of the sign bit per 32 bytes) and 128·Σw taken off again —
/// Σ (q + 128)·w − 128·Σ w = Σ q·w, exact in 32 bits — where AVX2 moves w's sign onto every broadcast activation.
/// Σ w per row costs eight vpdpbusd by ones per block, shared by all vectors. Then rows4_32's d_w·(d_x·Σ w·q).
VNNI_INLINE void rows8_signed_vnni(enum kind k, int NB, const uint8_t *w, long stride, const int8_t *q, const float *d,
                                   long n, float *y, long ldy) {
    const long nd = n / 32, bb = block_bytes(k);
    const int C = NB == 1 ? 4 : NB == 2 ? 2 : 1;  // independent sums per vector, as rows8_q4_vnni
    const __m256i ones = _mm256_set1_epi8(1), top = _mm256_set1_epi8((char)0x80);
    __m256 acc[8];
    for (int v = 0; v < 8; v++) acc[v] = _mm256_setzero_ps();
    for (long b = 0; b < nd; b++) {
        const uint8_t *p = w + bb * b;
        prefetch(w + 8 * stride + 8 * bb * b, 8 * bb);
        const __m256 dw = halves8(p, stride);
        __m256i u[8], sum = _mm256_setzero_si256();
        if (k == Q8_0) {
            bytes8(p, stride, u);
        } else {
            nibbles8(p, stride, 2, u);
            for (int j = 0; j < 8; j++) u[j] = iq4_grid(u[j]);
        }
        for (int j = 0; j < 8; j++) sum = _mm256_dpbusd_epi32(sum, ones, u[j]);
        const __m256i offset = _mm256_slli_epi32(sum, 7);  // 128·Σ w, per row
        for (int v = 0; v < NB; v++) {
            uint32_t up[8];  // the block's q + 128, four bytes per word
            _mm256_storeu_si256((__m256i *)up, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(q + v * n + 32 * b)), top));
            __m256i t[4];
            for (int i = 0; i < C; i++) t[i] = _mm256_setzero_si256();
            for (int j = 0; j < 8; j++) t[j % C] = _mm256_dpbusd_epi32(t[j % C], _mm256_set1_epi32((int)up[j]), u[j]);
            for (int i = 1; i < C; i++) t[0] = _mm256_add_epi32(t[0], t[i]);
            t[0] = _mm256_sub_epi32(t[0], offset);
            acc[v] = _mm256_fmadd_ps(dw, _mm256_mul_ps(_mm256_cvtepi32_ps(t[0]), _mm256_set1_ps(d[v * nd + b])), acc[v]);
        }
    }
    for (int v = 0; v < NB; v++) _mm256_storeu_ps(y + v * ldy, acc[v]);
}

/// Rows 0…7 of IQ4_NL against one vector. rows8_signed_vnni's Σ w per row (eight vpdpbusd per block) is paid for by
/// the vectors that share it; with one vector it is cheaper to move the weights up instead: grid + 128 ∈ 1…241 is
/// unsigned (one vpshufb from a table moved up by 128, as iq4_grid), the activations stay signed, and 128·Σq —
/// one vpdpbusd by ones and a lane sum per block — is taken off: Σ (g + 128)·q − 128·Σ q = Σ g·q, exact in 32 bits.
/// Then the same float step. Zen 4, one thread, 1536×576 in cache: 28 → 38 G/s (AVX2's four-row kernel: 31).
VNNI_INLINE void rows8_iq4_one_vnni(const uint8_t *w, long stride, const int8_t *q, const float *d, long n, float *y) {
    const long nd = n / 32;
    const __m256i m4 = _mm256_set1_epi8(15), ones = _mm256_set1_epi8(1), top = _mm256_set1_epi8((char)0x80);
    const __m256i up = _mm256_xor_si256(iq4_grid(_mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                                                   0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)),
                                        top);  // grid + 128 (mod 256)
    __m256 acc = _mm256_setzero_ps();
    for (long b = 0; b < nd; b++) {
        const uint8_t *p = w + 18 * b, *x = (const uint8_t *)(q + 32 * b);
        prefetch(w + 8 * stride + 8 * 18 * b, 8 * 18);
        __m256i c[4], t[4];
        words8(p, stride, 2, c);
        for (int i = 0; i < 4; i++) t[i] = _mm256_setzero_si256();
#pragma clang loop unroll(full)
        for (int j = 0; j < 4; j++) {  // four independent sums: a vpdpbusd takes 4–5 cycles before the next
            const __m256i lo = _mm256_shuffle_epi8(up, _mm256_and_si256(c[j], m4));
            const __m256i hi = _mm256_shuffle_epi8(up, _mm256_and_si256(_mm256_srli_epi16(c[j], 4), m4));
            t[(2 * j) % 4] = _mm256_dpbusd_epi32(t[(2 * j) % 4], lo, _mm256_set1_epi32((int)load32(x + 4 * j)));
            t[(2 * j + 1) % 4] = _mm256_dpbusd_epi32(t[(2 * j + 1) % 4], hi, _mm256_set1_epi32((int)load32(x + 16 + 4 * j)));
        }
        // Σ q of the block in every lane: 8 sums of 4 bytes, then their total
        __m256i sq = _mm256_dpbusd_epi32(_mm256_setzero_si256(), ones, _mm256_loadu_si256((const __m256i *)x));
        sq = _mm256_add_epi32(sq, _mm256_permute2x128_si256(sq, sq, 1));
        sq = _mm256_add_epi32(sq, _mm256_shuffle_epi32(sq, 0x4E));
        sq = _mm256_add_epi32(sq, _mm256_shuffle_epi32(sq, 0xB1));
        const __m256i sum = _mm256_sub_epi32(_mm256_add_epi32(_mm256_add_epi32(t[0], t[1]), _mm256_add_epi32(t[2], t[3])),
                                             _mm256_slli_epi32(sq, 7));
        acc = _mm256_fmadd_ps(halves8(p, stride), _mm256_mul_ps(_mm256_cvtepi32_ps(sum), _mm256_set1_ps(d[b])), acc);
    }
    _mm256_storeu_ps(y, acc);
}

/// Rows 0…7 of Q5_0 against NB vectors, as rows8_q4_vnni with a fifth bit per element: n + 16·h ∈ 0…31 (the
/// stored value plus 16), then rows4_32's float steps for Q5_0 (rows8_step): d_w·(d_x·Σ (n + 16h)·q − 16·s_x).
/// The eight rows' 32-bit qh words sit one per lane of a vector; for each transposed nibble vector, vpshufbitqmb
/// (AVX512_BITALG) picks, for byte k of lane r, bit 4j + k of row r's qh (+16 for the high nibbles) — its indices
/// count within a 64-bit lane, which holds rows 2m and 2m + 1 — and a masked byte add puts the 16 in.
#define QBITS __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512bw,avx512vnni,avx512bitalg")))
static inline __attribute__((always_inline)) QBITS void rows8_q5_vnni(int NB, const uint8_t *w, long stride,
                                                                       const int8_t *q, const float *d, const float *s,
                                                                       long n, float *y, long ldy) {
    const long nd = n / 32;
    const int C = NB == 1 ? 4 : NB == 2 ? 2 : 1;
    const __m256i m4 = _mm256_set1_epi8(15), sixteen = _mm256_set1_epi8(16);
    __m256 acc[8];
    for (int v = 0; v < 8; v++) acc[v] = _mm256_setzero_ps();
    for (long b = 0; b < nd; b++) {
        const uint8_t *p = w + 22 * b;
        prefetch(w + 8 * stride + 8 * 22 * b, 8 * 22);
        __m256i c[4];
        words8(p, stride, 6, c);
        const __m256i qh = _mm256_setr_epi32((int)load32(p + 2), (int)load32(p + stride + 2), (int)load32(p + 2 * stride + 2),
                                             (int)load32(p + 3 * stride + 2), (int)load32(p + 4 * stride + 2),
                                             (int)load32(p + 5 * stride + 2), (int)load32(p + 6 * stride + 2),
                                             (int)load32(p + 7 * stride + 2));
        __m256i t[8][4];
        for (int v = 0; v < NB; v++)
            for (int i = 0; i < C; i++) t[v][i] = _mm256_setzero_si256();
#pragma clang loop unroll(full)
        for (int j = 0; j < 4; j++) {
            // bit indices, per 64-bit lane: row 2m's bits 4j…4j+3, row 2m + 1's (+32); +16 for the high nibbles
            const __m256i at = _mm256_set1_epi64x((long long)(0x2322212003020100ULL + 0x0404040404040404ULL * (unsigned)j));
            const __m256i lo = _mm256_mask_add_epi8(_mm256_and_si256(c[j], m4), _mm256_bitshuffle_epi64_mask(qh, at),
                                                    _mm256_and_si256(c[j], m4), sixteen);
            const __m256i h4 = _mm256_and_si256(_mm256_srli_epi16(c[j], 4), m4);
            const __m256i hi = _mm256_mask_add_epi8(h4, _mm256_bitshuffle_epi64_mask(qh, _mm256_add_epi8(at, sixteen)), h4,
                                                    sixteen);
            for (int v = 0; v < NB; v++) {
                const uint8_t *x = (const uint8_t *)(q + 32 * b) + v * n;
                t[v][(2 * j) % C] = _mm256_dpbusd_epi32(t[v][(2 * j) % C], lo, _mm256_set1_epi32((int)load32(x + 4 * j)));
                t[v][(2 * j + 1) % C] = _mm256_dpbusd_epi32(t[v][(2 * j + 1) % C], hi,
                                                            _mm256_set1_epi32((int)load32(x + 16 + 4 * j)));
            }
        }
        const __m256 dw = halves8(p, stride);
        for (int v = 0; v < NB; v++)
            acc[v] = rows8_step(Q5_0, acc[v], dw, total(C, t[v]), d[v * nd + b], s[v * nd + b]);
    }
    for (int v = 0; v < NB; v++) _mm256_storeu_ps(y + v * ldy, acc[v]);
}

QBITS void lmlab_vnni_q5_0_rows8(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n,
                                 long batch, float *y, long ldy) {
#define GROUP(NB) rows8_q5_vnni(NB, w, stride, q + v * n, d + v * (n / 32), s + v * (n / 32), n, y + v * ldy, ldy)
    EIGHT_AT_A_TIME(batch, GROUP)
#undef GROUP
}

/// Rows 0…3 of Q8_0 against NB vectors, MatVecQ8AVX2.c's rows4_32 for Q8_0 with one vpdpbusd where it has
/// vpmaddubsw and vpmaddwd: |w| × (q with w's sign), four products at a time straight to 32 bits; then its
/// d_w·(d_x·Σ w·q). For one vector, where the eight-row kernel's transposition costs more than it saves. (The same
/// for IQ4_NL, its weights looked up in the grid, measured slower than the AVX2 kernel: 27 vs 32 G/s, Zen 4.)
VNNI_INLINE void rows4_q8_vnni(int NB, const uint8_t *w, long stride, const int8_t *q, const float *d, long n, float *y,
                               long ldy) {
    const long nd = n / 32;
    __m128 acc[8];
    for (int v = 0; v < 8; v++) acc[v] = _mm_setzero_ps();
    for (long b = 0; b < nd; b++) {
        const uint8_t *p = w + 34 * b;
        prefetch(w + 4 * stride + 4 * 34 * b, 4 * 34);
        __m256i u[4], a[4];
        for (int r = 0; r < 4; r++) {
            u[r] = _mm256_loadu_si256((const __m256i *)(p + r * stride + 2));
            a[r] = _mm256_abs_epi8(u[r]);
        }
        const __m128 d4 = halves4(p, stride);
        for (int v = 0; v < NB; v++) {
            const __m256i x = _mm256_loadu_si256((const __m256i *)(q + v * n + 32 * b)), zero = _mm256_setzero_si256();
            __m128i t = sum4(_mm256_dpbusd_epi32(zero, a[0], _mm256_sign_epi8(x, u[0])),
                             _mm256_dpbusd_epi32(zero, a[1], _mm256_sign_epi8(x, u[1])),
                             _mm256_dpbusd_epi32(zero, a[2], _mm256_sign_epi8(x, u[2])),
                             _mm256_dpbusd_epi32(zero, a[3], _mm256_sign_epi8(x, u[3])));
            acc[v] = _mm_fmadd_ps(d4, _mm_mul_ps(_mm_cvtepi32_ps(t), _mm_set1_ps(d[v * nd + b])), acc[v]);
        }
    }
    for (int v = 0; v < NB; v++) _mm_storeu_ps(y + v * ldy, acc[v]);
}

/// Any of them against NB vectors: the eight-row kernels of Q4_0, Q4_1, Q8_0 and IQ4_NL, Q8_0's four-row one.
VNNI_INLINE void rows_vnni(enum kind k, int four, int NB, const uint8_t *w, long stride, const int8_t *q,
                           const float *d, const float *s, long n, float *y, long ldy) {
    if (four) rows4_q8_vnni(NB, w, stride, q, d, n, y, ldy);
    else if (k == IQ4_NL && NB == 1) rows8_iq4_one_vnni(w, stride, q, d, n, y);
    else if (k == Q8_0 || k == IQ4_NL) rows8_signed_vnni(k, NB, w, stride, q, d, n, y, ldy);
    else rows8_q4_vnni(k, NB, w, stride, q, d, s, n, y, ldy);
}

/// `batch` vectors, eight at a time.
VNNI_INLINE void rows_vnni_batch(enum kind k, int four, const uint8_t *w, long stride, const int8_t *q, const float *d,
                                 const float *s, long n, long batch, float *y, long ldy) {
#define GROUP(NB) rows_vnni(k, four, NB, w, stride, q + v * n, d + v * (n / 32), s + v * (n / 32), n, y + v * ldy, ldy)
    EIGHT_AT_A_TIME(batch, GROUP)
#undef GROUP
}

#define KERNEL(name, kind, four)                                                                                     \
    VNNI void name(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n, long batch,   \
                   float *y, long ldy) {                                                                             \
        rows_vnni_batch(kind, four, w, stride, q, d, s, n, batch, y, ldy);                                           \
    }
KERNEL(lmlab_vnni_q4_0_rows8, Q4_0, 0)
KERNEL(lmlab_vnni_q4_1_rows8, Q4_1, 0)
KERNEL(lmlab_vnni_q8_0_rows8, Q8_0, 0)
KERNEL(lmlab_vnni_iq4_nl_rows8, IQ4_NL, 0)
KERNEL(lmlab_vnni_q8_0_rows4, Q8_0, 1)

#else
// Not x86-64: lmlab_cpu_has_avx512vnni() is 0 and these are never called.
#include "Unavailable.h"
UNAVAILABLE(lmlab_vnni_q4_0_rows8)
UNAVAILABLE(lmlab_vnni_q4_1_rows8)
UNAVAILABLE(lmlab_vnni_q8_0_rows8)
UNAVAILABLE(lmlab_vnni_q8_0_rows4)
UNAVAILABLE(lmlab_vnni_iq4_nl_rows8)
UNAVAILABLE(lmlab_vnni_q5_0_rows8)
#endif
