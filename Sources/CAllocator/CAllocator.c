#include "CAllocator.h"
#include <stdlib.h>  // first: it defines __GLIBC__ on glibc systems
#if defined(__GLIBC__)
#include <malloc.h>
void lm_keep_large_allocations_on_heap(void) {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
}
void lm_return_free_memory(void) { malloc_trim(0); }
#else
void lm_keep_large_allocations_on_heap(void) {}
void lm_return_free_memory(void) {}
#endif
