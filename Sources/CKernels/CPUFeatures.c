// Runtime CPU detection: one binary runs on AVX2 and AVX-512 machines and on baseline x86-64, and picks its kernels
// (Swift asks once and keeps the answer).
#include "CKernels.h"

int lmlab_cpu_has_avx2(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#else
    return 0;
#endif
}

int lmlab_cpu_has_avx512vnni(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    return lmlab_cpu_has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni");
#else
    return 0;
#endif
}

int lmlab_cpu_has_avx512bitalg(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    return lmlab_cpu_has_avx512vnni() && __builtin_cpu_supports("avx512bitalg");
#else
    return 0;
#endif
}
