// The stand-ins the 8-bit kernel files (MatVecQ8AVX2.c, MatVecQ8VNNI.c) define on CPUs other than x86-64, where the
// CPU checks say no and Swift never calls them: each kernel's symbol (lmlab_q8_rows4's signature), trapping.
#ifndef LMLAB_UNAVAILABLE_H
#define LMLAB_UNAVAILABLE_H

#define UNAVAILABLE(name)                                                                                            \
    void name(const void *w, long stride, const int8_t *q, const float *d, const float *s, long n, long batch,        \
              float *y, long ldy) {                                                                                  \
        (void)w; (void)stride; (void)q; (void)d; (void)s; (void)n; (void)batch; (void)y; (void)ldy;                  \
        __builtin_trap();                                                                                            \
    }

#endif
